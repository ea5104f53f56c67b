//! Fixtures shared by oxynapse's micro-benchmarks: a stub GoToWebinar connector (no network),
//! engines with the seed proxy and a few others deployed, and request bodies of a given size.
//!
//! The load tests live in `load.sh` next to this crate; `src/bin/oxy-bench.rs` times start-up.
//! The soak test (`soak.sh`, `src/bin/oxy-soak.rs`) lives in [`soak`].

pub mod soak;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use oxynapse_engine::{
    Args, BoxFuture, Connector, Engine, EngineServices, MediationError, MessageContext,
    OperationSpec, ParamSpec, Registry, Settings,
};

/// The seed's sample proxy, as shipped in `proxies/`.
pub const SEED_PROXY: &str = include_str!("../../proxies/gotowebinar_getSessionById.xml");

/// The 36-operation test proxy, as shipped in `proxies/`.
pub const ALL_OPERATIONS_PROXY: &str = include_str!("../../proxies/gotowebinar.xml");

/// The seed's request fields, as in the GoToWebinar documentation.
pub const SEED_FIELDS: &[(&str, &str)] = &[
    ("apiUrl", "http://127.0.0.1:9"),
    ("accessToken", "UEGGrwswKRwB07lTOr0EoppdaxKo"),
    ("organizerKey", "3697511743350317068"),
    ("clientId", "IJfcaqp3xC034WXD1GGlstejnJS41huo"),
    ("refreshToken", "MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm"),
    ("webinarKey", "6487648931392511233"),
    ("sessionKey", "2167614"),
];

/// What the stub's `getSessionById` answers: the shape of GoToWebinar's session object.
pub const SESSION_JSON: &str = r#"{"sessionKey":2167614,"webinarKey":6487648931392511233,"webinarName":"Quarterly update","startTime":"2026-03-12T15:00:00Z","endTime":"2026-03-12T16:00:00Z","registrantsAttended":42}"#;

/// A JSON object with `fields` (strings) and a `pad` string, `size` bytes long in all
/// (never shorter than the fields themselves).
pub fn json_body(size: usize, fields: &[(&str, &str)]) -> Bytes {
    let mut text = String::from("{");
    for (name, value) in fields {
        text.push_str(&serde_json::to_string(name).unwrap_or_default());
        text.push(':');
        text.push_str(&serde_json::to_string(value).unwrap_or_default());
        text.push(',');
    }
    text.push_str("\"pad\":\"");
    let closing = 2; // `"}`
    let pad = size.saturating_sub(text.len() + closing);
    text.extend(std::iter::repeat_n('x', pad));
    text.push_str("\"}");
    Bytes::from(text)
}

/// `Content-Type: application/json`, as a client sends it.
pub fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("host", HeaderValue::from_static("127.0.0.1:8290"));
    headers.insert("user-agent", HeaderValue::from_static("bench/1"));
    headers.insert("accept", HeaderValue::from_static("*/*"));
    headers
}

const INIT: &[ParamSpec] = &[
    ParamSpec::required("accessToken"),
    ParamSpec::optional("organizerKey"),
    ParamSpec::optional("apiUrl"),
    ParamSpec::optional("refreshToken"),
    ParamSpec::optional("clientId"),
    ParamSpec::optional("registryPath"),
    ParamSpec::optional("intervalTime"),
];
const GET_SESSION: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("sessionKey"),
];
const STUB_OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        name: "init",
        params: INIT,
    },
    OperationSpec {
        name: "getSessionById",
        params: GET_SESSION,
    },
];

/// `gotowebinar` with `init` and `getSessionById` only, and no network: `init` checks its
/// arguments, `getSessionById` checks its keys and sets [`SESSION_JSON`] as the payload.
/// The seed proxy compiles against it unchanged.
#[derive(Debug)]
pub struct StubGoToWebinar {
    session: serde_json::Value,
}

impl Default for StubGoToWebinar {
    fn default() -> Self {
        StubGoToWebinar {
            session: serde_json::from_str(SESSION_JSON).unwrap_or_default(),
        }
    }
}

impl Connector for StubGoToWebinar {
    fn name(&self) -> &'static str {
        "gotowebinar"
    }

    fn operations(&self) -> &[OperationSpec] {
        STUB_OPERATIONS
    }

    fn invoke<'a>(
        &'a self,
        operation: &'static str,
        args: Args,
        ctx: &'a mut MessageContext,
    ) -> BoxFuture<'a, Result<(), MediationError>> {
        Box::pin(async move {
            match operation {
                "init" => {
                    args.require("accessToken")?;
                    Ok(())
                }
                _ => {
                    args.require("webinarKey")?;
                    args.require("sessionKey")?;
                    ctx.set_json_payload(self.session.clone());
                    Ok(())
                }
            }
        })
    }
}

/// An engine with the builtin mediators and the stub connector, and `files` deployed.
/// Panics when a file has diagnostics: a benchmark of a broken config measures nothing.
pub fn stub_engine(files: &[(&str, &str)]) -> Arc<Engine> {
    let registry = Registry::builder()
        .builtin_mediators()
        .connector(StubGoToWebinar::default())
        .build();
    deploy(registry, files)
}

/// An engine with the real GoToWebinar connector (for compiling, not for calling).
pub fn gotowebinar_engine(files: &[(&str, &str)]) -> Arc<Engine> {
    let registry = Registry::builder()
        .builtin_mediators()
        .connector(oxynapse_gotowebinar::GoToWebinar::new())
        .build();
    deploy(registry, files)
}

fn deploy(registry: Registry, files: &[(&str, &str)]) -> Arc<Engine> {
    let services = EngineServices::in_memory(Settings::default()).expect("engine services");
    let engine = Engine::new(registry, services);
    let compiled = files
        .iter()
        .map(|(name, text)| {
            let file = engine.compile(name, text);
            assert!(
                file.diagnostics.is_empty(),
                "{name}: {:?}",
                file.diagnostics
            );
            file
        })
        .collect();
    engine.deploy(compiled);
    engine
}

/// A proxy answering with the request body after one `json-eval` property: the smallest
/// pipeline that parses, for the overhead of `Engine::handle` itself.
pub const ECHO_PROXY: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="echo">
  <target><inSequence>
    <property name="symbol" expression="json-eval($.symbol)"/>
    <respond/>
  </inSequence></target>
</proxy>"#;

/// Content-based routing without a backend: `switch` on a `json-eval` value.
pub const CBR_PROXY: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="cbr">
  <target><inSequence>
    <switch source="json-eval($.symbol)">
      <case regex="IBM"><property name="route" value="ibm"/><respond/></case>
      <case regex="MSFT"><property name="route" value="msft"/><respond/></case>
      <default><drop/></default>
    </switch>
  </inSequence></target>
</proxy>"#;

/// The `n`-th generated proxy of the deploy benchmarks: a small echo with one property.
pub fn generated_proxy(n: usize) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="p{n}">
  <target><inSequence>
    <property name="n" value="{n}"/>
    <property name="id" expression="json-eval($.id)"/>
    <respond/>
  </inSequence></target>
</proxy>"#
    )
}

/// A POST of `body` to `/services/{proxy}`, through the whole engine (no HTTP).
pub async fn post(engine: &Engine, proxy: &str, body: Bytes) -> u16 {
    engine
        .handle(
            Method::POST,
            format!("/services/{proxy}"),
            json_headers(),
            body,
        )
        .await
        .status
        .as_u16()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_size_asked_for() {
        for size in [500, 1024, 10_240, 102_400] {
            let body = json_body(size, SEED_FIELDS);
            assert_eq!(body.len(), size);
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(value["sessionKey"], "2167614");
        }
    }

    #[test]
    fn the_fixtures_answer_as_a_benchmark_expects() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let engine = stub_engine(&[
            ("seed.xml", SEED_PROXY),
            ("echo.xml", ECHO_PROXY),
            ("cbr.xml", CBR_PROXY),
            ("p1.xml", &generated_proxy(1)),
        ]);
        runtime.block_on(async {
            let seed = json_body(1024, SEED_FIELDS);
            let symbol = json_body(1024, &[("symbol", "IBM")]);
            let response = engine
                .handle(
                    Method::POST,
                    "/services/gotowebinar_getSessionById".into(),
                    json_headers(),
                    seed,
                )
                .await;
            assert_eq!(response.status, 200);
            let session: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(session["sessionKey"], 2167614);
            assert_eq!(post(&engine, "echo", symbol.clone()).await, 200);
            assert_eq!(post(&engine, "cbr", symbol.clone()).await, 200);
            assert_eq!(post(&engine, "p1", symbol).await, 200);
        });
        let real = gotowebinar_engine(&[("all.xml", ALL_OPERATIONS_PROXY)]);
        assert!(real.deployment().error_count() == 0);
    }
}

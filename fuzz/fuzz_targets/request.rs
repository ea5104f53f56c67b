//! The request-to-message path: method, path, headers and body → response, through
//! `Engine::handle` (no sockets), against a fixed deployment that reads the message every way
//! a config can: json-eval properties, `$trp:` reads, headers, filter and switch,
//! payloadFactory in json, xml and text, enrich, templates, REST APIs and `main`.
//!
//! Input, HTTP-like so that seeds are readable:
//!
//! ```text
//! POST /services/fuzz/rest?q=1
//! Content-Type: application/json
//! X-Trace: t-1
//!
//! {"kind":"json","id":7}
//! ```
//!
//! The first line is the method and the path; each next line up to an empty one is a header
//! (`name: value`); the rest is the body, as bytes. `\r\n` works too. A method, path, header
//! name or value that the HTTP layer would refuse before the engine saw it is dropped (the
//! input is skipped for an invalid path, the header for an invalid header), so every finding
//! is reachable over the wire. No mediator here makes an outbound call.

#![no_main]

use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use oxynapse_engine::{Engine, EngineServices, Registry, Settings};

const CONFIG: &str = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
  <localEntry key="greeting">Good morning</localEntry>
  <template name="stamp">
    <parameter name="who" isMandatory="true"/>
    <parameter name="tag" defaultValue="none"/>
    <sequence>
      <header name="X-Who" expression="$func:who" scope="transport"/>
      <header name="X-Tag" expression="get-property('func','tag')" scope="transport"/>
    </sequence>
  </template>
  <sequence name="shape">
    <switch source="json-eval($.kind)">
      <case regex="json">
        <payloadFactory media-type="json">
          <format>{"id": $1, "name": "$2", "items": $3, "trace": "$4", "n": $5, "lit": "$6"}</format>
          <args>
            <arg expression="json-eval($.id)"/>
            <arg evaluator="json" expression="name"/>
            <arg expression="json-eval($.items)"/>
            <arg expression="$trp:X-Trace"/>
            <arg expression="json-eval($.items.length())"/>
            <arg expression="json-eval($.order)" literal="true"/>
          </args>
        </payloadFactory>
      </case>
      <case regex="xml">
        <payloadFactory media-type="xml">
          <format><m:q xmlns:m="urn:m"><m:id>$1</m:id><m:name>$2</m:name></m:q></format>
          <args>
            <arg expression="json-eval($.id)"/>
            <arg expression="json-eval($.name)"/>
          </args>
        </payloadFactory>
      </case>
      <case regex="text">
        <payloadFactory media-type="text">
          <format>id=$1 who=$2 agent=$3</format>
          <args>
            <arg expression="json-eval($.id)"/>
            <arg expression="$ctx:who"/>
            <arg expression="$trp:User-Agent"/>
          </args>
        </payloadFactory>
      </case>
      <case regex="enrich">
        <enrich><source type="body" clone="true"/><target type="property" property="original"/></enrich>
        <enrich><source type="inline" clone="true">{"status": "done"}</source><target xpath="json-eval($.order.result)"/></enrich>
        <enrich><source xpath="json-eval($.items[0])"/><target xpath="json-eval($.first)"/></enrich>
        <enrich><source type="inline">1</source><target xpath="json-eval($.items)" action="child"/></enrich>
        <enrich><source type="inline">2</source><target xpath="json-eval($.items[0])" action="sibling"/></enrich>
        <enrich><source type="inline">0</source><target xpath="json-eval($.id)" action="remove"/></enrich>
        <enrich><source type="property" property="original"/><target xpath="json-eval($.original)"/></enrich>
      </case>
      <case regex="fault">
        <makefault version="soap11" response="true">
          <code value="soap11Env:Client" xmlns:soap11Env="http://schemas.xmlsoap.org/soap/envelope/"/>
          <reason expression="json-eval($.reason)"/>
          <detail>rejected</detail>
        </makefault>
      </case>
      <case regex="drop"><drop/></case>
      <default/>
    </switch>
  </sequence>
  <proxy name="fuzz">
    <target>
      <inSequence>
        <property name="kind" expression="json-eval($.kind)"/>
        <property name="id" expression="json-eval($.id)"/>
        <property name="who" expression="json-eval($.who)"/>
        <property name="skus" expression="json-eval($.items[*].sku)"/>
        <property name="cheap" expression="json-eval($.items[?(@.price &lt; 10)].sku)"/>
        <property name="deep" expression="json-eval($..name)"/>
        <property name="count" expression="json-eval($.items.length())"/>
        <property name="whole" expression="json-eval($)"/>
        <property name="token" expression="json-eval($.accessToken)"/>
        <property name="trace" expression="$trp:X-Trace"/>
        <property name="action" expression="get-property('transport','Action')"/>
        <property name="ctype" expression="$trp:Content-Type"/>
        <property name="n" expression="json-eval($.n)" scope="operation"/>
        <property name="greeting" expression="get-property('greeting')"/>
        <property name="today" expression="get-property('SYSTEM_DATE', 'yyyy-MM-dd')"/>
        <property name="X-Echo" expression="$trp:X-Echo" scope="transport"/>
        <header name="X-Id" expression="$ctx:id" scope="transport"/>
        <header name="X-Trace-Back" expression="$ctx:trace" scope="transport"/>
        <header name="X-Count" expression="$ctx:count" scope="transport"/>
        <header name="X-Skus" expression="$ctx:skus" scope="transport"/>
        <header name="X-Remove" action="remove" scope="transport"/>
        <filter source="$ctx:kind" regex="gold|silver">
          <then><property name="tier" value="premium"/></then>
          <else><property name="tier" value="basic"/></else>
        </filter>
        <filter xpath="json-eval($.flag)">
          <then><header name="X-Flag" value="on" scope="transport"/></then>
        </filter>
        <filter source="get-property('transport','Action')" regex="urn:.*">
          <then><call-template target="stamp"><with-param name="who" value="{$ctx:who}"/><with-param name="tag" value="{json-eval($.tag)}"/></call-template></then>
        </filter>
        <header name="X-Tier" expression="$ctx:tier" scope="transport"/>
        <switch source="$trp:X-Status">
          <case regex="[1-5][0-9][0-9]"><property name="HTTP_SC" expression="$trp:X-Status" scope="axis2"/></case>
        </switch>
        <log level="full"/>
        <log level="custom"><property name="who" expression="$ctx:who"/><property name="token" expression="$ctx:token"/></log>
        <sequence key="shape"/>
        <respond/>
      </inSequence>
      <faultSequence>
        <header name="X-Error" expression="$ctx:ERROR_MESSAGE" scope="transport"/>
        <property name="HTTP_SC" value="400" scope="axis2"/>
        <respond/>
      </faultSequence>
    </target>
  </proxy>
  <proxy name="strict">
    <target>
      <inSequence>
        <property name="n" expression="json-eval($.n)" type="INTEGER"/>
        <property name="flag" expression="json-eval($.flag)" type="BOOLEAN"/>
        <header name="X-N" expression="$ctx:n" scope="transport"/>
        <sequence key="shape"/>
        <respond/>
      </inSequence>
    </target>
  </proxy>
  <api name="items" context="/items">
    <resource methods="GET DELETE" uri-template="/{id}">
      <inSequence>
        <header name="X-Id" expression="$ctx:uri.var.id" scope="transport"/>
        <header name="X-Q" expression="get-property('query.param.q')" scope="transport"/>
        <header name="X-Api" expression="$ctx:SYNAPSE_REST_API" scope="transport"/>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST PUT PATCH" url-mapping="/bulk/*">
      <inSequence>
        <header name="X-Sub" expression="$ctx:REST_SUB_REQUEST_PATH" scope="transport"/>
        <sequence key="shape"/>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <header name="X-Main" value="main" scope="transport"/>
  <property name="HTTP_SC" value="404" scope="axis2"/>
  <respond/>
</definitions>"#;

struct Harness {
    runtime: tokio::runtime::Runtime,
    engine: Arc<Engine>,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let registry = Registry::builder()
            .builtin_mediators()
            .connector(oxynapse_gotowebinar::GoToWebinar::new())
            .build();
        let services = runtime
            .block_on(async { EngineServices::in_memory(Settings::default()) })
            .expect("services");
        let engine = Engine::new(registry, services);
        let file = engine.compile("fuzz.xml", CONFIG);
        assert!(
            file.diagnostics.is_empty(),
            "the fuzz deployment must compile cleanly: {:#?}",
            file.diagnostics
                .iter()
                .map(|d| d.render())
                .collect::<Vec<_>>()
        );
        engine.deploy(vec![file]);
        Harness { runtime, engine }
    })
}

fn split_line(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => {
            let line = &data[..at];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (line, Some(&data[at + 1..]))
        }
        None => (data, None),
    }
}

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let (request_line, mut rest) = split_line(data);
    let (method, path) = match request_line.iter().position(|&b| b == b' ') {
        Some(at) => (&request_line[..at], &request_line[at + 1..]),
        None => (&b"POST"[..], request_line),
    };
    let method = Method::from_bytes(method).unwrap_or(Method::POST);
    let Ok(path) = std::str::from_utf8(path) else {
        return;
    };
    if !path.starts_with('/') || PathAndQuery::from_str(path).is_err() {
        return;
    }
    let mut headers = HeaderMap::new();
    let mut body: &[u8] = &[];
    while let Some(remaining) = rest {
        let (line, next) = split_line(remaining);
        if line.is_empty() {
            body = next.unwrap_or(&[]);
            break;
        }
        rest = next;
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let value = line[colon + 1..].trim_ascii();
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(&line[..colon]),
                HeaderValue::from_bytes(value),
            ) {
                headers.append(name, value);
            }
        }
    }
    let response = harness.runtime.block_on(harness.engine.handle(
        method,
        path.to_string(),
        headers,
        Bytes::copy_from_slice(body),
    ));
    if debug() {
        // FUZZ_DEBUG=1 prints what each input got, to check that seeds reach the mediators.
        let body = String::from_utf8_lossy(&response.body);
        eprintln!(
            "{} {:?} {}",
            response.status,
            response.headers,
            body.chars().take(200).collect::<String>()
        );
    }
});

fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("FUZZ_DEBUG").is_some())
}

//! A third-party connector for oxynapse, written against the public `Connector` trait only.
//!
//! ```xml
//! <greeting.hello>
//!     <name>{json-eval($.name)}</name>       <!-- required -->
//!     <punctuation>!</punctuation>           <!-- optional, default "." -->
//! </greeting.hello>
//! <greeting.quote>
//!     <serviceUrl>{$ctx:quotes}</serviceUrl> <!-- required: GET {serviceUrl}/quote -->
//! </greeting.quote>
//! ```
//!
//! `hello` builds a JSON body without calling anything. `quote` calls a backend through the
//! engine's shared HTTP client and makes its answer the message, like the built-in `call`.

use bytes::Bytes;
use oxynapse_engine::connector::{Args, BoxFuture, Connector, OperationSpec, ParamSpec};
use oxynapse_engine::http::client::BackendRequest;
use oxynapse_engine::{MediationError, MessageContext};

const OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        name: "hello",
        params: &[
            ParamSpec::required("name"),
            ParamSpec::optional("punctuation"),
        ],
    },
    OperationSpec {
        name: "quote",
        params: &[ParamSpec::required("serviceUrl")],
    },
];

/// The connector. It holds no state; a real one might keep a token cache here.
#[derive(Debug, Default)]
pub struct Greeting;

impl Connector for Greeting {
    fn name(&self) -> &'static str {
        "greeting"
    }

    fn operations(&self) -> &[OperationSpec] {
        OPERATIONS
    }

    fn invoke<'a>(
        &'a self,
        operation: &'static str,
        args: Args,
        ctx: &'a mut MessageContext,
    ) -> BoxFuture<'a, Result<(), MediationError>> {
        Box::pin(async move {
            match operation {
                "hello" => hello(&args, ctx),
                "quote" => quote(&args, ctx).await,
                // The engine only calls operations listed in `operations()`.
                other => Err(MediationError::internal(format!(
                    "greeting has no operation `{other}`"
                ))),
            }
        })
    }
}

/// Replaces the body with `{"greeting":"Hello, <name><punctuation>"}`.
fn hello(args: &Args, ctx: &mut MessageContext) -> Result<(), MediationError> {
    let name = args.require("name")?;
    let punctuation = args.non_empty("punctuation").unwrap_or(".");
    ctx.set_json_payload(serde_json::json!({ "greeting": format!("Hello, {name}{punctuation}") }));
    Ok(())
}

/// `GET {serviceUrl}/quote`; the backend's answer becomes the message.
async fn quote(args: &Args, ctx: &mut MessageContext) -> Result<(), MediationError> {
    let url = format!(
        "{}/quote",
        args.require("serviceUrl")?.trim_end_matches('/')
    );
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    let request = BackendRequest {
        method: http::Method::GET,
        url,
        headers,
        body: None::<Bytes>,
        timeout: None,
    };
    let response = ctx.services().http().send(request).await?;
    ctx.replace_message(response.status, response.headers, response.body);
    Ok(())
}

//! oxynapse-engine runs Apache Synapse / WSO2 Micro Integrator configurations.
//!
//! XML text is parsed into typed definitions ([`config`]), compiled once into a pipeline of
//! mediators ([`deploy`]), and each request is mediated by walking that pipeline over a
//! [`MessageContext`]. Nothing is parsed or compiled per request.
//!
//! ```
//! use oxynapse_engine::{Engine, EngineServices, Registry, Settings};
//! use http::{HeaderMap, Method};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let engine = Engine::new(
//!     Registry::builder().builtin_mediators().build(),
//!     EngineServices::in_memory(Settings::default()).unwrap(),
//! );
//! let file = engine.compile("echo.xml", r#"
//!     <proxy xmlns="http://ws.apache.org/ns/synapse" name="echo">
//!       <target><inSequence>
//!         <property name="greeting" expression="json-eval($.name)"/>
//!         <header name="X-Greeting" expression="$ctx:greeting" scope="transport"/>
//!         <respond/>
//!       </inSequence></target>
//!     </proxy>"#);
//! assert!(file.diagnostics.is_empty());
//! engine.deploy(vec![file]);
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("content-type", "application/json".parse().unwrap());
//! let response = engine
//!     .handle(Method::POST, "/services/echo".into(), headers, r#"{"name":"Ada"}"#.into())
//!     .await;
//! assert_eq!(response.status, 200);
//! assert_eq!(response.headers["x-greeting"], "Ada");
//! assert_eq!(response.body, r#"{"name":"Ada"}"#); // untouched bodies go back byte for byte
//! # });
//! ```

pub mod api;
pub mod compile;
pub mod config;
pub mod connector;
pub mod context;
pub mod deploy;
mod dispatch;
pub mod eip;
pub mod endpoint;
mod engine;
pub mod error;
pub mod expr;
pub mod handler;
pub mod http;
pub mod mediators;
pub mod metrics;
pub mod proxy;
pub mod registry;
pub mod secrets;
pub mod sequence;
mod services;
pub mod store;
pub mod template;
pub mod xpath;

#[cfg(test)]
mod testing;

pub use connector::{Args, BoxFuture, Connector, OperationSpec, ParamSpec};
pub use context::{MessageContext, PropertyValue};
pub use engine::Engine;
pub use error::{Diagnostic, MediationError};
pub use registry::{Registry, RegistryBuilder};
pub use services::{EngineServices, Limits, Settings};

//! The GoToWebinar connector: `<gotowebinar.init>` and the API operations, natively.
//!
//! It follows WSO2 connector 1.0.3 request for request (method, URL, query, body, headers),
//! with the decisions listed in this crate's README: token refresh that works, required
//! parameters checked before anything is sent, and secrets never logged whole.
//!
//! ```
//! use oxynapse_engine::Registry;
//! use oxynapse_gotowebinar::GoToWebinar;
//! let registry = Registry::builder().builtin_mediators().connector(GoToWebinar::new()).build();
//! assert!(registry.connector("gotowebinar").is_some());
//! ```

pub mod init;
pub mod operation;
mod sessions;
pub mod token;

use oxynapse_engine::connector::{Args, BoxFuture, Connector, OperationSpec};
use oxynapse_engine::{MediationError, MessageContext};

use init::Session;
use operation::Operation;
use token::TokenCache;

pub struct GoToWebinar {
    specs: Vec<OperationSpec>,
    operations: Vec<&'static Operation>,
    tokens: TokenCache,
}

impl GoToWebinar {
    pub fn new() -> Self {
        let operations: Vec<&'static Operation> = sessions::OPERATIONS.iter().collect();
        let mut specs = vec![OperationSpec {
            name: "init",
            params: init::PARAMS,
        }];
        specs.extend(operations.iter().map(|op| op.spec()));
        GoToWebinar {
            specs,
            operations,
            tokens: TokenCache::default(),
        }
    }
}

impl Default for GoToWebinar {
    fn default() -> Self {
        Self::new()
    }
}

impl Connector for GoToWebinar {
    fn name(&self) -> &'static str {
        "gotowebinar"
    }

    fn operations(&self) -> &[OperationSpec] {
        &self.specs
    }

    fn invoke<'a>(
        &'a self,
        operation: &'static str,
        args: Args,
        ctx: &'a mut MessageContext,
    ) -> BoxFuture<'a, Result<(), MediationError>> {
        Box::pin(async move {
            if operation == "init" {
                return init::init(&self.tokens, &args, ctx).await;
            }
            let op = self
                .operations
                .iter()
                .find(|o| o.name == operation)
                .ok_or_else(|| {
                    MediationError::internal(format!("gotowebinar has no operation `{operation}`"))
                })?;
            let session = ctx.extensions().get::<Session>().cloned().ok_or_else(|| {
                MediationError::internal(format!(
                    "gotowebinar.{operation} ran before gotowebinar.init"
                ))
                .with_detail("call <gotowebinar.init> earlier in the same flow")
            })?;
            if session.organizer_key.is_empty() {
                return Err(args_error(operation));
            }
            op.run(&session, &args, ctx).await
        })
    }
}

fn args_error(operation: &str) -> MediationError {
    MediationError::client(format!("missing required parameter `organizerKey` of operation `init` (needed by `{operation}`)"))
        .with_detail("`organizerKey` evaluated to an empty value; check the request field or property that feeds it")
}

//! The connector plugin interface.
//!
//! A connector is a named set of operations. In a config, `<gotowebinar.getSessionById>`
//! calls operation `getSessionById` of connector `gotowebinar`; its child elements are the
//! operation's parameters:
//!
//! ```xml
//! <gotowebinar.getSessionById>
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>
//!     <sessionKey>{$ctx:sessionKey}</sessionKey>
//! </gotowebinar.getSessionById>
//! ```
//!
//! Operations declare their parameters, so a typo or a missing required parameter is a
//! deploy-time error. At run time the engine evaluates each parameter (text wrapped in `{...}`
//! is an expression, anything else a literal) and hands the values to [`Connector::invoke`].
//!
//! A connector is registered explicitly:
//! `Registry::builder().builtin_mediators().connector(MyConnector).build()`.

use std::future::Future;
use std::pin::Pin;

use crate::context::MessageContext;
use crate::error::{MediationError, codes};

/// A boxed future, as returned by [`Connector::invoke`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    /// A required parameter must appear in the config; at run time it must not be empty.
    pub required: bool,
}

impl ParamSpec {
    pub const fn required(name: &'static str) -> Self {
        ParamSpec {
            name,
            required: true,
        }
    }

    pub const fn optional(name: &'static str) -> Self {
        ParamSpec {
            name,
            required: false,
        }
    }
}

/// One operation of a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    pub name: &'static str,
    pub params: &'static [ParamSpec],
}

impl OperationSpec {
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// The evaluated parameters of one invocation. A parameter that was not given, or whose
/// expression gave null, is absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    operation: &'static str,
    values: Vec<(&'static str, String)>,
}

impl Args {
    pub fn new(operation: &'static str) -> Self {
        Args {
            operation,
            values: Vec::new(),
        }
    }

    pub fn insert(&mut self, name: &'static str, value: String) {
        self.values.push((name, value));
    }

    /// The value as given (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value when it is present and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// A required value: absent or empty is the client's error (400), and nothing is sent.
    pub fn require(&self, name: &str) -> Result<&str, MediationError> {
        self.non_empty(name).ok_or_else(|| {
            MediationError::client(format!(
                "missing required parameter `{name}` of operation `{}`",
                self.operation
            ))
            .with_detail(format!(
                "`{name}` evaluated to an empty value; check the request field or property that feeds it"
            ))
            .with_code(codes::MISSING_PARAMETER)
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.values.iter().map(|(n, v)| (*n, v.as_str()))
    }
}

/// A connector: a named set of operations the engine can call from configs.
pub trait Connector: Send + Sync + 'static {
    /// The element prefix: `gotowebinar` for `<gotowebinar.init>`.
    fn name(&self) -> &'static str;

    /// Every operation with its parameters; checked at deploy time.
    fn operations(&self) -> &[OperationSpec];

    /// Runs `operation` (a name from [`Connector::operations`]) on the message. Operations
    /// usually call an API and make its response the current message.
    fn invoke<'a>(
        &'a self,
        operation: &'static str,
        args: Args,
        ctx: &'a mut MessageContext,
    ) -> BoxFuture<'a, Result<(), MediationError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_distinguish_absent_empty_and_present() {
        let mut args = Args::new("getSessionById");
        args.insert("webinarKey", "123".into());
        args.insert("sessionKey", String::new());
        assert_eq!(args.require("webinarKey"), Ok("123"));
        assert_eq!(args.get("sessionKey"), Some(""));
        let err = args.require("sessionKey").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.message.contains("`sessionKey`") && err.message.contains("getSessionById"));
        assert!(args.require("other").is_err());
    }
}

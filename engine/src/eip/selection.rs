//! What `iterate` and `foreach` loop over: a JSON path over the payload, an XPath over the
//! XML view, or (inside templates) a `$func:` parameter naming one of those.

use std::sync::Arc;

use crate::compile::CompileCx;
use crate::config::xml::{Attribute, Element};
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::expr::{Expression, JsonPathExpr, XPathExpr};

#[derive(Debug)]
pub enum ItemsExpression {
    Json(JsonPathExpr),
    XPath(Box<XPathExpr>),
    /// A property or template parameter whose value is the expression (`$func:iter_expr`);
    /// compiled when the message arrives, with the namespaces of the config element.
    Indirect {
        lookup: Expression,
        namespaces: Arc<[(String, String)]>,
    },
}

/// An [`ItemsExpression`] resolved for one message.
pub enum Resolved<'a> {
    Json(&'a JsonPathExpr),
    XPath(&'a XPathExpr),
    OwnedJson(JsonPathExpr),
    OwnedXPath(XPathExpr),
}

impl Resolved<'_> {
    pub fn json(&self) -> Option<&JsonPathExpr> {
        match self {
            Resolved::Json(p) => Some(p),
            Resolved::OwnedJson(p) => Some(p),
            _ => None,
        }
    }

    pub fn xpath(&self) -> Option<&XPathExpr> {
        match self {
            Resolved::XPath(x) => Some(x),
            Resolved::OwnedXPath(x) => Some(x),
            _ => None,
        }
    }
}

impl ItemsExpression {
    pub fn build(
        el: &Element,
        attr: &Attribute,
        cx: &mut CompileCx<'_>,
    ) -> Result<ItemsExpression, Reported> {
        Ok(match cx.expression(el, attr)? {
            Expression::JsonEval(path) => ItemsExpression::Json(path),
            Expression::XPath(xpath) => ItemsExpression::XPath(xpath),
            lookup @ Expression::Lookup(_) => ItemsExpression::Indirect {
                lookup,
                namespaces: el.namespaces_in_scope.clone(),
            },
        })
    }

    pub fn resolve(&self, ctx: &mut MessageContext) -> Result<Resolved<'_>, MediationError> {
        match self {
            ItemsExpression::Json(path) => Ok(Resolved::Json(path)),
            ItemsExpression::XPath(xpath) => Ok(Resolved::XPath(xpath)),
            ItemsExpression::Indirect { lookup, namespaces } => {
                let text = lookup.evaluate(ctx)?.unwrap_or_default();
                match Expression::parse_in(&text, namespaces) {
                    Ok(Expression::JsonEval(path)) => Ok(Resolved::OwnedJson(path)),
                    Ok(Expression::XPath(xpath)) => Ok(Resolved::OwnedXPath(*xpath)),
                    Ok(Expression::Lookup(_)) | Err(_) => Err(MediationError::internal(
                        "the expression to split on is not a json-eval or XPath expression",
                    )
                    .with_detail(format!("it evaluated to `{text}`"))),
                }
            }
        }
    }
}

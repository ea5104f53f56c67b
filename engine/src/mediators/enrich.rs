//! `<enrich>`: copies part of the message (or a property, or inline content) into another
//! part of the message: natively on JSON, and on XML through the message's XML view.
//!
//! ```xml
//! <enrich>
//!     <source type="body" clone="true"/>
//!     <target type="property" property="ORIGINAL_BODY"/>
//! </enrich>
//! <enrich>
//!     <source type="inline" clone="true">{"status": "done"}</source>
//!     <target xpath="json-eval($.order.result)" action="replace"/>
//! </enrich>
//! <enrich>
//!     <source xpath="//m:order/m:id" xmlns:m="urn:orders"/>
//!     <target xpath="//m:receipt" action="child" xmlns:m="urn:orders"/>
//! </enrich>
//! <enrich>
//!     <source type="inline"><status>done</status></source>   <!-- no namespace -->
//!     <target type="body" action="child"/>
//! </enrich>
//! <enrich>                                 <!-- a JSON request becomes XML -->
//!     <source xpath="//jsonObject/getQuote"/>
//!     <target type="body"/>
//! </enrich>
//! ```
//!
//! Sources: `custom` (the default: `xpath="json-eval(...)"`, an XPath, or a property lookup),
//! `body`, `envelope`, `property`, and `inline` (an XML element, JSON or text, or
//! `key="localEntry"`). Targets: `custom` (a definite json-eval path, or an XPath selecting an
//! element, text node or attribute), `body`, `envelope` and `property`, with `action`
//! `replace` (default), `child`, `sibling` or `remove`.
//!
//! A message whose content type is XML is edited as XML ([`super::enrich_xml`]), as Synapse
//! does. Any other message (JSON, or no body) is enriched natively on its JSON tree; an XPath
//! source still reads it through the JSON-as-XML view, and XML placed in its body makes it an
//! XML message. An XPath target on a JSON message is an error: the view is never turned back
//! into JSON (synapse-semantics.md, "JSON stays JSON").

use serde_json::Value;

use super::enrich_pieces;
use super::{Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::error::Reported;
use crate::expr::json_path::{PathStep, definite_steps};
use crate::expr::{Expression, JsonPathExpr, Scope, XPathExpr};

#[derive(Debug)]
pub(super) enum Source {
    Body,
    Envelope,
    Property(String),
    /// Inline JSON or text: as written, and as JSON (a string when it does not parse).
    Inline {
        text: String,
        json: Value,
    },
    /// An inline XML element, serialised with the namespace declarations it needs.
    InlineXml(String),
    /// `<source type="inline" key="..."/>`: the content of a local entry.
    Entry(String),
    Path(JsonPathExpr),
    XPath(Box<XPathExpr>),
    /// `$ctx:x`, `get-property(...)`: a value, taken as text.
    Lookup(Expression),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Replace,
    Child,
    Sibling,
    Remove,
}

#[derive(Debug)]
pub(super) enum Target {
    Body,
    Envelope,
    Property(String),
    Path(Vec<PathStep>),
    XPath(Box<XPathExpr>),
}

#[derive(Debug)]
pub struct EnrichMediator {
    pub(super) source: Source,
    pub(super) target: Target,
    pub(super) action: Action,
    /// `clone="false"`: an XML element taken from the message moves rather than being copied.
    pub(super) clone: bool,
}

pub struct EnrichFactory;

impl MediatorFactory for EnrichFactory {
    fn tag(&self) -> &'static str {
        "enrich"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["description"]);
        let (mut source, mut target) = (None, None);
        for child in el.elements() {
            match child.name.as_str() {
                "source" => source = Some((child, build_source(child, cx))),
                "target" => target = Some((child, build_target(child, cx))),
                other => {
                    return Err(cx.diags.error_with_help(
                        child.pos,
                        format!("<enrich> cannot hold <{other}>"),
                        "expected <source> and <target>",
                    ));
                }
            }
        }
        let (Some((source_el, source)), Some((target_el, target))) = (source, target) else {
            return Err(cx
                .diags
                .error(el.pos, "<enrich> needs a <source> and a <target>"));
        };
        let (source, (target, action)) = (source?, target?);
        if let Err((message, help)) = check_combination(&source, &target, action) {
            return Err(cx.diags.error_with_help(target_el.pos, message, help));
        }
        Ok(Box::new(EnrichMediator {
            source,
            target,
            action,
            clone: cx.bool_attr(source_el, "clone", true)?,
        }))
    }
}

fn kind(el: &Element) -> &str {
    el.attr_value("type").unwrap_or("custom")
}

fn build_source(el: &Element, cx: &mut CompileCx<'_>) -> Result<Source, Reported> {
    cx.check_attributes(el, &["type", "clone", "xpath", "property", "key"]);
    match kind(el) {
        "body" => Ok(Source::Body),
        "envelope" => Ok(Source::Envelope),
        "property" => property_name(el, cx).map(Source::Property),
        "inline" if el.elements().next().is_some() => {
            enrich_pieces::inline_xml(el, cx).map(Source::InlineXml)
        }
        "inline" => {
            let text = el.text().trim().to_string();
            if !text.is_empty() {
                let json = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
                return Ok(Source::Inline { text, json });
            }
            let Some(key) = el.attr("key") else {
                return Err(cx.diags.error_with_help(
                    el.pos,
                    "an inline <source> is empty",
                    "write an XML element, JSON or text inside it, or name a local entry with `key`",
                ));
            };
            cx.local_entry_ref(&key.value, key.pos);
            Ok(Source::Entry(key.value.clone()))
        }
        "custom" => {
            let attr = cx.required_attr(el, "xpath")?;
            Ok(match cx.expression(el, attr)? {
                Expression::JsonEval(path) => Source::Path(path),
                Expression::XPath(x) => Source::XPath(x),
                lookup => Source::Lookup(lookup),
            })
        }
        other => Err(unknown_type(
            cx,
            el,
            other,
            "custom, body, envelope, property or inline",
        )),
    }
}

fn build_target(el: &Element, cx: &mut CompileCx<'_>) -> Result<(Target, Action), Reported> {
    cx.check_attributes(el, &["type", "action", "xpath", "property"]);
    let action = match el.attr_value("action").unwrap_or("replace") {
        "replace" => Action::Replace,
        "child" => Action::Child,
        "sibling" => Action::Sibling,
        "remove" => Action::Remove,
        other => {
            let pos = el.attr("action").map_or(el.pos, |a| a.pos);
            return Err(cx.diags.error_with_help(
                pos,
                format!("unknown enrich action `{other}`"),
                "expected replace, child, sibling or remove",
            ));
        }
    };
    let target = match kind(el) {
        "body" => Target::Body,
        "envelope" => Target::Envelope,
        "property" => Target::Property(property_name(el, cx)?),
        "custom" => {
            let attr = cx.required_attr(el, "xpath")?;
            match cx.expression(el, attr)? {
                // `json-eval($)` is the body's root, as the body target is.
                Expression::JsonEval(path) if path.is_whole_payload() => Target::Body,
                Expression::JsonEval(path) => {
                    Target::Path(definite_steps(&path).ok_or_else(|| {
                        cx.diags.error_with_help(
                            el.pos,
                            format!("enrich target `{}` must name one place", path.text()),
                            "use a definite path such as json-eval($.order.items[0])",
                        )
                    })?)
                }
                Expression::XPath(x) => Target::XPath(x),
                // Synapse reads a target `get-property('name')` as the property itself.
                Expression::Lookup(l) if l.special_names && l.scope == Scope::Default => {
                    Target::Property(l.name)
                }
                Expression::Lookup(_) => {
                    return Err(cx.diags.error_with_help(
                        attr.pos,
                        format!("enrich target `{}` does not select a place", attr.value),
                        "use type=\"property\" to write a property, or an XPath or json-eval path",
                    ));
                }
            }
        }
        other => {
            return Err(unknown_type(
                cx,
                el,
                other,
                "custom, body, envelope or property",
            ));
        }
    };
    Ok((target, action))
}

/// Synapse's rules on which sources, targets and actions go together.
fn check_combination(
    source: &Source,
    target: &Target,
    action: Action,
) -> Result<(), (String, String)> {
    let fail = |message: &str, help: &str| Err((message.to_string(), help.to_string()));
    match (source, target, action) {
        (Source::Envelope, Target::Property(_), _) => Ok(()),
        (Source::Envelope, ..) => fail(
            "an envelope source can only be copied into a property",
            "use type=\"property\" on the <target>",
        ),
        (Source::Body, Target::Body | Target::Envelope, _) => fail(
            "a body source cannot be put into the body or the envelope",
            "copy the body into a property, or choose another source",
        ),
        (Source::Path(_) | Source::XPath(_) | Source::Lookup(_), Target::Envelope, _) => fail(
            "a custom source cannot replace the envelope",
            "use a property or inline source holding a SOAP envelope",
        ),
        (_, Target::Envelope, Action::Child | Action::Sibling | Action::Remove) => fail(
            "the envelope target only takes action=\"replace\"",
            "remove the action attribute",
        ),
        (_, Target::Property(_), Action::Sibling) => fail(
            "action=\"sibling\" needs a custom or body target",
            "use replace or child for a property",
        ),
        (_, Target::Property(_), Action::Remove) => fail(
            "removing from a property is not supported yet",
            "enrich the property into the body first, or remove from the body",
        ),
        (Source::Path(path), Target::Body, Action::Remove) if definite_steps(path).is_none() => {
            fail(
                &format!(
                    "enrich source `{}` must name one place to remove",
                    path.text()
                ),
                "use a definite path such as json-eval($.order.items[0])",
            )
        }
        (Source::Path(_) | Source::XPath(_), Target::Body, Action::Remove) => Ok(()),
        (_, Target::Body, Action::Remove) => fail(
            "action=\"remove\" on the body removes what the source selects",
            "give the <source> an xpath (json-eval or XPath) naming what to remove",
        ),
        _ => Ok(()),
    }
}

fn property_name(el: &Element, cx: &mut CompileCx<'_>) -> Result<String, Reported> {
    cx.required_attr(el, "property").map(|a| a.value.clone())
}

fn unknown_type(cx: &mut CompileCx<'_>, el: &Element, found: &str, expected: &str) -> Reported {
    let pos = el.attr("type").map_or(el.pos, |a| a.pos);
    if matches!(found, "variable" | "key") {
        return cx.diags.error(
            pos,
            format!("enrich type `{found}` (MI 4.x) is not supported yet"),
        );
    }
    cx.diags.error_with_help(
        pos,
        format!("unknown enrich type `{found}`"),
        format!("expected {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use crate::testing::compile_errors;

    #[test]
    fn deploy_errors() {
        let cases = r#"
            <source type="body"/> => needs a <source> and a <target>
            <source type="file"/><target type="body"/> => unknown enrich type `file`
            <source type="body"/><target type="inline"/> => unknown enrich type `inline`
            <source type="variable"/><target type="body"/> => `variable` (MI 4.x) is not supported yet
            <source type="body"/><target type="key" xpath="json-eval($.a)"/> => `key` (MI 4.x) is not supported yet
            <source type="body"/><target type="body" action="merge"/> => unknown enrich action
            <source type="body"/><target xpath="json-eval($..a)"/> => must name one place
            <source type="body"/><target type="property"/> => needs a `property`
            <source type="inline"/><target type="body"/> => an inline <source> is empty
            <source xpath="//a["/><target type="body"/> => invalid XPath
            <source type="body"/><target xpath="$ctx:x"/> => does not select a place
            <source type="envelope"/><target type="body"/> => can only be copied into a property
            <source type="body"/><target type="body"/> => cannot be put into the body
            <source xpath="//a"/><target type="envelope"/> => cannot replace the envelope
            <source type="property" property="p"/><target type="envelope" action="child"/> => only takes action="replace"
            <source type="inline">x</source><target type="property" property="p" action="sibling"/> => needs a custom or body target
            <source xpath="//a"/><target type="property" property="p" action="remove"/> => removing from a property is not supported yet
            <source type="inline">x</source><target type="body" action="remove"/> => removes what the source selects
            <source xpath="json-eval($..a)"/><target type="body" action="remove"/> => must name one place to remove
            <source type="body" clone="maybe"/><target type="property" property="p"/> => `true` or `false`
        "#;
        for case in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (inner, want) = case.split_once(" => ").unwrap();
            let xml = format!("<enrich>{inner}</enrich>");
            let errors = compile_errors(&xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}

//! `<api>`: a REST API served at its context path, with resources matched by method and path.
//!
//! ```xml
//! <api xmlns="http://ws.apache.org/ns/synapse" name="orders" context="/orders"
//!      version="1.0" version-type="url">
//!     <resource methods="GET" uri-template="/{id}">
//!         <inSequence>...</inSequence>
//!         <outSequence><respond/></outSequence>
//!     </resource>
//!     <resource methods="POST PUT" url-mapping="/bulk/*" inSequence="bulkIn"/>
//! </api>
//! ```

use crate::config::SequenceDef;
use crate::config::proxy::warn_unknown_attributes;
use crate::config::source::Diagnostics;
use crate::config::xml::Element;
use crate::error::{Pos, Reported};

pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"];

#[derive(Debug, Clone)]
pub struct ApiDef {
    /// `name`, or `name:v<version>` for a versioned API, as Synapse names it.
    pub name: String,
    pub name_pos: Pos,
    /// The context with the version applied: `/orders/1.0` for `version-type="url"`.
    pub context: String,
    pub resources: Vec<ResourceDef>,
}

/// How a resource matches the path below the API context.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapping {
    UriTemplate(String),
    UrlMapping(String),
    /// Neither: the default resource, which matches any path.
    Any,
}

#[derive(Debug, Clone)]
pub struct ResourceDef {
    /// Empty means every method.
    pub methods: Vec<String>,
    pub mapping: Mapping,
    pub pos: Pos,
    pub in_sequence: Option<SequenceDef>,
    pub out_sequence: Option<SequenceDef>,
    pub fault_sequence: Option<SequenceDef>,
}

pub fn parse_api(root: Element, diags: &mut Diagnostics) -> Result<ApiDef, Reported> {
    warn_unknown_attributes(
        &root,
        &[
            "name",
            "context",
            "version",
            "version-type",
            "version-param",
            "hostname",
            "port",
            "transports",
            "publishSwagger",
            "statistics",
            "trace",
            "description",
        ],
        diags,
    );
    let mut failed = false;
    let name = match root.attr("name") {
        Some(a) if !a.value.trim().is_empty() => Some((a.value.clone(), a.pos)),
        _ => {
            diags.error(root.pos, "<api> needs a `name` attribute");
            None
        }
    };
    let context = match root.attr("context") {
        Some(a) if a.value.starts_with('/') => Some(a.value.trim_end_matches('/').to_string()),
        Some(a) => {
            diags.error_with_help(
                a.pos,
                format!("API context `{}` must start with `/`", a.value),
                "for example context=\"/orders\"",
            );
            None
        }
        None => {
            diags.error(root.pos, "<api> needs a `context` attribute");
            None
        }
    };
    let version = root
        .attr("version")
        .map(|a| a.value.clone())
        .filter(|v| !v.is_empty());
    let context = match (context, &version, root.attr("version-type")) {
        (Some(c), None, _) => Some(c),
        (Some(c), Some(v), Some(t)) if t.value == "url" => Some(format!("{c}/{v}")),
        (Some(c), Some(v), Some(t)) if t.value == "context" => Some(c.replace("{version}", v)),
        (Some(_), Some(_), Some(t)) => {
            diags.error_with_help(
                t.pos,
                format!("unknown version-type `{}`", t.value),
                "expected `url` or `context`",
            );
            None
        }
        (Some(_), Some(_), None) => {
            diags.error(
                root.pos,
                "a versioned <api> needs a `version-type` (`url` or `context`)",
            );
            None
        }
        (None, _, _) => None,
    };
    if let Some(t) = root
        .attr("transports")
        .filter(|t| !matches!(t.value.as_str(), "http" | "https"))
    {
        diags.warning(
            t.pos,
            format!(
                "API transports `{}` is ignored; oxynapse serves APIs over HTTP",
                t.value
            ),
        );
    }
    let mut resources = Vec::new();
    for text in root.stray_text() {
        diags.error(text.pos, "unexpected text inside <api>");
        failed = true;
    }
    for child in root.elements() {
        match child.name.as_str() {
            "resource" => match parse_resource(child, diags) {
                Ok(r) => resources.push(r),
                Err(Reported) => failed = true,
            },
            "description" => {}
            "handlers" => {
                diags.error(
                    child.pos,
                    "API <handlers> run Java classes; oxynapse does not run Java",
                );
                failed = true;
            }
            other => {
                diags.error_with_help(
                    child.pos,
                    format!("unknown element <{other}> in <api>"),
                    "expected <resource>",
                );
                failed = true;
            }
        }
    }
    if resources.is_empty() && !failed {
        diags.error(root.pos, "<api> needs at least one <resource>");
        failed = true;
    }
    check_overlaps(&resources, diags, &mut failed);
    match (name, context, version) {
        (Some((name, name_pos)), Some(context), version) if !failed => Ok(ApiDef {
            name: match version {
                Some(v) => format!("{name}:v{v}"),
                None => name,
            },
            name_pos,
            context: if context.is_empty() {
                "/".to_string()
            } else {
                context
            },
            resources,
        }),
        _ => Err(Reported),
    }
}

fn parse_resource(el: &Element, diags: &mut Diagnostics) -> Result<ResourceDef, Reported> {
    warn_unknown_attributes(
        el,
        &[
            "methods",
            "uri-template",
            "url-mapping",
            "url-pattern",
            "protocol",
            "content-type",
            "user-agent",
            "inSequence",
            "outSequence",
            "faultSequence",
            "description",
        ],
        diags,
    );
    let mut failed = false;
    let mut methods = Vec::new();
    if let Some(a) = el.attr("methods") {
        for method in a.value.split_whitespace() {
            if !METHODS.contains(&method) {
                diags.error_with_help(
                    a.pos,
                    format!("unknown HTTP method `{method}`"),
                    format!("expected any of: {}", METHODS.join(" ")),
                );
                failed = true;
            } else if methods.iter().any(|m| m == method) {
                diags.error(a.pos, format!("method `{method}` is listed twice"));
                failed = true;
            } else {
                methods.push(method.to_string());
            }
        }
    }
    let mapping = match (
        el.attr("uri-template"),
        el.attr("url-mapping").or_else(|| el.attr("url-pattern")),
    ) {
        (Some(_), Some(m)) => {
            diags.error(
                m.pos,
                "a <resource> takes a `uri-template` or a `url-mapping`, not both",
            );
            failed = true;
            Mapping::Any
        }
        (Some(t), None) if t.value.is_empty() => Mapping::Any,
        (Some(t), None) => Mapping::UriTemplate(t.value.clone()),
        (None, Some(m)) => Mapping::UrlMapping(m.value.clone()),
        (None, None) => Mapping::Any,
    };
    for unsupported in ["protocol", "content-type", "user-agent"] {
        if let Some(a) = el.attr(unsupported) {
            diags.error(
                a.pos,
                format!("resource attribute `{unsupported}` is not supported yet"),
            );
            failed = true;
        }
    }
    let key = |name: &str| {
        el.attr(name).map(|a| SequenceDef::Key {
            key: a.value.clone(),
            pos: a.pos,
        })
    };
    let (mut in_sequence, mut out_sequence, mut fault_sequence) =
        (key("inSequence"), key("outSequence"), key("faultSequence"));
    for child in el.elements() {
        let slot = match child.name.as_str() {
            "inSequence" => &mut in_sequence,
            "outSequence" => &mut out_sequence,
            "faultSequence" => &mut fault_sequence,
            other => {
                diags.error_with_help(
                    child.pos,
                    format!("unknown element <{other}> in <resource>"),
                    "expected <inSequence>, <outSequence> or <faultSequence>",
                );
                failed = true;
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(SequenceDef::Inline(child.clone()));
        } else {
            diags.warning(
                child.pos,
                format!("<{}> is given twice; the first one is used", child.name),
            );
        }
    }
    if in_sequence.is_none() {
        diags.error(el.pos, "<resource> needs an inSequence");
        failed = true;
    }
    if failed {
        return Err(Reported);
    }
    Ok(ResourceDef {
        methods,
        mapping,
        pos: el.pos,
        in_sequence,
        out_sequence,
        fault_sequence,
    })
}

/// Synapse refuses two resources with the same mapping and a common method, and more than
/// one default resource.
fn check_overlaps(resources: &[ResourceDef], diags: &mut Diagnostics, failed: &mut bool) {
    for (i, later) in resources.iter().enumerate() {
        for earlier in &resources[..i] {
            let shared_method = earlier.methods.is_empty()
                || later.methods.is_empty()
                || later.methods.iter().any(|m| earlier.methods.contains(m));
            if earlier.mapping == later.mapping && shared_method {
                let what = match &later.mapping {
                    Mapping::Any => {
                        "a second default resource (one without uri-template or url-mapping)"
                            .to_string()
                    }
                    Mapping::UriTemplate(t) | Mapping::UrlMapping(t) => {
                        format!("a second resource for `{t}` with an overlapping method")
                    }
                };
                diags.error(
                    later.pos,
                    format!(
                        "{what}; the one on line {} already takes these requests",
                        earlier.pos.line
                    ),
                );
                *failed = true;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::parse_errors;

    #[test]
    fn deploy_errors() {
        let table = [
            (
                r#"<api context="/a"><resource><inSequence/></resource></api>"#,
                "needs a `name`",
            ),
            (
                r#"<api name="a" context="a"><resource><inSequence/></resource></api>"#,
                "must start with `/`",
            ),
            (r#"<api name="a" context="/a"/>"#, "at least one <resource>"),
            (
                r#"<api name="a" context="/a" version="1"><resource><inSequence/></resource></api>"#,
                "needs a `version-type`",
            ),
            (
                r#"<api name="a" context="/a"><resource methods="FETCH"><inSequence/></resource></api>"#,
                "unknown HTTP method `FETCH`",
            ),
            (
                r#"<api name="a" context="/a"><resource methods="GET GET"><inSequence/></resource></api>"#,
                "listed twice",
            ),
            (
                r#"<api name="a" context="/a"><resource/></api>"#,
                "needs an inSequence",
            ),
            (
                r#"<api name="a" context="/a"><resource uri-template="/x" url-mapping="/y"><inSequence/></resource></api>"#,
                "not both",
            ),
            (
                r#"<api name="a" context="/a"><resource methods="GET" uri-template="/x"><inSequence/></resource><resource methods="GET POST" uri-template="/x"><inSequence/></resource></api>"#,
                "already takes these requests",
            ),
            (
                r#"<api name="a" context="/a"><handlers/><resource><inSequence/></resource></api>"#,
                "does not run Java",
            ),
        ];
        for (xml, want) in table {
            let errors = parse_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}

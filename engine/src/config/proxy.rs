//! `<proxy>`: a service at `/services/{name}`.
//!
//! ```xml
//! <proxy xmlns="http://ws.apache.org/ns/synapse" name="Orders" transports="https,http"
//!        statistics="disable" trace="disable" startOnLoad="true">
//!     <target inSequence="ordersIn" faultSequence="ordersFault">   <!-- keys, or inline: -->
//!         <outSequence><send/></outSequence>
//!         <endpoint><address uri="http://backend:9000/orders"/></endpoint>
//!     </target>
//!     <parameter name="serviceType">proxy</parameter>
//!     <description>Relays orders</description>
//! </proxy>
//! ```

use crate::config::source::{Diagnostics, closest};
use crate::config::xml::Element;
use crate::error::{Pos, Reported};

/// A sequence given inline or by key.
#[derive(Debug, Clone)]
pub enum SequenceDef {
    Inline(Element),
    Key { key: String, pos: Pos },
}

/// An endpoint given inline or by key.
#[derive(Debug, Clone)]
pub enum EndpointDef {
    Inline(Element),
    Key { key: String, pos: Pos },
}

#[derive(Debug, Clone)]
pub struct ProxyDef {
    pub name: String,
    pub name_pos: Pos,
    pub transports: Vec<String>,
    pub start_on_load: bool,
    pub description: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub in_sequence: Option<SequenceDef>,
    pub out_sequence: Option<SequenceDef>,
    pub fault_sequence: Option<SequenceDef>,
    pub endpoint: Option<EndpointDef>,
}

const ATTRIBUTES: &[&str] = &[
    "name",
    "transports",
    "statistics",
    "trace",
    "startOnLoad",
    "pinnedServers",
    "serviceGroup",
];
const CHILDREN: &[&str] = &[
    "target",
    "description",
    "parameter",
    "publishWSDL",
    "policy",
    "enableAddressing",
    "enableSec",
    "enableRM",
];

pub fn parse_proxy(root: Element, diags: &mut Diagnostics) -> Result<ProxyDef, Reported> {
    warn_unknown_attributes(&root, ATTRIBUTES, diags);
    let mut failed = false;
    let name = match root.attr("name") {
        Some(a) if is_service_name(&a.value) => Some((a.value.clone(), a.pos)),
        Some(a) => {
            diags.error_with_help(
                a.pos,
                format!("proxy name `{}` cannot be used in a URL path", a.value),
                "use letters, digits, `_`, `-` and `.`",
            );
            None
        }
        None => {
            diags.error(root.pos, "<proxy> needs a `name` attribute");
            None
        }
    };
    let start_on_load = match root.attr("startOnLoad") {
        None => true,
        // Java Boolean.valueOf: only "true" (any case) is true.
        Some(a) => a.value.trim().eq_ignore_ascii_case("true"),
    };
    let transports = root
        .attr_value("transports")
        .map(|t| {
            t.split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_else(|| vec!["http".to_string(), "https".to_string()]);

    let mut def = ProxyDef {
        name: String::new(),
        name_pos: root.pos,
        transports,
        start_on_load,
        description: None,
        parameters: Vec::new(),
        in_sequence: None,
        out_sequence: None,
        fault_sequence: None,
        endpoint: None,
    };
    let mut target_seen = false;
    for text in root.stray_text() {
        diags.error(text.pos, "unexpected text inside <proxy>");
        failed = true;
    }
    for child in root.elements() {
        if !child.in_synapse_namespace() {
            diags.error(
                child.pos,
                format!("<{}> is not in the Synapse namespace", child.qname),
            );
            failed = true;
            continue;
        }
        match child.name.as_str() {
            "target" if target_seen => {
                diags.error(child.pos, "<proxy> has more than one <target>");
                failed = true;
            }
            "target" => {
                target_seen = true;
                failed |= parse_target(child, &mut def, diags).is_err();
            }
            "description" => def.description = Some(child.text().trim().to_string()),
            "parameter" => match child.attr("name") {
                Some(n) => def
                    .parameters
                    .push((n.value.clone(), child.text().trim().to_string())),
                None => {
                    diags.error(child.pos, "<parameter> needs a `name` attribute");
                    failed = true;
                }
            },
            "publishWSDL" => diags.warning(
                child.pos,
                "<publishWSDL> is ignored: oxynapse does not serve WSDL",
            ),
            "enableAddressing" => diags.warning(
                child.pos,
                "<enableAddressing> is ignored: oxynapse does not process WS-Addressing",
            ),
            "policy" | "enableSec" | "enableRM" => {
                diags.error(
                    child.pos,
                    format!(
                        "<{}> (WS-* security and policies) is not supported yet",
                        child.name
                    ),
                );
                failed = true;
            }
            other => {
                let message = format!("unknown element <{other}> in <proxy>");
                match closest(other, CHILDREN.iter().copied()) {
                    Some(c) => {
                        diags.error_with_help(child.pos, message, format!("did you mean <{c}>?"))
                    }
                    None => diags.error_with_help(
                        child.pos,
                        message,
                        "expected <target>, <description> or <parameter>",
                    ),
                };
                failed = true;
            }
        }
    }
    if !target_seen {
        diags.error_with_help(
            root.pos,
            "<proxy> needs a <target>",
            "add <target><inSequence>...</inSequence></target>",
        );
        failed = true;
    }
    match name {
        Some((name, pos)) if !failed => {
            def.name = name;
            def.name_pos = pos;
            Ok(def)
        }
        _ => Err(Reported),
    }
}

fn parse_target(
    target: &Element,
    def: &mut ProxyDef,
    diags: &mut Diagnostics,
) -> Result<(), Reported> {
    warn_unknown_attributes(
        target,
        &["inSequence", "outSequence", "faultSequence", "endpoint"],
        diags,
    );
    let key = |name: &str| {
        target.attr(name).map(|a| SequenceDef::Key {
            key: a.value.clone(),
            pos: a.pos,
        })
    };
    def.in_sequence = key("inSequence");
    def.out_sequence = key("outSequence");
    def.fault_sequence = key("faultSequence");
    def.endpoint = target.attr("endpoint").map(|a| EndpointDef::Key {
        key: a.value.clone(),
        pos: a.pos,
    });
    let mut failed = false;
    for text in target.stray_text() {
        diags.error(text.pos, "unexpected text inside <target>");
        failed = true;
    }
    for child in target.elements() {
        let slot = match child.name.as_str() {
            "inSequence" => &mut def.in_sequence,
            "outSequence" => &mut def.out_sequence,
            "faultSequence" => &mut def.fault_sequence,
            "endpoint" => {
                if def.endpoint.is_some() {
                    diags.warning(
                        child.pos,
                        "the `endpoint` attribute of <target> wins over this <endpoint>",
                    );
                } else {
                    def.endpoint = Some(EndpointDef::Inline(child.clone()));
                }
                continue;
            }
            other => {
                diags.error_with_help(
                    child.pos,
                    format!("unknown element <{other}> in <target>"),
                    "expected <inSequence>, <outSequence>, <faultSequence> or <endpoint>",
                );
                failed = true;
                continue;
            }
        };
        match slot {
            Some(SequenceDef::Key { .. }) => diags.warning(
                child.pos,
                format!(
                    "the `{}` attribute of <target> wins over this <{}>",
                    child.name, child.name
                ),
            ),
            Some(SequenceDef::Inline(_)) => {
                diags.error(
                    child.pos,
                    format!("<target> has more than one <{}>", child.name),
                );
                failed = true;
            }
            None => *slot = Some(SequenceDef::Inline(child.clone())),
        }
    }
    if def.in_sequence.is_none() && def.endpoint.is_none() {
        diags.error_with_help(
            target.pos,
            "<target> needs an inSequence or an endpoint",
            "add <inSequence>...</inSequence> or <endpoint>...</endpoint>",
        );
        failed = true;
    }
    if failed { Err(Reported) } else { Ok(()) }
}

/// Names that fit in `/services/{name}` without escaping.
fn is_service_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub(crate) fn warn_unknown_attributes(el: &Element, known: &[&str], diags: &mut Diagnostics) {
    for attr in &el.attributes {
        if !known.contains(&attr.name.as_str()) && !attr.name.contains(':') {
            let message = format!(
                "unknown attribute `{}` on <{}> is ignored",
                attr.name, el.name
            );
            match closest(&attr.name, known.iter().copied()) {
                Some(k) => {
                    diags.warning_with_help(attr.pos, message, format!("did you mean `{k}`?"))
                }
                None => diags.warning(attr.pos, message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::parse_errors;

    #[test]
    fn deploy_errors_and_warnings() {
        let table = [
            (
                r#"<proxy><target><inSequence/></target></proxy>"#,
                "<proxy> needs a `name` attribute",
            ),
            (
                r#"<proxy name="a b"><target><inSequence/></target></proxy>"#,
                "cannot be used in a URL path",
            ),
            (r#"<proxy name="p"/>"#, "<proxy> needs a <target>"),
            (
                r#"<proxy name="p"><target/></proxy>"#,
                "needs an inSequence or an endpoint",
            ),
            (
                r#"<proxy name="p"><target><inSequence/></target><target/></proxy>"#,
                "more than one <target>",
            ),
            (
                r#"<proxy name="p"><traget/></proxy>"#,
                "did you mean <target>?",
            ),
            (
                r#"<proxy name="p"><target><inSequence/><insequence/></target></proxy>"#,
                "unknown element <insequence>",
            ),
            (
                r#"<proxy name="p"><target><inSequence/></target><enableSec/></proxy>"#,
                "not supported yet",
            ),
            (
                r#"<proxy name="p" startOnLoed="true"><target><inSequence/></target></proxy>"#,
                "did you mean `startOnLoad`?",
            ),
            (
                r#"<proxy name="p"><target><inSequence/></target><publishWSDL/></proxy>"#,
                "does not serve WSDL",
            ),
        ];
        for (xml, want) in table {
            let errors = parse_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}

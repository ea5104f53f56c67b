//! `<template>`, `<localEntry>` and `<import>` artifacts.
//!
//! ```xml
//! <template name="greet" onError="greetFault">
//!     <parameter name="who" isMandatory="true"/>
//!     <parameter name="greeting" defaultValue="Hello"/>
//!     <sequence>...</sequence>
//! </template>
//! <localEntry key="endpointUrl">http://backend:9000/orders</localEntry>
//! <import name="salesforce" package="org.wso2.carbon.connector" status="enabled"/>
//! ```

use crate::config::proxy::warn_unknown_attributes;
use crate::config::source::Diagnostics;
use crate::config::xml::Element;
use crate::error::{Pos, Reported};
use crate::template::TemplateParam;

#[derive(Debug, Clone)]
pub struct TemplateDef {
    pub name: String,
    pub name_pos: Pos,
    pub params: Vec<TemplateParam>,
    pub on_error: Option<(String, Pos)>,
    /// The `<sequence>` holding the template's mediators, or the `<endpoint>` of an endpoint
    /// template.
    pub body: Element,
}

impl TemplateDef {
    /// True for an endpoint template (`<template><endpoint name="$name">...`).
    pub fn is_endpoint(&self) -> bool {
        self.body.name == "endpoint"
    }
}

#[derive(Debug, Clone)]
pub struct LocalEntryDef {
    pub key: String,
    pub key_pos: Pos,
    /// The text, or the inline XML as written.
    pub value: String,
    /// A connector `init` element held by the entry (MI connections, used via `configKey`).
    pub connection: Option<Element>,
}

#[derive(Debug, Clone)]
pub struct ImportDef {
    /// The connector (library) name: `salesforce` for `<salesforce.query>`.
    pub name: String,
    pub name_pos: Pos,
    pub package: String,
    pub enabled: bool,
}

pub fn parse_template(el: &Element, diags: &mut Diagnostics) -> Result<TemplateDef, Reported> {
    warn_unknown_attributes(
        el,
        &["name", "onError", "trace", "statistics", "description"],
        diags,
    );
    let name = required(el, "name", diags);
    let mut params = Vec::new();
    let mut body = None;
    let mut failed = false;
    for child in el.elements() {
        match child.name.as_str() {
            "parameter" => match parse_parameter(child, diags) {
                Ok(p) if params.iter().any(|q: &TemplateParam| q.name == p.name) => {
                    diags.error(
                        child.pos,
                        format!("template parameter `{}` is declared twice", p.name),
                    );
                    failed = true;
                }
                Ok(p) => params.push(p),
                Err(Reported) => failed = true,
            },
            "sequence" | "endpoint" if body.is_some() => {
                diags.error(
                    child.pos,
                    "a <template> holds one <sequence> or one <endpoint>",
                );
                failed = true;
            }
            "sequence" | "endpoint" => body = Some(child.clone()),
            "description" => {}
            other => {
                diags.error_with_help(
                    child.pos,
                    format!("unknown element <{other}> in <template>"),
                    "expected <parameter> and one <sequence> (or one <endpoint>)",
                );
                failed = true;
            }
        }
    }
    if body.is_none() && !failed {
        diags.error(el.pos, "<template> needs a <sequence> or an <endpoint>");
        failed = true;
    }
    match (name, body) {
        (Ok((name, name_pos)), Some(body)) if !failed => Ok(TemplateDef {
            name,
            name_pos,
            params,
            on_error: el.attr("onError").map(|a| (a.value.clone(), a.pos)),
            body,
        }),
        _ => Err(Reported),
    }
}

fn parse_parameter(el: &Element, diags: &mut Diagnostics) -> Result<TemplateParam, Reported> {
    warn_unknown_attributes(
        el,
        &["name", "isMandatory", "defaultValue", "description"],
        diags,
    );
    let (name, _) = required(el, "name", diags)?;
    let mandatory = match el.attr("isMandatory") {
        None => false,
        Some(a) => match a.value.trim() {
            "true" => true,
            "false" => false,
            other => {
                return Err(diags.error(
                    a.pos,
                    format!("isMandatory must be `true` or `false`, not `{other}`"),
                ));
            }
        },
    };
    Ok(TemplateParam {
        name,
        mandatory,
        default: el.attr("defaultValue").map(|a| a.value.clone()),
    })
}

pub fn parse_local_entry(
    el: &Element,
    source: &str,
    diags: &mut Diagnostics,
) -> Result<LocalEntryDef, Reported> {
    warn_unknown_attributes(el, &["key", "src", "description"], diags);
    let (key, key_pos) = required(el, "key", diags)?;
    if let Some(src) = el.attr("src") {
        // `file:` sources are read once, at deploy time, relative to the working directory
        // (as MI reads them relative to its home).
        let path = src.value.strip_prefix("file:").unwrap_or(&src.value);
        if path.contains("://") {
            return Err(diags.error(
                src.pos,
                format!(
                    "local entry source `{}` is not supported yet; use a file: path",
                    src.value
                ),
            ));
        }
        let value = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                diags.warning(
                    src.pos,
                    format!("local entry source `{path}` cannot be read ({e}); the entry is empty"),
                );
                String::new()
            }
        };
        return Ok(LocalEntryDef {
            key,
            key_pos,
            value,
            connection: None,
        });
    }
    let value = if el.elements().next().is_some() {
        el.inner_source(source).trim().to_string()
    } else {
        el.text().trim().to_string()
    };
    let connection = el
        .elements()
        .find(|c| c.name != "description")
        .filter(|c| c.name.contains('.'))
        .cloned();
    Ok(LocalEntryDef {
        key,
        key_pos,
        value,
        connection,
    })
}

pub fn parse_import(el: &Element, diags: &mut Diagnostics) -> Result<ImportDef, Reported> {
    warn_unknown_attributes(el, &["name", "package", "status"], diags);
    let name = required(el, "name", diags);
    let package = required(el, "package", diags);
    let (Ok((name, name_pos)), Ok((package, _))) = (name, package) else {
        return Err(Reported);
    };
    Ok(ImportDef {
        name,
        name_pos,
        package,
        enabled: el.attr_value("status") != Some("disabled"),
    })
}

fn required(el: &Element, attr: &str, diags: &mut Diagnostics) -> Result<(String, Pos), Reported> {
    match el.attr(attr) {
        Some(a) if !a.value.trim().is_empty() => Ok((a.value.clone(), a.pos)),
        Some(a) => Err(diags.error(
            a.pos,
            format!("attribute `{attr}` of <{}> is empty", el.name),
        )),
        None => Err(diags.error(el.pos, format!("<{}> needs a `{attr}` attribute", el.name))),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::parse_errors;

    #[test]
    fn deploy_errors() {
        let table = [
            (r#"<template><sequence/></template>"#, "needs a `name`"),
            (r#"<template name="t"/>"#, "needs a <sequence>"),
            (
                r#"<template name="t"><endpoint/><sequence/></template>"#,
                "holds one <sequence> or one <endpoint>",
            ),
            (
                r#"<template name="t"><parameter name="a"/><parameter name="a"/><sequence/></template>"#,
                "declared twice",
            ),
            (
                r#"<template name="t"><parameter name="a" isMandatory="yes"/><sequence/></template>"#,
                "isMandatory",
            ),
            (r#"<localEntry/>"#, "needs a `key`"),
            (
                r#"<localEntry key="k" src="file:no/such/x.xsl"/>"#,
                "cannot be read",
            ),
            (
                r#"<localEntry key="k" src="http://x/y.xsl"/>"#,
                "use a file: path",
            ),
            (r#"<import name="x"/>"#, "needs a `package`"),
        ];
        for (xml, want) in table {
            let errors = parse_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}

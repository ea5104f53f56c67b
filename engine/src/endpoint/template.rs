//! Endpoint templates: one endpoint definition, filled in by the endpoints that use it.
//!
//! ```xml
//! <template name="HttpTemplate">
//!     <parameter name="timeout"/>
//!     <endpoint name="$name">
//!         <http uri-template="$uri" method="get">
//!             <timeout><duration>$timeout</duration></timeout>
//!         </http>
//!     </endpoint>
//! </template>
//!
//! <endpoint name="quotes" template="HttpTemplate" uri="http://backend/quotes">
//!     <parameter name="timeout" value="3000"/>
//! </endpoint>
//! ```
//!
//! As in Synapse, every `$param` in the template's attributes and text is replaced by the
//! value the using endpoint gives: its `name` and `uri` attributes and its `<parameter>`
//! children. The result is compiled the first time it is used and kept until the template is
//! redeployed.

use std::sync::{Arc, Mutex};

use crate::compile::CompileCx;
use crate::config::endpoint::parse_endpoint;
use crate::config::source::{Diagnostics, SourceFile};
use crate::config::template::TemplateDef;
use crate::config::xml::{Element, Node};
use crate::context::MessageContext;
use crate::error::{MediationError, Pos, Reported};
use crate::registry::Registry;

use super::Endpoint;

/// A deployed endpoint template.
#[derive(Debug)]
pub struct EndpointTemplate {
    pub name: String,
    pub name_pos: Pos,
    params: Vec<String>,
    endpoint: Element,
    source: Arc<SourceFile>,
}

impl EndpointTemplate {
    pub fn compile(def: TemplateDef, cx: &mut CompileCx<'_>) -> Result<EndpointTemplate, Reported> {
        if let Some(a) = def.on_error.as_ref() {
            return Err(cx
                .diags
                .error(a.1, "an endpoint template does not take `onError`"));
        }
        let mut params: Vec<String> = def.params.into_iter().map(|p| p.name).collect();
        params.extend(["name".to_string(), "uri".to_string()]);
        params.sort_by_key(|p| std::cmp::Reverse(p.len()));
        params.dedup();
        Ok(EndpointTemplate {
            name: def.name,
            name_pos: def.name_pos,
            params,
            endpoint: def.body,
            source: cx.diags.source().clone(),
        })
    }

    /// The template's endpoint with `values` substituted, compiled.
    fn instantiate(&self, values: &[(String, String)]) -> Result<Endpoint, MediationError> {
        let mut element = self.endpoint.clone();
        let substitutions: Vec<(String, &str)> = self
            .params
            .iter()
            .map(|p| {
                let value = values
                    .iter()
                    .find(|(n, _)| n == p)
                    .map_or("", |(_, v)| v.as_str());
                (format!("${p}"), value)
            })
            .collect();
        substitute(&mut element, &substitutions);
        let registry = Registry::builder().build();
        let mut diags = Diagnostics::new(self.source.clone());
        let result = parse_endpoint(&element, &mut CompileCx::new(&registry, &mut diags), false);
        match result {
            Ok(endpoint) if !diags.has_errors() => Ok(endpoint),
            _ => {
                let rendered: Vec<String> = diags.into_vec().iter().map(|d| d.render()).collect();
                Err(MediationError::internal(format!(
                    "endpoint template `{}` does not give a valid endpoint",
                    self.name
                ))
                .with_detail(rendered.join("\n")))
            }
        }
    }
}

fn substitute(el: &mut Element, substitutions: &[(String, &str)]) {
    let replace = |text: &mut String| {
        if text.contains('$') {
            for (token, value) in substitutions {
                if text.contains(token.as_str()) {
                    *text = text.replace(token.as_str(), value);
                }
            }
        }
    };
    for attribute in &mut el.attributes {
        replace(&mut attribute.value);
    }
    for child in &mut el.children {
        match child {
            Node::Text(t) => replace(&mut t.text),
            Node::Element(e) => substitute(e, substitutions),
        }
    }
}

/// `<endpoint template="..." uri="..."><parameter name value/></endpoint>`.
#[derive(Debug)]
pub struct TemplatedEndpoint {
    pub template: String,
    pub values: Vec<(String, String)>,
    /// The compiled endpoint, with the template it came from (by address).
    compiled: Mutex<Option<(usize, Arc<Endpoint>)>>,
}

impl TemplatedEndpoint {
    pub fn new(template: String, values: Vec<(String, String)>) -> TemplatedEndpoint {
        TemplatedEndpoint {
            template,
            values,
            compiled: Mutex::new(None),
        }
    }

    /// The endpoint to call: compiled once per deployed version of the template.
    pub fn resolve(&self, ctx: &MessageContext) -> Result<Arc<Endpoint>, MediationError> {
        let template = ctx
            .deployment()
            .endpoint_template(&self.template)
            .ok_or_else(|| {
                MediationError::internal(format!(
                    "Endpoint template named `{}` cannot be found",
                    self.template
                ))
                .with_detail("no deployed file defines an endpoint template with this name")
            })?;
        let version = Arc::as_ptr(&template) as usize;
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((v, endpoint)) = compiled.as_ref()
            && *v == version
        {
            return Ok(endpoint.clone());
        }
        let endpoint = Arc::new(template.instantiate(&self.values)?);
        *compiled = Some((version, endpoint.clone()));
        Ok(endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::element;

    fn template(xml: &str, params: &[&str]) -> EndpointTemplate {
        let mut params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
        params.extend(["name".to_string(), "uri".to_string()]);
        params.sort_by_key(|p| std::cmp::Reverse(p.len()));
        EndpointTemplate {
            name: "t".into(),
            name_pos: Pos::default(),
            params,
            endpoint: element(xml),
            source: Arc::new(SourceFile::new("t.xml", xml)),
        }
    }

    #[test]
    fn parameters_are_substituted_longest_name_first() {
        let t = template(
            r#"<endpoint name="$name"><address uri="$uri$uriSuffix"/></endpoint>"#,
            &["uriSuffix"],
        );
        let values = [
            ("name".to_string(), "e".to_string()),
            ("uri".to_string(), "http://h".to_string()),
            ("uriSuffix".to_string(), "/x".to_string()),
        ];
        let endpoint = t.instantiate(&values).unwrap();
        assert_eq!(endpoint.name.as_deref(), Some("e"));
        assert!(format!("{:?}", endpoint.kind).contains("http://h/x"));
    }

    #[test]
    fn a_template_that_gives_no_valid_endpoint_says_why() {
        let t = template(r#"<endpoint><nowhere/></endpoint>"#, &[]);
        let error = t.instantiate(&[]).unwrap_err();
        assert!(error.message.contains("endpoint template `t`"));
        assert!(
            error.detail.contains("unknown endpoint element <nowhere>"),
            "{}",
            error.detail
        );
    }
}

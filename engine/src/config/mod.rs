//! XML → typed artifact definitions, with positions. Nothing here runs or allocates per
//! request; mediator bodies stay as elements until the compile step builds them.
//!
//! The root element decides the artifact kind: `<proxy>`, `<api>`, `<sequence>` or `<endpoint>`.

pub mod api;
pub mod endpoint;
pub mod proxy;
pub mod source;
pub mod xml;

use crate::error::{Pos, Reported};
use source::{Diagnostics, closest};
use xml::Element;

pub use proxy::{EndpointDef, ProxyDef, SequenceDef};

/// A `<sequence name>` artifact.
#[derive(Debug, Clone)]
pub struct SequenceArtifactDef {
    pub name: String,
    pub name_pos: Pos,
    pub on_error: Option<String>,
    pub element: Element,
}

/// A `<endpoint name>` artifact.
#[derive(Debug, Clone)]
pub struct EndpointArtifactDef {
    pub name: String,
    pub name_pos: Pos,
    pub element: Element,
}

#[derive(Debug, Clone)]
pub enum ArtifactDef {
    Proxy(Box<ProxyDef>),
    Api(Box<api::ApiDef>),
    Sequence(SequenceArtifactDef),
    Endpoint(EndpointArtifactDef),
}

const KINDS: [&str; 4] = ["proxy", "api", "sequence", "endpoint"];

/// Artifact kinds of Synapse that oxynapse does not deploy yet.
const LATER_KINDS: &[&str] = &[
    "api",
    "template",
    "localEntry",
    "definitions",
    "inboundEndpoint",
    "messageStore",
    "messageProcessor",
    "task",
    "registry",
    "eventSource",
    "import",
    "priorityExecutor",
    "taskManager",
    "executor",
    "unit-test",
];

/// Parses one file's text into its artifact definitions. Problems go to `diags`.
pub fn parse_artifacts(diags: &mut Diagnostics) -> Result<Vec<ArtifactDef>, Reported> {
    let root = xml::parse_document(diags)?;
    if !root.in_synapse_namespace() {
        return Err(diags.error_with_help(
            root.pos,
            format!(
                "<{}> is in namespace `{}`, not the Synapse namespace",
                root.qname,
                root.namespace.as_deref().unwrap_or_default()
            ),
            format!("use xmlns=\"{}\"", xml::SYNAPSE_NS),
        ));
    }
    match root.name.as_str() {
        "proxy" => proxy::parse_proxy(root, diags).map(|p| vec![ArtifactDef::Proxy(Box::new(p))]),
        "api" => api::parse_api(root, diags).map(|a| vec![ArtifactDef::Api(Box::new(a))]),
        "sequence" => parse_named(&root, diags).map(|(name, name_pos)| {
            vec![ArtifactDef::Sequence(SequenceArtifactDef {
                name,
                name_pos,
                on_error: root.attr_value("onError").map(str::to_string),
                element: root,
            })]
        }),
        "endpoint" => parse_named(&root, diags).map(|(name, name_pos)| {
            vec![ArtifactDef::Endpoint(EndpointArtifactDef {
                name,
                name_pos,
                element: root,
            })]
        }),
        other if LATER_KINDS.contains(&other) => Err(diags.error_with_help(
            root.pos,
            format!("<{other}> artifacts are not supported yet"),
            "oxynapse deploys <proxy>, <api>, <sequence> and <endpoint> files",
        )),
        other => {
            let message = format!("unknown artifact <{other}>");
            Err(match closest(other, KINDS) {
                Some(kind) => {
                    diags.error_with_help(root.pos, message, format!("did you mean <{kind}>?"))
                }
                None => diags.error_with_help(
                    root.pos,
                    message,
                    "expected <proxy>, <api>, <sequence> or <endpoint>",
                ),
            })
        }
    }
}

/// The `name` of a standalone artifact, which Synapse requires.
fn parse_named(root: &Element, diags: &mut Diagnostics) -> Result<(String, Pos), Reported> {
    match root.attr("name") {
        Some(a) if !a.value.trim().is_empty() => Ok((a.value.clone(), a.pos)),
        Some(a) => Err(diags.error(a.pos, format!("the `name` of <{}> is empty", root.name))),
        None => Err(diags.error_with_help(
            root.pos,
            format!("a standalone <{}> needs a `name` attribute", root.name),
            "other artifacts refer to it by this name",
        )),
    }
}

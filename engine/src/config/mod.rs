//! XML → typed artifact definitions, with positions. Nothing here runs or allocates per
//! request; mediator bodies stay as elements until the compile step builds them.
//!
//! The root element decides the artifact kind: `<proxy>`, `<api>`, `<sequence>`, `<endpoint>`,
//! `<template>`, `<localEntry>`, `<import>`, or `<definitions>` holding several of them.

pub mod api;
pub mod endpoint;
pub mod proxy;
pub mod source;
pub mod template;
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
    Template(Box<template::TemplateDef>),
    LocalEntry(template::LocalEntryDef),
    Import(template::ImportDef),
}

/// The artifact kinds oxynapse deploys, by root element.
const KINDS: [&str; 8] = [
    "proxy",
    "api",
    "sequence",
    "endpoint",
    "template",
    "localEntry",
    "import",
    "definitions",
];

/// Artifact kinds of Synapse that oxynapse does not deploy yet.
const LATER_KINDS: &[&str] = &[
    "inboundEndpoint",
    "messageStore",
    "messageProcessor",
    "task",
    "eventSource",
    "priorityExecutor",
    "taskManager",
    "executor",
    "unit-test",
    "data-service",
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
    if root.name == "definitions" {
        return parse_definitions(root, diags);
    }
    if root.name == "registry" {
        diags.warning(
            root.pos,
            "<registry> is ignored: oxynapse keeps its registry under --data-dir",
        );
        return Ok(Vec::new());
    }
    if !KINDS.contains(&root.name.as_str()) && !LATER_KINDS.contains(&root.name.as_str()) {
        let message = format!("unknown artifact <{}>", root.name);
        return Err(match closest(&root.name, KINDS) {
            Some(kind) => {
                diags.error_with_help(root.pos, message, format!("did you mean <{kind}>?"))
            }
            None => diags.error_with_help(
                root.pos,
                message,
                format!("expected one of: {}", KINDS.join(", ")),
            ),
        });
    }
    parse_artifact(root, diags).map(|a| vec![a])
}

/// One artifact element, at the root of a file or inside `<definitions>`.
fn parse_artifact(el: Element, diags: &mut Diagnostics) -> Result<ArtifactDef, Reported> {
    match el.name.as_str() {
        "proxy" => proxy::parse_proxy(el, diags).map(|p| ArtifactDef::Proxy(Box::new(p))),
        "api" => api::parse_api(el, diags).map(|a| ArtifactDef::Api(Box::new(a))),
        "sequence" => parse_named(&el, diags).map(|(name, name_pos)| {
            ArtifactDef::Sequence(SequenceArtifactDef {
                name,
                name_pos,
                on_error: el.attr_value("onError").map(str::to_string),
                element: el,
            })
        }),
        // A registry resource endpoint (`conf:/endpoints/x.xml`) has no name; Synapse looks it
        // up by its resource path, so the file name stands in for it.
        "endpoint" if el.attr("name").is_none() => {
            let name = file_stem(&diags.source().name);
            diags.warning_with_help(
                el.pos,
                format!("this <endpoint> has no `name`; it is deployed as `{name}`, after its file"),
                "give it name=\"...\" to choose how other artifacts refer to it",
            );
            Ok(ArtifactDef::Endpoint(EndpointArtifactDef {
                name,
                name_pos: el.pos,
                element: el,
            }))
        }
        "endpoint" => parse_named(&el, diags).map(|(name, name_pos)| {
            ArtifactDef::Endpoint(EndpointArtifactDef {
                name,
                name_pos,
                element: el,
            })
        }),
        "template" => template::parse_template(&el, diags).map(|t| ArtifactDef::Template(Box::new(t))),
        "localEntry" => {
            let source = diags.source().clone();
            template::parse_local_entry(&el, &source.text, diags).map(ArtifactDef::LocalEntry)
        }
        "import" => template::parse_import(&el, diags).map(ArtifactDef::Import),
        other => Err(diags.error_with_help(
            el.pos,
            format!("<{other}> artifacts are not supported yet"),
            "oxynapse deploys proxies, APIs, sequences, endpoints, templates, local entries and imports",
        )),
    }
}

/// `<definitions>`: many artifacts in one file (Apache Synapse's `synapse.xml`). Mediators
/// directly inside it form the `main` sequence, as in Synapse.
fn parse_definitions(root: Element, diags: &mut Diagnostics) -> Result<Vec<ArtifactDef>, Reported> {
    let mut artifacts = Vec::new();
    let mut main_mediators = Vec::new();
    let mut failed = false;
    for node in root.children {
        let child = match node {
            xml::Node::Element(e) => e,
            xml::Node::Text(t) if t.text.trim().is_empty() => continue,
            xml::Node::Text(t) => {
                diags.error(t.pos, "unexpected text inside <definitions>");
                failed = true;
                continue;
            }
        };
        match child.name.as_str() {
            "description" => {}
            "registry" => diags.warning(
                child.pos,
                "<registry> is ignored: oxynapse keeps its registry under --data-dir",
            ),
            name if KINDS.contains(&name) || LATER_KINDS.contains(&name) => {
                match parse_artifact(child, diags) {
                    Ok(a) => artifacts.push(a),
                    Err(Reported) => failed = true,
                }
            }
            _ => main_mediators.push(xml::Node::Element(child)),
        }
    }
    if let Some(xml::Node::Element(first)) = main_mediators.first() {
        let pos = first.pos;
        let explicit = artifacts
            .iter()
            .any(|a| matches!(a, ArtifactDef::Sequence(s) if s.name == "main"));
        if explicit {
            diags.error(pos, "mediators outside any sequence form the `main` sequence, which this file also defines");
            failed = true;
        } else {
            artifacts.push(ArtifactDef::Sequence(SequenceArtifactDef {
                name: "main".into(),
                name_pos: pos,
                on_error: None,
                element: Element {
                    name: "sequence".into(),
                    qname: "sequence".into(),
                    children: main_mediators,
                    pos,
                    ..Element::default()
                },
            }));
        }
    }
    // The artifacts that parsed go on to be compiled (and deployed) even if others failed.
    if failed && artifacts.is_empty() {
        Err(Reported)
    } else {
        Ok(artifacts)
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

/// `orders` for `/deploy/endpoints/orders.xml`.
fn file_stem(path: &str) -> String {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".xml").unwrap_or(file).to_string()
}

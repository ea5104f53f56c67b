//! Typed definitions → run-time artifacts. Every problem in a file is collected before the
//! file is judged, and a file with any error deploys nothing.

use std::sync::Arc;

use crate::api::{Api, Matcher, PathTemplate, Resource, UrlMapping};
use crate::compile::CompileCx;
use crate::compile::Reference;
use crate::config::api::{ApiDef, Mapping};
use crate::config::endpoint::parse_endpoint;
use crate::config::source::{Diagnostics, SourceFile};
use crate::config::{ArtifactDef, EndpointDef, ProxyDef, SequenceDef, parse_artifacts};
use crate::endpoint::Endpoint;
use crate::endpoint::EndpointTemplate;
use crate::error::{Diagnostic, Pos, Reported};
use crate::handler::{Handler, HandlerKind};
use crate::mediators::Mediator;
use crate::proxy::ProxyService;
use crate::registry::Registry;
use crate::sequence::{NamedSequence, SequenceRef};
use crate::template::SequenceTemplate;

/// A deployable unit built from one file.
#[derive(Debug, Clone)]
pub enum Artifact {
    Proxy(Arc<ProxyService>),
    Api(Arc<Api>),
    Sequence(Arc<NamedSequence>),
    Endpoint(Arc<Endpoint>),
    Template(Arc<SequenceTemplate>),
    EndpointTemplate(Arc<EndpointTemplate>),
    LocalEntry(Arc<LocalEntry>),
    Import(Arc<Import>),
}

/// A `<localEntry key>`: a named value `get-property` falls back to.
#[derive(Debug, Clone)]
pub struct LocalEntry {
    pub key: String,
    pub value: String,
    /// A compiled connector `init` the entry holds, run before operations naming it in
    /// `configKey`.
    pub connection: Option<Arc<dyn Mediator>>,
}

/// A connector `<import>`: templates of `package.name.op` serve `<name.op>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub name: String,
    pub package: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ArtifactKind {
    Proxy,
    Api,
    Sequence,
    Endpoint,
    Template,
    LocalEntry,
    Import,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Proxy => "proxy",
            ArtifactKind::Api => "api",
            ArtifactKind::Sequence => "sequence",
            ArtifactKind::Endpoint => "endpoint",
            ArtifactKind::Template => "template",
            ArtifactKind::LocalEntry => "localEntry",
            ArtifactKind::Import => "import",
        }
    }
}

impl Artifact {
    pub fn kind(&self) -> ArtifactKind {
        match self {
            Artifact::Proxy(_) => ArtifactKind::Proxy,
            Artifact::Api(_) => ArtifactKind::Api,
            Artifact::Sequence(_) => ArtifactKind::Sequence,
            Artifact::Endpoint(_) => ArtifactKind::Endpoint,
            Artifact::Template(_) | Artifact::EndpointTemplate(_) => ArtifactKind::Template,
            Artifact::LocalEntry(_) => ArtifactKind::LocalEntry,
            Artifact::Import(_) => ArtifactKind::Import,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Artifact::Proxy(p) => &p.name,
            Artifact::Api(a) => &a.name,
            Artifact::Sequence(s) => &s.name,
            Artifact::Endpoint(e) => e.name.as_deref().unwrap_or_default(),
            Artifact::Template(t) => &t.name,
            Artifact::EndpointTemplate(t) => &t.name,
            Artifact::LocalEntry(l) => &l.key,
            Artifact::Import(i) => &i.name,
        }
    }
}

/// The outcome of compiling one file: the artifacts that compiled without errors (a file of
/// one artifact with errors has none; a `<definitions>` file keeps its clean ones) and every
/// diagnostic found in it.
#[derive(Debug, Clone)]
pub struct CompiledFile {
    pub source: Arc<SourceFile>,
    pub artifacts: Vec<(Artifact, Pos)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Named sequences and endpoints the file uses.
    pub references: Vec<Reference>,
}

impl CompiledFile {
    pub fn name(&self) -> &Arc<str> {
        &self.source.name
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and compiles one file.
pub fn compile_source(registry: &Registry, source: SourceFile) -> CompiledFile {
    let source = Arc::new(source);
    let mut diags = Diagnostics::new(source.clone());
    let mut artifacts = Vec::new();
    let mut references = Vec::new();
    if let Ok(defs) = parse_artifacts(&mut diags) {
        let mut cx = CompileCx::new(registry, &mut diags);
        for def in defs {
            let errors_before = cx.diags.error_count();
            if let Ok(artifact) = compile_artifact(def, &mut cx, &source.name)
                && cx.diags.error_count() == errors_before
            {
                artifacts.push(artifact);
            }
        }
        references = std::mem::take(&mut cx.references);
    }
    CompiledFile {
        source,
        artifacts,
        diagnostics: diags.into_vec(),
        references,
    }
}

fn compile_artifact(
    def: ArtifactDef,
    cx: &mut CompileCx<'_>,
    file: &Arc<str>,
) -> Result<(Artifact, Pos), Reported> {
    match def {
        ArtifactDef::Template(def) if def.is_endpoint() => {
            let template = EndpointTemplate::compile(*def, cx)?;
            let pos = template.name_pos;
            Ok((Artifact::EndpointTemplate(Arc::new(template)), pos))
        }
        ArtifactDef::Template(def) => {
            let def = *def;
            cx.check_attributes(
                &def.body,
                &["description", "onError", "trace", "statistics"],
            );
            if let Some((key, pos)) = &def.on_error {
                cx.sequence_ref(key, *pos);
            }
            let body = cx.mediators(&def.body)?;
            let template = SequenceTemplate {
                name: def.name,
                params: def.params,
                body,
                on_error: def.on_error.map(|(key, _)| key),
            };
            Ok((Artifact::Template(Arc::new(template)), def.name_pos))
        }
        ArtifactDef::LocalEntry(def) => {
            let connection = match &def.connection {
                Some(el) => Some(Arc::from(cx.mediator(el)?)),
                None => None,
            };
            let entry = LocalEntry {
                key: def.key,
                value: def.value,
                connection,
            };
            Ok((Artifact::LocalEntry(Arc::new(entry)), def.key_pos))
        }
        ArtifactDef::Import(def) => {
            let import = Import {
                name: def.name,
                package: def.package,
                enabled: def.enabled,
            };
            Ok((Artifact::Import(Arc::new(import)), def.name_pos))
        }
        ArtifactDef::Api(def) => {
            let pos = def.name_pos;
            compile_api(*def, cx, file).map(|a| (Artifact::Api(Arc::new(a)), pos))
        }
        ArtifactDef::Proxy(def) => {
            let pos = def.name_pos;
            compile_proxy(*def, cx, file).map(|p| (Artifact::Proxy(Arc::new(p)), pos))
        }
        ArtifactDef::Sequence(def) => {
            cx.check_attributes(
                &def.element,
                &["name", "onError", "trace", "statistics", "description"],
            );
            if let Some(on_error) = def.element.attr("onError") {
                cx.sequence_ref(&on_error.value, on_error.pos);
            }
            let mediators = cx.mediators(&def.element)?;
            let sequence = NamedSequence {
                name: def.name,
                mediators,
                on_error: def.on_error,
            };
            Ok((Artifact::Sequence(Arc::new(sequence)), def.name_pos))
        }
        ArtifactDef::Endpoint(def) => {
            let mut endpoint = parse_endpoint(&def.element, cx, false)?;
            endpoint.name = Some(def.name);
            Ok((Artifact::Endpoint(Arc::new(endpoint)), def.name_pos))
        }
    }
}

fn compile_proxy(
    def: ProxyDef,
    cx: &mut CompileCx<'_>,
    file: &Arc<str>,
) -> Result<ProxyService, Reported> {
    let in_sequence = sequence(def.in_sequence.as_ref(), cx);
    let out_sequence = sequence(def.out_sequence.as_ref(), cx);
    let fault_sequence = sequence(def.fault_sequence.as_ref(), cx);
    let endpoint = match &def.endpoint {
        None => Ok(None),
        Some(EndpointDef::Inline(el)) => parse_endpoint(el, cx, false).map(Some),
        Some(EndpointDef::Key { key, pos }) => Ok(Some(Endpoint {
            name: None,
            kind: cx.endpoint_ref(key, *pos),
            properties: Vec::new(),
        })),
    };
    let handler = Handler {
        kind: HandlerKind::Proxy,
        name: def.name.clone(),
        in_sequence: in_sequence?,
        out_sequence: out_sequence?,
        fault_sequence: fault_sequence?,
        endpoint: endpoint?,
    };
    Ok(ProxyService {
        name: def.name,
        file: file.clone(),
        started: def.start_on_load,
        transports: def.transports,
        description: def.description,
        parameters: def.parameters,
        handler: Arc::new(handler),
    })
}

fn compile_api(def: ApiDef, cx: &mut CompileCx<'_>, file: &Arc<str>) -> Result<Api, Reported> {
    let mut resources = Vec::new();
    let mut failed = false;
    for resource in def.resources {
        let matcher = match &resource.mapping {
            Mapping::Any => Ok(Matcher::Any),
            Mapping::UrlMapping(m) => Ok(Matcher::Mapping(UrlMapping::parse(m))),
            Mapping::UriTemplate(t) => PathTemplate::parse(t)
                .map(Matcher::Template)
                .map_err(|e| cx.diags.error(resource.pos, e)),
        };
        let in_sequence = sequence(resource.in_sequence.as_ref(), cx);
        let out_sequence = sequence(resource.out_sequence.as_ref(), cx);
        let fault_sequence = sequence(resource.fault_sequence.as_ref(), cx);
        let (Ok(matcher), Ok(in_sequence), Ok(out_sequence), Ok(fault_sequence)) =
            (matcher, in_sequence, out_sequence, fault_sequence)
        else {
            failed = true;
            continue;
        };
        let methods = resource
            .methods
            .iter()
            .filter_map(|m| http::Method::from_bytes(m.as_bytes()).ok())
            .collect();
        let handler = Handler {
            kind: HandlerKind::Api,
            name: def.name.clone(),
            in_sequence,
            out_sequence,
            fault_sequence,
            endpoint: None,
        };
        resources.push(Resource {
            methods,
            matcher,
            handler: Arc::new(handler),
        });
    }
    if failed {
        return Err(Reported);
    }
    Ok(Api {
        name: def.name,
        context: def.context,
        file: file.clone(),
        resources,
    })
}

fn sequence(
    def: Option<&SequenceDef>,
    cx: &mut CompileCx<'_>,
) -> Result<Option<SequenceRef>, Reported> {
    match def {
        None => Ok(None),
        Some(SequenceDef::Key { key, pos }) => Ok(Some(cx.sequence_ref(key, *pos))),
        Some(SequenceDef::Inline(el)) => cx.inline_sequence(el).map(Some),
    }
}

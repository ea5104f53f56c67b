//! The set of deployed files, changed one file at a time.
//!
//! Each file has an entry: the version serving requests (the last one that compiled) and the
//! diagnostics of the latest version read. A new version replaces the active one only when it
//! has no errors and none of its names is already taken by another file; otherwise the previous
//! version keeps serving. Files are ordered by when they were first deployed, so the file that
//! defined a name first keeps it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::compile::{Artifact, ArtifactKind, CompiledFile};
use super::{Deployment, FileReport};
use crate::compile::ReferenceKind;
use crate::config::source::Diagnostics;
use crate::error::Diagnostic;
use crate::metrics::Metrics;
use crate::proxy::RequestStats;

#[derive(Debug, Clone)]
pub struct FileEntry {
    pub file: Arc<str>,
    /// Order of first deployment.
    seq: u64,
    /// The version serving requests: the last one that deployed.
    pub active: Option<CompiledFile>,
    pub deployed_at: Option<SystemTime>,
    /// Diagnostics of the latest version read.
    pub diagnostics: Vec<Diagnostic>,
    /// The latest version was rejected; `active`, if any, is an earlier one, unless `partial`.
    pub failed: bool,
    /// The latest version had errors but is `active` with its artifacts that have none.
    pub partial: bool,
}

/// What applying one file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Deployed,
    /// Rejected; `kept_previous` says whether an earlier version still serves.
    Failed {
        kept_previous: bool,
    },
    /// A new file with errors whose other artifacts deploy (a `<definitions>` file holding
    /// an unsupported artifact): `deployed` of its artifacts serve.
    Partial {
        deployed: usize,
    },
    Removed,
    /// A removal of a file that was never deployed.
    Unknown,
}

#[derive(Debug, Default)]
pub struct Deployer {
    entries: HashMap<Arc<str>, FileEntry>,
    next_seq: u64,
    /// Request counters of proxies and APIs; they survive redeployments.
    stats: HashMap<(ArtifactKind, String), Arc<RequestStats>>,
    /// Where new counters get their Prometheus handles; none without.
    metrics: Option<Arc<Metrics>>,
}

impl Deployer {
    pub fn new() -> Self {
        Deployer::default()
    }

    /// A deployer whose proxies and APIs also count in `metrics`.
    pub fn with_metrics(metrics: Arc<Metrics>) -> Self {
        Deployer {
            metrics: Some(metrics),
            ..Deployer::default()
        }
    }

    /// Deploys a new version of a file, or records why it cannot be deployed.
    pub fn apply(&mut self, mut file: CompiledFile) -> Change {
        let name = file.name().clone();
        let mut diags = Diagnostics::new(file.source.clone());
        let mut unique = Vec::with_capacity(file.artifacts.len());
        for (artifact, pos) in std::mem::take(&mut file.artifacts) {
            match self.owner_of(&name, artifact.kind(), artifact.name()) {
                Some(owner) => {
                    diags.error_with_help(
                        pos,
                        format!(
                            "{} `{}` is already defined in {owner}",
                            artifact.kind().as_str(),
                            artifact.name()
                        ),
                        "artifact names must be unique; rename one of them",
                    );
                }
                None => unique.push((artifact, pos)),
            }
        }
        file.artifacts = unique;
        file.diagnostics.extend(diags.into_vec());
        file.diagnostics.sort_by_key(|d| d.pos);
        let seq = self.next_seq;
        let entry = self
            .entries
            .entry(name.clone())
            .or_insert_with(|| FileEntry {
                file: name,
                seq,
                active: None,
                deployed_at: None,
                diagnostics: Vec::new(),
                failed: false,
                partial: false,
            });
        if entry.seq == seq {
            self.next_seq += 1;
        }
        entry.diagnostics = file.diagnostics.clone();
        entry.partial = false;
        if file.has_errors() {
            entry.failed = true;
            // An update that fails keeps the previous version; a new file deploys what it
            // can, as the rest of a <definitions> file should not wait on one bad artifact.
            if entry.active.is_some() || file.artifacts.is_empty() {
                return Change::Failed {
                    kept_previous: entry.active.is_some(),
                };
            }
            let deployed = file.artifacts.len();
            entry.partial = true;
            entry.deployed_at = Some(SystemTime::now());
            entry.active = Some(file);
            return Change::Partial { deployed };
        }
        entry.failed = false;
        entry.deployed_at = Some(SystemTime::now());
        entry.active = Some(file);
        Change::Deployed
    }

    /// Undeploys a file's artifacts.
    pub fn remove(&mut self, file: &str) -> Change {
        match self.entries.remove(file) {
            Some(_) => Change::Removed,
            None => Change::Unknown,
        }
    }

    pub fn contains(&self, file: &str) -> bool {
        self.entries.contains_key(file)
    }

    /// Files in the order they were first deployed.
    pub fn entries(&self) -> Vec<&FileEntry> {
        let mut entries: Vec<_> = self.entries.values().collect();
        entries.sort_by_key(|e| e.seq);
        entries
    }

    /// The file, other than `except`, whose active version defines this name.
    fn owner_of(&self, except: &str, kind: ArtifactKind, name: &str) -> Option<Arc<str>> {
        self.entries
            .values()
            .filter(|e| &*e.file != except)
            .find(|e| {
                e.active.as_ref().is_some_and(|f| {
                    f.artifacts
                        .iter()
                        .any(|(a, _)| a.kind() == kind && a.name() == name)
                })
            })
            .map(|e| e.file.clone())
    }

    /// An immutable deployment of every active version, with a warning for each reference to a
    /// sequence or endpoint that no deployed file defines.
    pub fn deployment(&mut self) -> Deployment {
        let mut entries: Vec<FileEntry> = self.entries.values().cloned().collect();
        entries.sort_by_key(|e| e.seq);
        let mut deployment = Deployment::default();
        for active in entries.iter().filter_map(|e| e.active.as_ref()) {
            for (artifact, _) in &active.artifacts {
                let stats = match artifact {
                    Artifact::Proxy(_) | Artifact::Api(_) => {
                        let key = (artifact.kind(), artifact.name().to_string());
                        let metrics = &self.metrics;
                        let stats = self.stats.entry(key).or_insert_with(|| {
                            // Resolved here, once, so a request only adds to them.
                            Arc::new(match metrics {
                                Some(m) => RequestStats::with_metrics(
                                    m.artifact(artifact.kind().as_str(), artifact.name()),
                                ),
                                None => RequestStats::default(),
                            })
                        });
                        Some(stats.clone())
                    }
                    _ => None,
                };
                deployment.insert(artifact.clone(), stats);
            }
        }
        let reports = entries
            .iter()
            .map(|entry| {
                let mut diagnostics = entry.diagnostics.clone();
                if let Some(active) = &entry.active {
                    diagnostics.extend(dangling_references(active, &deployment));
                }
                FileReport {
                    file: entry.file.clone(),
                    diagnostics,
                    artifacts: entry
                        .active
                        .iter()
                        .flat_map(|f| f.artifacts.iter().map(|(a, _)| a.clone()))
                        .collect(),
                    deployed_at: entry.deployed_at,
                    failed: entry.failed,
                    partial: entry.partial,
                }
            })
            .collect();
        deployment.set_files(reports);
        deployment
    }
}

/// A warning for each sequence, endpoint or template `file` uses that `deployment` lacks.
fn dangling_references(file: &CompiledFile, deployment: &Deployment) -> Vec<Diagnostic> {
    let mut diags = Diagnostics::new(file.source.clone());
    for reference in &file.references {
        let key = reference.key.as_str();
        let (defined, label) = match reference.kind {
            ReferenceKind::Sequence => (deployment.sequence(key).is_some(), "sequence"),
            ReferenceKind::Endpoint => (deployment.endpoint(key).is_some(), "endpoint"),
            ReferenceKind::Template => (deployment.template(key).is_some(), "template"),
            ReferenceKind::LocalEntry => (deployment.local_entry(key).is_some(), "local entry"),
            ReferenceKind::EndpointTemplate => (
                deployment.endpoint_template(key).is_some(),
                "endpoint template",
            ),
        };
        if !defined {
            diags.warning_with_help(
                reference.pos,
                format!("{label} `{key}` is not defined in any deployed file"),
                "it is looked up when a message needs it; until a file defines it, that message fails",
            );
        }
    }
    diags.into_vec()
}

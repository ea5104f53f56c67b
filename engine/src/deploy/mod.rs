//! Deployments: the immutable set of artifacts requests are served from.
//!
//! A deployment is built from compiled files. A file with errors contributes nothing but its
//! diagnostics; every other file deploys. Names are unique per kind: a second definition is
//! rejected with a diagnostic that names the file holding the first.

mod compile;
mod folder;

use std::collections::HashMap;
use std::sync::Arc;

pub use compile::{Artifact, ArtifactKind, CompiledFile, compile_source};
pub use folder::{collect_xml_files, load_folder};

use crate::config::source::Diagnostics;
use crate::endpoint::Endpoint;
use crate::error::Diagnostic;
use crate::proxy::ProxyService;
use crate::sequence::NamedSequence;

/// What became of one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: Arc<str>,
    pub diagnostics: Vec<Diagnostic>,
    /// The artifacts it deployed.
    pub artifacts: Vec<(ArtifactKind, String)>,
}

impl FileReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

#[derive(Debug, Default)]
pub struct Deployment {
    proxies: HashMap<String, Arc<ProxyService>>,
    sequences: HashMap<String, Arc<NamedSequence>>,
    endpoints: HashMap<String, Arc<Endpoint>>,
    files: Vec<FileReport>,
}

impl Deployment {
    /// Builds a deployment from compiled files, in order; the first definition of a name wins.
    pub fn from_files(files: Vec<CompiledFile>) -> Deployment {
        let mut deployment = Deployment::default();
        let mut defined_in: HashMap<(ArtifactKind, String), Arc<str>> = HashMap::new();
        for file in files {
            let mut diags = Diagnostics::new(file.source.clone());
            let mut accepted = Vec::new();
            for (artifact, pos) in &file.artifacts {
                let key = (artifact.kind(), artifact.name().to_string());
                if let Some(first) = defined_in.get(&key) {
                    diags.error_with_help(
                        *pos,
                        format!(
                            "{} `{}` is already defined in {}",
                            key.0.as_str(),
                            key.1,
                            first
                        ),
                        "artifact names must be unique; rename one of them",
                    );
                    continue;
                }
                defined_in.insert(key, file.name().clone());
                accepted.push(artifact.clone());
            }
            let mut diagnostics = file.diagnostics.clone();
            diagnostics.extend(diags.into_vec());
            if diagnostics.iter().any(Diagnostic::is_error) {
                // A file deploys whole or not at all.
                for artifact in &accepted {
                    defined_in.remove(&(artifact.kind(), artifact.name().to_string()));
                }
                accepted.clear();
            }
            let artifacts = accepted
                .iter()
                .map(|a| (a.kind(), a.name().to_string()))
                .collect();
            for artifact in accepted {
                deployment.insert(artifact);
            }
            deployment.files.push(FileReport {
                file: file.name().clone(),
                diagnostics,
                artifacts,
            });
        }
        deployment
    }

    fn insert(&mut self, artifact: Artifact) {
        match artifact {
            Artifact::Proxy(p) => {
                self.proxies.insert(p.name.clone(), p);
            }
            Artifact::Sequence(s) => {
                self.sequences.insert(s.name.clone(), s);
            }
            Artifact::Endpoint(e) => {
                let name = e.name.clone().unwrap_or_default();
                self.endpoints.insert(name, e);
            }
        }
    }

    pub fn proxy(&self, name: &str) -> Option<&Arc<ProxyService>> {
        self.proxies.get(name)
    }

    pub fn sequence(&self, name: &str) -> Option<Arc<NamedSequence>> {
        self.sequences.get(name).cloned()
    }

    pub fn endpoint(&self, name: &str) -> Option<Arc<Endpoint>> {
        self.endpoints.get(name).cloned()
    }

    pub fn proxies(&self) -> impl Iterator<Item = &Arc<ProxyService>> {
        self.proxies.values()
    }

    /// Every file that went into this deployment, with its diagnostics.
    pub fn files(&self) -> &[FileReport] {
        &self.files
    }

    pub fn error_count(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.diagnostics.iter().filter(|d| d.is_error()).count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;
    use crate::config::source::SourceFile;

    fn compile(name: &str, text: &str) -> CompiledFile {
        let registry = Registry::builder().builtin_mediators().build();
        compile_source(&registry, SourceFile::new(name, text))
    }

    #[test]
    fn a_second_definition_is_rejected_naming_the_first_file() {
        let proxy =
            r#"<proxy name="p"><target><inSequence><respond/></inSequence></target></proxy>"#;
        let deployment =
            Deployment::from_files(vec![compile("a.xml", proxy), compile("b.xml", proxy)]);
        assert!(deployment.proxy("p").is_some());
        let b = &deployment.files()[1];
        assert!(b.has_errors());
        assert!(
            b.diagnostics[0]
                .render()
                .contains("proxy `p` is already defined in a.xml")
        );
        assert!(b.artifacts.is_empty());
    }

    #[test]
    fn a_broken_file_deploys_nothing_and_the_others_deploy() {
        let good = r#"<sequence name="s"><log/></sequence>"#;
        let bad = r#"<proxy name="q"><target><inSequence><bogus/></inSequence></target></proxy>"#;
        let deployment =
            Deployment::from_files(vec![compile("good.xml", good), compile("bad.xml", bad)]);
        assert!(deployment.sequence("s").is_some());
        assert!(deployment.proxy("q").is_none());
        assert_eq!(deployment.error_count(), 1);
    }
}

//! Deployments: the immutable set of artifacts requests are served from.
//!
//! A deployment is built from compiled files. A file with errors contributes nothing but its
//! diagnostics; every other file deploys. Names are unique per kind: a second definition is
//! rejected with a diagnostic that names the file holding the first.

mod compile;
mod deployer;
mod folder;
mod watch;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

pub use compile::{Artifact, ArtifactKind, CompiledFile, Import, LocalEntry, compile_source};
pub use deployer::{Change, Deployer, FileEntry};
pub use folder::{collect_xml_files, compile_path, load_folder};
pub use watch::{FolderWatcher, watch_folder};

use crate::api::Api;
use crate::endpoint::Endpoint;
use crate::endpoint::EndpointTemplate;
use crate::error::Diagnostic;
use crate::proxy::{ProxyService, RequestStats};
use crate::sequence::NamedSequence;
use crate::template::SequenceTemplate;

/// What became of one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: Arc<str>,
    /// The latest version's diagnostics, plus warnings about references nobody defines.
    pub diagnostics: Vec<Diagnostic>,
    /// The artifacts serving requests (from an earlier version when `failed`).
    pub artifacts: Vec<Artifact>,
    pub deployed_at: Option<SystemTime>,
    /// The latest version was rejected.
    pub failed: bool,
    /// The latest version had errors, yet its artifacts without errors were deployed and are
    /// the `artifacts` serving (a `<definitions>` file holding one unsupported artifact).
    pub partial: bool,
}

impl FileReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// A deployed proxy with its counters.
#[derive(Debug, Clone)]
pub struct DeployedProxy {
    pub service: Arc<ProxyService>,
    pub stats: Arc<RequestStats>,
}

/// A deployed API with its counters.
#[derive(Debug, Clone)]
pub struct DeployedApi {
    pub api: Arc<Api>,
    pub stats: Arc<RequestStats>,
}

#[derive(Debug, Default)]
pub struct Deployment {
    proxies: HashMap<String, DeployedProxy>,
    /// Longest context first, so the most specific API wins.
    apis: Vec<DeployedApi>,
    sequences: HashMap<String, Arc<NamedSequence>>,
    endpoints: HashMap<String, Arc<Endpoint>>,
    templates: HashMap<String, Arc<SequenceTemplate>>,
    endpoint_templates: HashMap<String, Arc<EndpointTemplate>>,
    local_entries: HashMap<String, Arc<LocalEntry>>,
    imports: HashMap<String, Arc<Import>>,
    files: Vec<FileReport>,
}

impl Deployment {
    /// Builds a deployment from compiled files, in order; the first definition of a name wins.
    pub fn from_files(files: Vec<CompiledFile>) -> Deployment {
        let mut deployer = Deployer::new();
        for file in files {
            deployer.apply(file);
        }
        deployer.deployment()
    }

    fn insert(&mut self, artifact: Artifact, stats: Option<Arc<RequestStats>>) {
        match artifact {
            Artifact::Proxy(service) => {
                let stats = stats.unwrap_or_default();
                self.proxies
                    .insert(service.name.clone(), DeployedProxy { service, stats });
            }
            Artifact::Api(api) => {
                let stats = stats.unwrap_or_default();
                let at = self
                    .apis
                    .partition_point(|a| a.api.context.len() >= api.context.len());
                self.apis.insert(at, DeployedApi { api, stats });
            }
            Artifact::Sequence(s) => {
                self.sequences.insert(s.name.clone(), s);
            }
            Artifact::Endpoint(e) => {
                let name = e.name.clone().unwrap_or_default();
                self.endpoints.insert(name, e);
            }
            Artifact::Template(t) => {
                self.templates.insert(t.name.clone(), t);
            }
            Artifact::EndpointTemplate(t) => {
                self.endpoint_templates.insert(t.name.clone(), t);
            }
            Artifact::LocalEntry(l) => {
                self.local_entries.insert(l.key.clone(), l);
            }
            Artifact::Import(i) => {
                self.imports.insert(i.name.clone(), i);
            }
        }
    }

    fn set_files(&mut self, files: Vec<FileReport>) {
        self.files = files;
    }

    pub fn proxy(&self, name: &str) -> Option<&DeployedProxy> {
        self.proxies.get(name)
    }

    /// The API serving a request path, and where the path below its context starts.
    pub fn api_for(&self, path_and_query: &str) -> Option<(&DeployedApi, usize)> {
        self.apis
            .iter()
            .find_map(|a| a.api.serves(path_and_query).map(|at| (a, at)))
    }

    pub fn api(&self, name: &str) -> Option<&DeployedApi> {
        self.apis.iter().find(|a| a.api.name == name)
    }

    pub fn sequence(&self, name: &str) -> Option<Arc<NamedSequence>> {
        self.sequences.get(name).cloned()
    }

    pub fn endpoint(&self, name: &str) -> Option<Arc<Endpoint>> {
        self.endpoints.get(name).cloned()
    }

    /// The template named `name`; for a connector operation `prefix.op`, also the template
    /// `package.prefix.op` of an enabled `<import name="prefix" package="package"/>`.
    pub fn endpoint_template(&self, name: &str) -> Option<Arc<EndpointTemplate>> {
        self.endpoint_templates.get(name).cloned()
    }

    pub fn template(&self, name: &str) -> Option<Arc<SequenceTemplate>> {
        if let Some(t) = self.templates.get(name) {
            return Some(t.clone());
        }
        let (prefix, _) = name.split_once('.')?;
        let import = self.imports.get(prefix).filter(|i| i.enabled)?;
        self.templates
            .get(&format!("{}.{name}", import.package))
            .cloned()
    }

    /// The connector connection a local entry holds (`configKey`).
    pub fn connection(&self, key: &str) -> Option<Arc<dyn crate::mediators::Mediator>> {
        self.local_entries.get(key)?.connection.clone()
    }

    /// A local entry's value, which `get-property(name)` falls back to.
    pub fn local_entry(&self, key: &str) -> Option<&str> {
        self.local_entries.get(key).map(|l| l.value.as_str())
    }

    pub fn proxies(&self) -> impl Iterator<Item = &DeployedProxy> {
        self.proxies.values()
    }

    /// Every file, in deployment order, with its diagnostics.
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

    #[test]
    fn a_new_definitions_file_deploys_the_artifacts_without_errors() {
        let both = r#"<definitions><sequence name="good"><log/></sequence>
            <sequence name="bad"><script language="js">x()</script></sequence>
            <taskManager/></definitions>"#;
        let mut deployer = Deployer::new();
        assert_eq!(
            deployer.apply(compile("d.xml", both)),
            Change::Partial { deployed: 1 }
        );
        let deployment = deployer.deployment();
        assert!(deployment.sequence("good").is_some());
        assert!(deployment.sequence("bad").is_none());
        let report = &deployment.files()[0];
        assert!(report.failed && report.has_errors());
        let errors: Vec<String> = report.diagnostics.iter().map(|d| d.render()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("does not run Java or script"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("<taskManager> artifacts are not supported"),
            "{errors:?}"
        );
        // An update that fails still keeps what serves.
        assert_eq!(
            deployer.apply(compile("d.xml", "<definitions><bogus/></definitions>")),
            Change::Failed {
                kept_previous: true
            }
        );
    }

    #[test]
    fn a_failed_new_version_keeps_the_previous_one_serving() {
        let v1 = r#"<proxy name="p"><target><inSequence><respond/></inSequence></target></proxy>"#;
        let v2 = r#"<proxy name="p"><target><inSequence><bogus/></inSequence></target></proxy>"#;
        let mut deployer = Deployer::new();
        assert_eq!(deployer.apply(compile("p.xml", v1)), Change::Deployed);
        assert_eq!(
            deployer.apply(compile("p.xml", v2)),
            Change::Failed {
                kept_previous: true
            }
        );
        let deployment = deployer.deployment();
        assert!(deployment.proxy("p").is_some());
        let report = &deployment.files()[0];
        assert!(report.failed && report.has_errors());
        assert_eq!(report.artifacts.len(), 1);
        assert_eq!(deployer.remove("p.xml"), Change::Removed);
        assert!(deployer.deployment().proxy("p").is_none());
    }

    #[test]
    fn the_first_file_keeps_a_name_and_dangling_references_warn() {
        let a = r#"<proxy name="p"><target inSequence="missing"/></proxy>"#;
        let b = r#"<proxy name="p"><target><inSequence><respond/></inSequence></target></proxy>"#;
        let mut deployer = Deployer::new();
        deployer.apply(compile("z.xml", a));
        deployer.apply(compile("a.xml", b));
        let deployment = deployer.deployment();
        let files = deployment.files();
        assert_eq!(&*files[0].file, "z.xml");
        assert!(
            files[0].diagnostics[0]
                .render()
                .contains("warning: sequence `missing` is not defined in any deployed file")
        );
        assert!(files[1].failed);
        // Defining the sequence later silences the warning.
        deployer.apply(compile(
            "s.xml",
            r#"<sequence name="missing"><respond/></sequence>"#,
        ));
        assert!(deployer.deployment().files()[0].diagnostics.is_empty());
    }
}

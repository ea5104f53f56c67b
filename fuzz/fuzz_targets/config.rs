//! The config parser and compiler: any bytes → artifacts or diagnostics, never a panic.
//!
//! Input: a config file's bytes (non-UTF-8 is converted lossily, as a file read elsewhere
//! would be rejected; the parser still sees every other byte). Every diagnostic is rendered
//! both ways, and a clean file is linked into a deployment.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oxynapse_engine::Registry;
use oxynapse_engine::config::source::SourceFile;
use oxynapse_engine::deploy::{Deployment, compile_source};

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::builder()
            .builtin_mediators()
            .connector(oxynapse_gotowebinar::GoToWebinar::new())
            .build()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let may_hold_many = text.contains("definitions");
    let file = compile_source(registry(), SourceFile::new("fuzz.xml", text));
    for diagnostic in &file.diagnostics {
        let _ = diagnostic.render();
        let _ = diagnostic.to_json().to_string();
    }
    for (artifact, _) in &file.artifacts {
        let _ = (artifact.kind().as_str(), artifact.name());
    }
    // A file with errors may still keep artifacts: a `<definitions>` file deploys the ones
    // that compiled cleanly (see the deploy module's tests). A file of one artifact keeps
    // nothing.
    if file.has_errors() && !may_hold_many {
        assert!(
            file.artifacts.is_empty(),
            "a one-artifact file with errors deploys nothing"
        );
    }
    let deployment = Deployment::from_files(vec![file]);
    let _ = deployment.error_count();
    for report in deployment.files() {
        let _ = report.has_errors();
    }
});

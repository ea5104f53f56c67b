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
    let file = compile_source(registry(), SourceFile::new("fuzz.xml", text));
    for diagnostic in &file.diagnostics {
        let _ = diagnostic.render();
        let _ = diagnostic.to_json().to_string();
    }
    for (artifact, _) in &file.artifacts {
        let _ = (artifact.kind().as_str(), artifact.name());
    }
    let has_errors = file.has_errors();
    assert!(
        !has_errors || file.artifacts.is_empty(),
        "a file with errors deploys nothing"
    );
    let deployment = Deployment::from_files(vec![file]);
    let _ = deployment.error_count();
    for report in deployment.files() {
        let _ = report.has_errors();
    }
});

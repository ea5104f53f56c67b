//! `oxynapse validate PATH...`: every problem in every file, as `file:line:col: error: ...`.

use std::path::PathBuf;
use std::process::ExitCode;

use oxynapse_engine::Registry;
use oxynapse_engine::config::source::SourceFile;
use oxynapse_engine::deploy::{Deployment, collect_xml_files, compile_source};

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Files or folders; folders are searched recursively for *.xml.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Prints the diagnostics of every file; exits 1 when any file has an error.
pub fn run(registry: &Registry, args: &ValidateArgs) -> ExitCode {
    let mut compiled = Vec::new();
    let mut unreadable = 0;
    for path in &args.paths {
        let files = match collect_xml_files(path) {
            Ok(files) => files,
            Err(e) => {
                println!("{}: error: cannot read: {e}", path.display());
                unreadable += 1;
                continue;
            }
        };
        for file in files {
            let name = file.display().to_string();
            match std::fs::read(&file).map(String::from_utf8) {
                Ok(Ok(text)) => {
                    compiled.push(compile_source(registry, SourceFile::new(name, text)))
                }
                Ok(Err(e)) => {
                    println!(
                        "{name}:1:1: error: the file is not valid UTF-8 (byte {})",
                        e.utf8_error().valid_up_to()
                    );
                    unreadable += 1;
                }
                Err(e) => {
                    println!("{name}: error: cannot read: {e}");
                    unreadable += 1;
                }
            }
        }
    }
    // Checking the files together also finds names defined twice.
    let deployment = Deployment::from_files(compiled);
    let (mut errors, mut warnings, mut failed_files) = (0, 0, unreadable);
    for report in deployment.files() {
        for diagnostic in &report.diagnostics {
            println!("{}", diagnostic.render());
            if diagnostic.is_error() {
                errors += 1;
            } else {
                warnings += 1;
            }
        }
        if report.has_errors() {
            failed_files += 1;
        }
    }
    let files = deployment.files().len() + unreadable;
    eprintln!(
        "checked {files} file{}: {failed_files} with errors, {errors} error{}, {warnings} warning{}",
        plural(files),
        plural(errors),
        plural(warnings)
    );
    if failed_files > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

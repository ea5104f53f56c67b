//! `oxynapse validate PATH...`: every problem in every file, as `file:line:col: error: ...`,
//! or as JSON for editors and CI (`--format json`).

use std::path::PathBuf;
use std::process::ExitCode;

use oxynapse_engine::Registry;
use oxynapse_engine::config::source::SourceFile;
use oxynapse_engine::deploy::{Deployment, collect_xml_files, compile_source};
use oxynapse_engine::error::{Diagnostic, Pos, Severity};

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Files or folders; folders are searched recursively for *.xml.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// `human` (compiler-style text) or `json` (one document on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

/// Prints the diagnostics of every file; exits 1 when any file has an error.
pub fn run(registry: &Registry, args: &ValidateArgs) -> ExitCode {
    let mut compiled = Vec::new();
    let mut unreadable = Vec::new();
    for path in &args.paths {
        let files = match collect_xml_files(path) {
            Ok(files) => files,
            Err(e) => {
                unreadable.push(file_error(
                    path.display().to_string(),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        for file in files {
            let name = file.display().to_string();
            match std::fs::read(&file).map(String::from_utf8) {
                Ok(Ok(text)) => {
                    compiled.push(compile_source(registry, SourceFile::new(name, text)))
                }
                Ok(Err(e)) => unreadable.push(file_error(
                    name,
                    format!(
                        "the file is not valid UTF-8 (byte {})",
                        e.utf8_error().valid_up_to()
                    ),
                )),
                Err(e) => unreadable.push(file_error(name, format!("cannot read: {e}"))),
            }
        }
    }
    // Checking the files together also finds names defined twice and dangling references.
    let deployment = Deployment::from_files(compiled);
    let mut diagnostics: Vec<&Diagnostic> = deployment
        .files()
        .iter()
        .flat_map(|f| &f.diagnostics)
        .collect();
    diagnostics.extend(&unreadable);
    let files = deployment.files().len() + unreadable.len();
    let failed_files =
        deployment.files().iter().filter(|f| f.has_errors()).count() + unreadable.len();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    match args.format {
        Format::Human => {
            for diagnostic in &diagnostics {
                println!("{}", diagnostic.render());
            }
            eprintln!(
                "checked {files} file{}: {failed_files} with errors, {errors} error{}, {warnings} warning{}",
                plural(files),
                plural(errors),
                plural(warnings)
            );
        }
        Format::Json => {
            let document = serde_json::json!({
                "diagnostics": diagnostics.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
                "summary": {
                    "files": files,
                    "filesWithErrors": failed_files,
                    "errors": errors,
                    "warnings": warnings,
                },
            });
            println!("{document:#}");
        }
    }
    if failed_files > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A problem with the file as a whole (unreadable, not UTF-8), reported at 1:1.
fn file_error(file: String, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: file.into(),
        pos: Pos { line: 1, col: 1 },
        message,
        help: None,
        source_line: None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

//! Golden tests of `oxynapse validate`: each `tests/fixtures/errors/NAME.xml` next to the
//! exact output expected for it, rendered (`NAME.expected`) and as JSON (`NAME.json`).
//!
//! After an intended change of wording, regenerate with `UPDATE_GOLDEN=1 cargo test --test validate`
//! and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
}

/// Runs `oxynapse validate ARGS` in `dir`; returns (exit code, stdout, stderr).
fn validate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_oxynapse"))
        .arg("validate")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    (
        output.status.code().expect("exited, not killed"),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn diagnostics_match_the_golden_files() {
    let dir = fixtures("errors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "fixtures found: {names:?}");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for name in &names {
        for (format, extension) in [("human", "expected"), ("json", "json")] {
            let (code, stdout, _) = validate(&dir, &["--format", format, name]);
            let expected_path = dir.join(name.replace(".xml", &format!(".{extension}")));
            if update {
                std::fs::write(&expected_path, &stdout).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if stdout != expected {
                mismatches.push(format!(
                    "--- {name} ({format}): expected\n{expected}--- got\n{stdout}"
                ));
            }
            let has_errors =
                stdout.contains(": error: ") || stdout.contains("\"severity\": \"error\"");
            assert_eq!(code, i32::from(has_errors), "{name} ({format}): exit code");
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_shipped_proxies_validate_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = validate(root, &["proxies"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "checked 9 files: 0 with errors, 0 errors, 0 warnings"
    );
}

#[test]
fn a_name_defined_in_two_files_is_reported_with_both_files() {
    let (code, stdout, _) = validate(&fixtures("duplicates"), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "./second.xml:1:48: error: proxy `orders` is already defined in ./first.xml\n  \
         1 | <proxy xmlns=\"http://ws.apache.org/ns/synapse\" name=\"orders\">\n    \
         |                                                ^\n  \
         = help: artifact names must be unique; rename one of them\n"
    );
}

#[test]
fn missing_paths_and_garbage_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("binary.xml"), [0u8, 159, 146, 150, 0xff]).unwrap();
    std::fs::write(dir.path().join("empty.xml"), "").unwrap();
    std::fs::write(dir.path().join("deep.xml"), "<a>".repeat(10_000)).unwrap();
    let (code, stdout, _) = validate(
        dir.path(),
        &["binary.xml", "empty.xml", "deep.xml", "missing.xml"],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("binary.xml:1:1: error: the file is not valid UTF-8"),
        "{stdout}"
    );
    assert!(
        stdout.contains("empty.xml:1:1: error: the file holds no XML element"),
        "{stdout}"
    );
    assert!(
        stdout.contains("deep.xml:1:601: error: elements are nested more than 200 levels deep"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing.xml:1:1: error: cannot read"),
        "{stdout}"
    );
}

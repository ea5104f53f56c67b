//! Finding and compiling every `*.xml` file below a folder, so that a WSO2
//! `synapse-configs/default/` tree deploys as it is.

use std::fs;
use std::path::{Path, PathBuf};

use super::compile::{CompiledFile, compile_source};
use crate::config::source::{Diagnostics, SourceFile};
use crate::error::Pos;
use crate::registry::Registry;

/// Symlink loops and absurd trees stop here.
const MAX_DEPTH: usize = 32;

/// Every `*.xml` file below `root` (or `root` itself when it is a file), sorted by path.
/// Hidden files and folders (editor temporaries such as `.#a.xml`) are skipped.
pub fn collect_xml_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if root.is_file() {
        files.push(root.to_path_buf());
    } else {
        walk(root, 0, &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, depth + 1, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads and compiles one file. An unreadable file becomes a diagnostic, never a panic.
pub fn compile_path(registry: &Registry, path: &Path) -> CompiledFile {
    let name = path.display().to_string();
    match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => compile_source(registry, SourceFile::new(name, text)),
            Err(e) => unreadable(
                name,
                format!(
                    "the file is not valid UTF-8 (byte {})",
                    e.utf8_error().valid_up_to()
                ),
            ),
        },
        Err(e) => unreadable(name, format!("cannot read the file: {e}")),
    }
}

fn unreadable(name: String, message: String) -> CompiledFile {
    let source = std::sync::Arc::new(SourceFile::new(name, ""));
    let mut diags = Diagnostics::new(source.clone());
    diags.error(Pos { line: 1, col: 1 }, message);
    CompiledFile {
        source,
        artifacts: Vec::new(),
        diagnostics: diags.into_vec(),
        references: Vec::new(),
    }
}

/// Compiles every XML file below `root`.
pub fn load_folder(registry: &Registry, root: &Path) -> std::io::Result<Vec<CompiledFile>> {
    Ok(collect_xml_files(root)?
        .iter()
        .map(|path| compile_path(registry, path))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_xml_recursively_and_skips_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("proxy-services");
        fs::create_dir_all(&nested).unwrap();
        fs::write(
            nested.join("b.xml"),
            "<sequence name=\"b\"><log/></sequence>",
        )
        .unwrap();
        fs::write(
            dir.path().join("a.XML"),
            "<sequence name=\"a\"><log/></sequence>",
        )
        .unwrap();
        fs::write(dir.path().join(".#a.xml"), "junk").unwrap();
        fs::write(dir.path().join("notes.txt"), "junk").unwrap();
        fs::write(dir.path().join("bad.xml"), [0xff, 0xfe]).unwrap();
        let registry = Registry::builder().builtin_mediators().build();
        let files = load_folder(&registry, dir.path()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| {
                Path::new(&**f.name())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["a.XML", "bad.xml", "b.xml"]);
        assert!(files[1].diagnostics[0].message.contains("not valid UTF-8"));
        assert!(!files[0].has_errors() && !files[2].has_errors());
    }
}

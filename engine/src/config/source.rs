//! A config file's text with a line index, and the per-file collector of diagnostics.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Diagnostic, Pos, Reported, Severity};

/// The text of one config file, indexed so byte offsets turn into line and column.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name diagnostics show: the path as the user gave it.
    pub name: Arc<str>,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Line and column (both 1-based, column in characters) of a byte offset.
    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let index = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&e| e - 1);
        self.text
            .get(start..end)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Collects every problem found in one file, so a user sees them all at once.
#[derive(Debug)]
pub struct Diagnostics {
    source: Arc<SourceFile>,
    items: Vec<Diagnostic>,
    /// Each quoted line is masked once, however many diagnostics point into it: a minified
    /// file is one long line, and masking it per diagnostic made deploys quadratic.
    masked_lines: HashMap<u32, Option<Arc<str>>>,
}

impl Diagnostics {
    pub fn new(source: Arc<SourceFile>) -> Self {
        Diagnostics {
            source,
            items: Vec::new(),
            masked_lines: HashMap::new(),
        }
    }

    pub fn source(&self) -> &Arc<SourceFile> {
        &self.source
    }

    pub fn push(&mut self, severity: Severity, pos: Pos, message: String, help: Option<String>) {
        // Diagnostics reach logs, the management API and CI output: credentials written into
        // the config are masked in the quoted line.
        let source = &self.source;
        let source_line = self
            .masked_lines
            .entry(pos.line)
            .or_insert_with(|| {
                source
                    .line_text(pos.line)
                    .map(|l| mask_config_secrets(l).into())
            })
            .clone();
        self.items.push(Diagnostic {
            severity,
            file: self.source.name.clone(),
            pos,
            message,
            help,
            source_line,
        });
    }

    /// Records an error and returns the marker that says so.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) -> Reported {
        self.push(Severity::Error, pos, message.into(), None);
        Reported
    }

    pub fn error_with_help(
        &mut self,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Reported {
        self.push(Severity::Error, pos, message.into(), Some(help.into()));
        Reported
    }

    pub fn warning(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Warning, pos, message.into(), None);
    }

    pub fn warning_with_help(
        &mut self,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(Severity::Warning, pos, message.into(), Some(help.into()));
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// The diagnostics in source order (stable for equal positions).
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| d.pos);
        self.items
    }
}

/// The closest candidate to `word` when it is plausibly a typo of it, for "did you mean" hints.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions, the most
/// common typo (`nmae` for `name`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// A config line with the values of secret-named attributes (`password="..."`), of `value`
/// next to a secret `name` (`<property name="clientSecret" value="..."/>`), and the text of
/// secret-named elements (`<accessToken>...</accessToken>`) masked.
pub fn mask_config_secrets(line: &str) -> String {
    use std::sync::LazyLock;
    // Everything masked below is named by a secret marker somewhere in the line; most lines
    // hold none, and this check is far cheaper than the two regex passes.
    if !crate::secrets::is_secret_name(line) {
        return line.to_string();
    }
    static ATTRIBUTE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r#"([A-Za-z_][\w.:-]*)(\s*=\s*)("[^"]*"|'[^']*')"#).expect("valid regex")
    });
    static ELEMENT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"<([A-Za-z_][\w.:-]*)>([^<]+)</([A-Za-z_][\w.:-]*)>")
            .expect("valid regex")
    });
    let secret_named = ATTRIBUTE
        .captures_iter(line)
        .any(|c| &c[1] == "name" && crate::secrets::is_secret_name(c[3].trim_matches(['"', '\''])));
    let masked = ATTRIBUTE.replace_all(line, |c: &regex::Captures<'_>| {
        let quoted = &c[3];
        let value = &quoted[1..quoted.len() - 1];
        let hide = crate::secrets::is_secret_name(&c[1]) || (secret_named && &c[1] == "value");
        if hide && !value.is_empty() && !value.starts_with('{') {
            let q = &quoted[..1];
            format!("{}{}{q}{}{q}", &c[1], &c[2], crate::secrets::mask(value))
        } else {
            c[0].to_string()
        }
    });
    ELEMENT
        .replace_all(&masked, |c: &regex::Captures<'_>| {
            let text = c[2].trim();
            let hide =
                c[1] == c[3] && crate::secrets::is_secret_name(&c[1]) && !text.starts_with('{');
            if hide {
                format!("<{}>{}</{}>", &c[1], crate::secrets::mask(text), &c[3])
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_quoted_config_lines_are_masked() {
        let table = [
            (
                r#"<property name="clientSecret" value="s3cr3tValue99" bogus="1"/>"#,
                r#"<property name="clientSecret" value="s3cr****" bogus="1"/>"#,
            ),
            (
                r#"<property name="id" value="plainValue123"/>"#,
                r#"<property name="id" value="plainValue123"/>"#,
            ),
            (
                r#"<address password='hunter2hunter2'/>"#,
                r#"<address password='hunt****'/>"#,
            ),
            (
                "<accessToken>UEGGabcdefghijkl</accessToken><x>keep</x>",
                "<accessToken>UEGG****</accessToken><x>keep</x>",
            ),
            (
                "<refreshToken>{$ctx:refresh}</refreshToken>",
                "<refreshToken>{$ctx:refresh}</refreshToken>",
            ),
        ];
        for (line, want) in table {
            assert_eq!(mask_config_secrets(line), want);
        }
    }

    use super::*;

    #[test]
    fn positions_are_one_based_in_characters() {
        let src = SourceFile::new("f.xml", "ab\nçd<x/>\n");
        assert_eq!(src.pos(0), Pos { line: 1, col: 1 });
        assert_eq!(src.pos(3), Pos { line: 2, col: 1 });
        // 'ç' is two bytes, one column.
        assert_eq!(src.pos(6), Pos { line: 2, col: 3 });
        assert_eq!(src.line_text(2), Some("çd<x/>"));
        assert_eq!(src.line_text(9), None);
    }

    #[test]
    fn closest_finds_typos_only() {
        let names = ["property", "respond", "send"];
        assert_eq!(closest("proprety", names), Some("property"));
        assert_eq!(closest("Respond", names), Some("respond"));
        assert_eq!(closest("xslt", names), None);
        assert_eq!(closest("nmae", ["name", "note"]), Some("name"));
    }

    #[test]
    fn diagnostics_sort_by_position() {
        let mut d = Diagnostics::new(Arc::new(SourceFile::new("f.xml", "a\nb\n")));
        d.error(Pos { line: 2, col: 1 }, "second");
        d.warning(Pos { line: 1, col: 1 }, "first");
        assert!(d.has_errors());
        let v = d.into_vec();
        assert_eq!(v[0].message, "first");
        assert_eq!(v[1].source_line.as_deref(), Some("b"));
    }

    #[test]
    fn every_diagnostic_on_a_line_quotes_it_masked() {
        let line = r#"<p password="hunter2hunter2"/><q/><r/>"#;
        let mut d = Diagnostics::new(Arc::new(SourceFile::new("f.xml", line)));
        for col in [1, 31, 35] {
            d.error(Pos { line: 1, col }, "bad");
        }
        let quoted: Vec<_> = d.into_vec().into_iter().map(|x| x.source_line).collect();
        let want: Option<Arc<str>> = Some(r#"<p password="hunt****"/><q/><r/>"#.into());
        assert_eq!(quoted, vec![want.clone(), want.clone(), want]);
    }
}

//! Errors of both halves of the engine.
//!
//! * Deploy time: [`Diagnostic`]s, collected per file by [`Diagnostics`], each pointing at
//!   `file:line:col` with the offending source line and an optional help line.
//! * Run time: [`MediationError`], tagged with who caused it (client, backend, engine) so the
//!   HTTP layer can pick the status, and with the Synapse `ERROR_CODE` a fault sequence reads.

use std::fmt::{self, Write as _};
use std::sync::Arc;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user named it (a path relative to where they pointed us).
    pub file: Arc<str>,
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
    /// The source line `pos` points into, kept so the diagnostic renders on its own.
    pub source_line: Option<Arc<str>>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders as the compiler-style block used by `validate` and the deploy log:
    ///
    /// ```text
    /// proxies/a.xml:3:9: error: unknown mediator <proprety>
    ///   3 |         <proprety name="x"/>
    ///     |         ^
    ///   = help: did you mean <property>?
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!(
            "{}:{}:{}: {}: {}",
            self.file,
            self.pos.line,
            self.pos.col,
            self.severity.as_str(),
            self.message
        );
        if let Some(line) = &self.source_line {
            let number = self.pos.line.to_string();
            let gutter = " ".repeat(number.len());
            let (shown, marker_col) = source_window(line, self.pos.col as usize);
            let _ = write!(out, "\n  {number} | {}", shown.trim_end());
            let _ = write!(out, "\n  {gutter} | {}^", " ".repeat(marker_col));
        }
        if let Some(help) = &self.help {
            let _ = write!(out, "\n  = help: {help}");
        }
        out
    }
}

/// The part of a source line worth showing, and the marker's 0-based offset in it. Long lines
/// (minified files) are cut to a window around the column, with `…` where text was cut. Tabs
/// show as single spaces so the marker lines up with the column count.
fn source_window(line: &str, col: usize) -> (String, usize) {
    const WIDTH: usize = 120;
    // Only the shown window is copied: a minified file is one long line, and every diagnostic
    // in it renders that line.
    let len = line.chars().count();
    let col = col.saturating_sub(1).min(len);
    let start = if len <= WIDTH {
        0
    } else {
        col.saturating_sub(WIDTH / 2)
    };
    let end = (start + WIDTH).min(len);
    let mut shown = String::new();
    let mut marker = col - start;
    if start > 0 {
        shown.push('…');
        marker += 1;
    }
    shown.extend(
        line.chars()
            .skip(start)
            .take(end - start)
            .map(|c| if c == '\t' { ' ' } else { c }),
    );
    if end < len {
        shown.push('…');
    }
    (shown, marker)
}

impl Diagnostic {
    /// The machine-readable form used by `validate --format json` and the management API.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": &*self.file,
            "line": self.pos.line,
            "column": self.pos.col,
            "severity": self.severity.as_str(),
            "message": self.message,
            "help": self.help,
            "sourceLine": self.source_line.as_deref(),
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// Marker returned by compile steps whose problems were already recorded in [`Diagnostics`].
/// Carrying no message keeps callers from reporting the same problem twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported;

/// The cause of a run-time failure, which decides the HTTP status class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    /// The request was at fault (4xx).
    Client,
    /// A backend could not be reached or misbehaved (502/504).
    Backend,
    /// A bug or a config problem only visible at run time (500).
    Internal,
}

/// Synapse's `ERROR_CODE` values that oxynapse produces (`SynapseConstants`).
pub mod codes {
    /// Generic mediator exception.
    pub const GENERIC: i64 = 0;
    /// Connection to the backend failed.
    pub const CONNECTION_FAILED: i64 = 101503;
    /// The backend did not answer in time.
    pub const TIMEOUT: i64 = 101504;
    /// The backend closed the connection.
    pub const CONNECTION_CLOSED: i64 = 101505;
    /// The backend's response could not be processed.
    pub const RESPONSE_PROCESSING: i64 = 101510;
    /// A mandatory template (connector) parameter has no value.
    pub const MISSING_PARAMETER: i64 = 500101;
    /// oxynapse's own: the outbound allow-list refused the backend's host (403).
    pub const BACKEND_NOT_ALLOWED: i64 = 403001;
}

/// A failure while mediating one message.
#[derive(Debug, Clone, PartialEq)]
pub struct MediationError {
    pub source: ErrorSource,
    /// The HTTP status the client gets when no fault sequence answers instead.
    pub status: u16,
    /// Synapse `ERROR_CODE`.
    pub code: i64,
    /// Short summary: the `error` field of the JSON body and `ERROR_MESSAGE`.
    pub message: String,
    /// Longer explanation: the `detail` field of the JSON body and `ERROR_DETAIL`.
    pub detail: String,
    /// Set once a fault sequence (or `onError` handler) has run for this error, so an outer
    /// handler does not run a second time.
    pub fault_handled: bool,
}

impl MediationError {
    fn new(source: ErrorSource, status: u16, code: i64, message: impl Into<String>) -> Self {
        MediationError {
            source,
            status,
            code,
            message: message.into(),
            detail: String::new(),
            fault_handled: false,
        }
    }

    /// 400: the request cannot be mediated as sent.
    pub fn client(message: impl Into<String>) -> Self {
        Self::new(ErrorSource::Client, 400, codes::GENERIC, message)
    }

    /// A client error with a specific 4xx status.
    pub fn client_status(status: u16, message: impl Into<String>) -> Self {
        Self::new(ErrorSource::Client, status, codes::GENERIC, message)
    }

    /// 502: the backend could not be reached or broke the exchange.
    pub fn backend(code: i64, message: impl Into<String>) -> Self {
        Self::new(ErrorSource::Backend, 502, code, message)
    }

    /// 504: the backend did not answer within the timeout.
    pub fn backend_timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorSource::Backend, 504, codes::TIMEOUT, message)
    }

    /// 503: the engine cannot serve this now (a stopped proxy).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorSource::Internal, 503, codes::GENERIC, message)
    }

    /// 500: something the client cannot fix.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorSource::Internal, 500, codes::GENERIC, message)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn with_code(mut self, code: i64) -> Self {
        self.code = code;
        self
    }

    /// The JSON body sent to the client: `{"error": ..., "detail": ...}`.
    pub fn to_json_body(&self) -> String {
        serde_json::json!({ "error": self.message, "detail": self.detail }).to_string()
    }
}

impl fmt::Display for MediationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.message, self.detail)
        }
    }
}

impl std::error::Error for MediationError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(help: Option<&str>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: "p.xml".into(),
            pos: Pos { line: 12, col: 5 },
            message: "unknown mediator <proprety>".into(),
            help: help.map(str::to_string),
            source_line: Some("\t   <proprety/>".into()),
        }
    }

    #[test]
    fn renders_location_snippet_and_help() {
        let text = diagnostic(Some("did you mean <property>?")).render();
        assert_eq!(
            text,
            "p.xml:12:5: error: unknown mediator <proprety>\n  12 |     <proprety/>\n     |     ^\n  = help: did you mean <property>?"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let mut d = diagnostic(None);
        d.source_line = Some(format!("{}<x/>{}", "a".repeat(500), "b".repeat(500)).into());
        d.pos = Pos { line: 1, col: 501 };
        let text = d.render();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].chars().count() < 140 && lines[1].contains("…a") && lines[1].ends_with("b…")
        );
        let marker = lines[2].find('^').unwrap();
        assert_eq!(lines[1].chars().nth(marker).unwrap(), '<');
    }

    #[test]
    fn error_body_is_json() {
        let e = MediationError::backend(codes::CONNECTION_FAILED, "backend unreachable")
            .with_detail("connection refused");
        assert_eq!(e.status, 502);
        let v: serde_json::Value = serde_json::from_str(&e.to_json_body()).unwrap();
        assert_eq!(v["error"], "backend unreachable");
        assert_eq!(v["detail"], "connection refused");
    }
}

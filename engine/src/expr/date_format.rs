//! Java `SimpleDateFormat` patterns, as used by `get-property('SYSTEM_DATE', 'yyyy-MM-dd')`.
//!
//! The pattern is translated once, at deploy time, into chrono format items; an unknown
//! pattern letter is a deploy error rather than a surprise at run time.

use chrono::{DateTime, TimeZone};

#[derive(Debug, Clone, PartialEq)]
pub struct DateFormat {
    /// chrono strftime text equivalent to the Java pattern.
    strftime: String,
}

/// Java's default `new SimpleDateFormat()` pattern in the US locale: `M/d/yy h:mm a`.
pub const JAVA_DEFAULT_PATTERN: &str = "M/d/yy h:mm a";

impl DateFormat {
    pub fn parse(pattern: &str) -> Result<DateFormat, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // '' is a literal quote; 'text' is literal text.
                if chars.get(i + 1) == Some(&'\'') {
                    out.push('\'');
                    i += 2;
                    continue;
                }
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '\'' {
                    push_literal(&mut out, chars[j]);
                    j += 1;
                }
                if j == chars.len() {
                    return Err(format!("unterminated quote in date format `{pattern}`"));
                }
                i = j + 1;
                continue;
            }
            if !c.is_ascii_alphabetic() {
                push_literal(&mut out, c);
                i += 1;
                continue;
            }
            let mut run = 1;
            while chars.get(i + run) == Some(&c) {
                run += 1;
            }
            out.push_str(&translate(c, run).ok_or_else(|| {
                format!("date format `{pattern}`: pattern letter `{c}` is not supported")
            })?);
            i += run;
        }
        let format = DateFormat { strftime: out };
        // Every item above formats; this keeps a pattern chrono cannot format from ever
        // reaching a request (where `to_string` on a failing format would panic).
        let sample = chrono::Utc.timestamp_opt(0, 0).unwrap();
        if format.try_format(&sample).is_none() {
            return Err(format!("date format `{pattern}` cannot be formatted"));
        }
        Ok(format)
    }

    pub fn format<Tz: TimeZone>(&self, at: &DateTime<Tz>) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        self.try_format(at).unwrap_or_default()
    }

    fn try_format<Tz: TimeZone>(&self, at: &DateTime<Tz>) -> Option<String>
    where
        Tz::Offset: std::fmt::Display,
    {
        use std::fmt::Write;
        let mut text = String::new();
        write!(text, "{}", at.format(&self.strftime)).ok()?;
        Some(text)
    }
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

/// A run of `count` copies of Java pattern letter `letter`, as strftime.
fn translate(letter: char, count: usize) -> Option<String> {
    let s = match (letter, count) {
        ('y' | 'Y', 2) => "%y",
        ('y' | 'Y', _) => "%Y",
        ('M' | 'L', 1) => "%-m",
        ('M' | 'L', 2) => "%m",
        ('M' | 'L', 3) => "%b",
        ('M' | 'L', _) => "%B",
        ('d', 1) => "%-d",
        ('d', _) => "%d",
        ('D', _) => "%j",
        ('H', 1) => "%-H",
        ('H', _) => "%H",
        ('k', _) => "%-H", // 1-24 in Java; close enough except at midnight
        ('h', 1) => "%-I",
        ('h', _) => "%I",
        ('K', _) => "%-I",
        ('m', 1) => "%-M",
        ('m', _) => "%M",
        ('s', 1) => "%-S",
        ('s', _) => "%S",
        ('S', 1..=3) => "%3f",
        ('S', _) => "%6f",
        ('E', 1..=3) => "%a",
        ('E', _) => "%A",
        ('u', _) => "%u",
        ('a', _) => "%p",
        ('z', _) => "%Z",
        ('Z', _) => "%z",
        // Java's `X` is the hours only (`-08`); chrono's `%#z` only parses, so formatting it fails.
        ('X', 1) => "%:::z",
        ('X', 2) => "%z",
        ('X', _) => "%:z",
        _ => return None,
    };
    Some(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2016, 5, 9, 16, 45, 8).unwrap() + chrono::Duration::milliseconds(7)
    }

    #[test]
    fn java_patterns_format_like_java() {
        let table = [
            ("yyyy-MM-dd'T'HH:mm:ss'Z'", "2016-05-09T16:45:08Z"),
            ("yyyy-MM-dd HH:mm:ss.SSS", "2016-05-09 16:45:08.007"),
            ("dd/MMM/yy", "09/May/16"),
            ("EEE, d MMMM yyyy h:mm a", "Mon, 9 May 2016 4:45 PM"),
            (JAVA_DEFAULT_PATTERN, "5/9/16 4:45 PM"),
            ("yyyyMMdd'%'Z", "20160509%+0000"),
            ("''H''", "'16'"),
            ("HH X", "16 +00"),
            ("XX XXX", "+0000 +00:00"),
        ];
        for (pattern, want) in table {
            assert_eq!(
                DateFormat::parse(pattern).unwrap().format(&at()),
                want,
                "{pattern}"
            );
        }
    }

    #[test]
    fn unknown_letters_and_open_quotes_are_errors() {
        assert!(DateFormat::parse("yyyy-qq").unwrap_err().contains("`q`"));
        assert!(DateFormat::parse("'open").is_err());
    }

    /// Found by the `expression` fuzz target: `X` was translated to chrono's `%#z`, which
    /// only parses, so `get-property('SYSTEM_DATE', 'X')` panicked on every request.
    #[test]
    fn every_accepted_pattern_formats_without_panicking() {
        for pattern in [
            "X",
            "yy\u{1b}X",
            "yyyy-MM-dd'T'HH:mm:ssX",
            JAVA_DEFAULT_PATTERN,
        ] {
            let format = DateFormat::parse(pattern).unwrap();
            let _ = format.format(&at());
            let _ = format.format(&chrono::Local::now());
        }
        assert_eq!(DateFormat::parse("X").unwrap().format(&at()), "+00");
    }
}

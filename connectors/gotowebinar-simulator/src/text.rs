//! Small text helpers: percent-decoding, query strings, JSON string escaping and the
//! input checks the API applies (64-bit keys, ISO-8601 times, e-mail addresses).
//!
//! Everything here works on bytes where slicing could split a character, so no input
//! can make it panic.

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`). A malformed escape is
/// kept literally, as lenient servers do. Invalid UTF-8 after decoding falls back to the
/// raw text, so a key such as `%FF` stays non-numeric and is rejected as a bad key.
pub(crate) fn decode(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_string())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a raw query string into decoded `(name, value)` pairs, in order.
pub(crate) fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name, true), decode(value, true))
        })
        .collect()
}

/// The first value of query parameter `name`, if present.
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `s` as a JSON string literal, quotes included.
pub(crate) fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// True when `s` is a non-negative 64-bit integer written in plain digits, the form every
/// key in the v1 API takes (`format: int64` in the swagger).
pub(crate) fn is_int64(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<i64>().is_ok()
}

/// Checks an ISO-8601 date-time such as `2015-07-13T10:00:00Z` (fractional seconds and a
/// `±HH:MM` offset are also accepted) and returns its `YYYY-MM-DDTHH:MM:SS` part, which
/// compares correctly as a string. The offset is not applied: the simulator only needs a
/// stable order, and every fixture time is UTC.
pub(crate) fn iso_datetime(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return None;
    }
    let num = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let ranges_ok = (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 61;
    if !ranges_ok {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let zone_ok = rest == b"Z"
        || rest == b"z"
        || (rest.len() == 6
            && (rest[0] == b'+' || rest[0] == b'-')
            && rest[1..3].iter().all(u8::is_ascii_digit)
            && rest[3] == b':'
            && rest[4..6].iter().all(u8::is_ascii_digit));
    // The first 19 bytes are ASCII (checked above), so this slice is on a char boundary.
    zone_ok.then(|| &s[..19])
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (registration dates of new registrants).
pub(crate) fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_unix(secs)
}

/// Formats seconds since the Unix epoch as an ISO-8601 UTC time (civil-from-days, after
/// Howard Hinnant's algorithm).
fn format_unix(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// 64-bit FNV-1a, used to derive a stable `ETag` from a response body.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_malformed_ones() {
        assert_eq!(
            decode("2015-05-09T16%3A45%3A58Z", false),
            "2015-05-09T16:45:58Z"
        );
        assert_eq!(decode("a+b", true), "a b");
        assert_eq!(decode("a+b", false), "a+b");
        assert_eq!(decode("100%", false), "100%");
        assert_eq!(decode("%4", false), "%4");
        assert_eq!(decode("%zz", false), "%zz");
        assert_eq!(decode("%FF", false), "%FF");
        assert_eq!(decode("%C3%A9", false), "é");
    }

    #[test]
    fn parses_query_strings() {
        let q = query_params(Some(
            "fromTime=2015-05-09T16%3A45%3A58Z&toTime=x&&flag&toTime=y",
        ));
        assert_eq!(param(&q, "fromTime"), Some("2015-05-09T16:45:58Z"));
        assert_eq!(param(&q, "toTime"), Some("x"));
        assert_eq!(param(&q, "flag"), Some(""));
        assert_eq!(param(&q, "missing"), None);
        assert!(query_params(None).is_empty());
    }

    #[test]
    fn checks_keys() {
        assert!(is_int64("6487648931392511233"));
        assert!(is_int64("2167614"));
        assert!(!is_int64(""));
        assert!(!is_int64("INVALID"));
        assert!(!is_int64("-1"));
        assert!(!is_int64("+1"));
        assert!(!is_int64("99999999999999999999"));
    }

    #[test]
    fn checks_times() {
        assert_eq!(
            iso_datetime("2015-07-13T10:00:00Z"),
            Some("2015-07-13T10:00:00")
        );
        assert_eq!(
            iso_datetime("2015-07-13T10:00:00.123Z"),
            Some("2015-07-13T10:00:00")
        );
        assert_eq!(
            iso_datetime("2015-07-13T10:00:00+02:00"),
            Some("2015-07-13T10:00:00")
        );
        for bad in [
            "INVALID",
            "",
            "2015-07-13",
            "2015-13-13T10:00:00Z",
            "2015-07-13T10:00:00",
            "2015-07-13T10:00:00.Z",
            "2015-07-13T10:00:00Zé",
            "é015-07-13T10:00:00Z",
        ] {
            assert_eq!(iso_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn checks_emails() {
        assert!(is_email("jane.doe@example.com"));
        for bad in [
            "INVALID",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@com.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn formats_unix_times() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_436_781_600), "2015-07-13T10:00:00Z");
        assert_eq!(format_unix(951_868_799), "2000-02-29T23:59:59Z");
        assert!(iso_datetime(&now_utc()).is_some());
    }

    #[test]
    fn escapes_json_strings() {
        assert_eq!(js("a\"b"), "\"a\\\"b\"");
    }
}

//! The outbound allow-list: which hosts and ports endpoints and connectors may call.
//!
//! Many WSO2 samples take the backend URL from the request (`apiUrl`), which makes an engine
//! that serves them as they are an open proxy. Operators close it with patterns:
//!
//! | pattern | allows |
//! |---|---|
//! | `api.getgo.com` | that host, any port |
//! | `api.getgo.com:443` | that host and port |
//! | `*.example.com` | every subdomain of example.com (not example.com itself) |
//! | `10.0.0.5:*`, `[::1]:8080` | an IP address, any port / one port |
//! | `*` | everything (the default when no pattern is given) |
//!
//! Host names compare without regard to case. A refused call never opens a connection.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Any,
    Exact(String),
    /// `*.example.com` is stored as `.example.com`.
    Subdomains(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPattern {
    host: HostMatch,
    port: Option<u16>,
}

/// The hosts backends may be called on. Empty: every host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    patterns: Vec<HostPattern>,
    /// The patterns as given, for messages.
    written: Vec<String>,
}

impl AllowList {
    /// Parses patterns; the error names the first one that is not a host pattern.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<AllowList, String> {
        let mut list = AllowList::default();
        for written in patterns {
            let written = written.as_ref().trim();
            list.patterns.push(parse_pattern(written)?);
            list.written.push(written.to_string());
        }
        Ok(list)
    }

    /// True when no pattern restricts anything.
    pub fn allows_everything(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn allows(&self, host: &str, port: u16) -> bool {
        if self.patterns.is_empty() {
            return true;
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.patterns.iter().any(|p| {
            let host_ok = match &p.host {
                HostMatch::Any => true,
                HostMatch::Exact(h) => *h == host,
                HostMatch::Subdomains(suffix) => host.ends_with(suffix.as_str()),
            };
            host_ok && p.port.is_none_or(|allowed| allowed == port)
        })
    }
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.written.is_empty() {
            f.write_str("*")
        } else {
            f.write_str(&self.written.join(", "))
        }
    }
}

fn parse_pattern(written: &str) -> Result<HostPattern, String> {
    let invalid = |why: &str| format!("`{written}` is not a backend pattern: {why}");
    if written.is_empty() {
        return Err(invalid("it is empty"));
    }
    if written.contains("://") || written.contains('/') {
        return Err(invalid("give a host or host:port, without scheme or path"));
    }
    let (host, port) = if let Some(rest) = written.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| invalid("an IPv6 address needs its closing `]`"))?;
        (inside.to_string(), after.strip_prefix(':'))
    } else {
        match written.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (written.to_string(), None),
        }
    };
    let port = match port {
        None | Some("*") => None,
        Some(p) => Some(
            p.parse::<u16>()
                .map_err(|_| invalid("the port must be a number or `*`"))?,
        ),
    };
    let host = host.to_ascii_lowercase();
    let host = if host == "*" {
        HostMatch::Any
    } else if let Some(suffix) = host.strip_prefix("*.") {
        if suffix.is_empty() || suffix.contains('*') {
            return Err(invalid("`*` may only stand for whole leading labels"));
        }
        HostMatch::Subdomains(format!(".{suffix}"))
    } else if host.contains('*') {
        return Err(invalid(
            "`*` may only stand for whole leading labels, as in *.example.com",
        ));
    } else if host.is_empty() {
        return Err(invalid("the host is empty"));
    } else {
        HostMatch::Exact(host)
    };
    Ok(HostPattern { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_hosts_and_ports() {
        let list = AllowList::parse(&[
            "api.getgo.com",
            "*.example.com:443",
            "10.0.0.5:*",
            "[::1]:8080",
        ])
        .unwrap();
        let table = [
            ("api.getgo.com", 443, true),
            ("API.GetGo.com", 8443, true),
            ("evil.getgo.com", 443, false),
            ("a.example.com", 443, true),
            ("a.b.example.com", 443, true),
            ("a.example.com", 80, false),
            ("example.com", 443, false),
            ("notexample.com", 443, false),
            ("10.0.0.5", 1, true),
            ("10.0.0.6", 1, false),
            ("[::1]", 8080, true),
            ("::1", 8081, false),
        ];
        for (host, port, want) in table {
            assert_eq!(list.allows(host, port), want, "{host}:{port}");
        }
        assert!(AllowList::default().allows("anything", 1));
        assert!(AllowList::parse(&["*"]).unwrap().allows("x", 2));
        assert_eq!(
            list.to_string(),
            "api.getgo.com, *.example.com:443, 10.0.0.5:*, [::1]:8080"
        );
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason() {
        for (pattern, why) in [
            ("", "empty"),
            ("http://x", "without scheme"),
            ("x:port", "number"),
            ("a.*.com", "leading labels"),
            ("[::1", "closing"),
            ("*.", "leading labels"),
        ] {
            let error = AllowList::parse(&[pattern]).unwrap_err();
            assert!(error.contains(why), "{pattern}: {error}");
        }
    }
}

//! Where a backend call goes: a plain `http://` URI for hyper (parsed by a fast path that
//! gives what the WHATWG parser gives, or steps aside), or any other URL for reqwest; and the
//! scheme, host and port that errors and logs may name (never the path or query: URLs can
//! carry tokens).

use http::Uri;

use crate::error::MediationError;

/// Where a request goes, parsed once.
pub(super) enum Destination {
    /// Plain HTTP, for hyper-util's client.
    Plain(Uri),
    /// Anything else (HTTPS), for reqwest.
    Other(reqwest::Url),
}

impl Destination {
    pub(super) fn parse(url: &str) -> Result<Destination, MediationError> {
        if let Some(uri) = plain_uri(url) {
            return Ok(Destination::Plain(uri));
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            MediationError::internal("invalid backend URL").with_detail(format!(
                "`{}` is not a valid URL: {e}",
                redacted_origin(url)
            ))
        })?;
        if parsed.scheme() == "http" {
            // What the WHATWG parser normalised (case, dot segments, escapes), hyper sends.
            let uri = parsed.as_str().parse::<Uri>().map_err(|e| {
                MediationError::internal("invalid backend request")
                    .with_detail(format!("request to {}: {e}", origin_of_url(&parsed)))
            })?;
            return Ok(Destination::Plain(uri));
        }
        Ok(Destination::Other(parsed))
    }

    /// `scheme://host:port`, for logs and error texts.
    pub(super) fn host_port(&self) -> (String, u16) {
        match self {
            Destination::Plain(uri) => (
                uri.host().unwrap_or_default().to_string(),
                uri.port_u16().unwrap_or(80),
            ),
            Destination::Other(url) => (
                url.host_str().unwrap_or_default().to_string(),
                url.port_or_known_default().unwrap_or(0),
            ),
        }
    }

    pub(super) fn origin(&self) -> String {
        match self {
            Destination::Plain(uri) => format!(
                "http://{}:{}",
                uri.host().unwrap_or("?"),
                uri.port_u16().unwrap_or(80)
            ),
            Destination::Other(url) => origin_of_url(url),
        }
    }
}

/// The URI of a plain `http://` URL that the WHATWG URL parser (reqwest's) would leave exactly
/// as it is, without running that parser: it was a tenth of the relay path's instructions.
/// Anything it might rewrite (upper-case, non-ASCII or IPv6 hosts, IPv4 shorthands, user info,
/// a default or zero-padded port, dot segments, characters it escapes) gives None and takes the
/// full parser.
pub fn plain_uri(url: &str) -> Option<Uri> {
    let rest = url.strip_prefix("http://")?;
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(end);
    let host = match authority.split_once(':') {
        Some((host, port)) => {
            let number = port.parse::<u16>().ok()?;
            if number == 80 || number == 0 || port.starts_with(['0', '+']) {
                return None;
            }
            host
        }
        None => authority,
    };
    // The WHATWG parser reads a host whose last label starts with a digit as IPv4 (and
    // normalises it), and checks punycode.
    let last_label = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let host_ok = if last_label.starts_with(|c: char| c.is_ascii_digit()) {
        host.parse::<std::net::Ipv4Addr>().is_ok()
    } else {
        !host.is_empty()
            && !host.contains("xn--")
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    };
    let odd = |b: u8| {
        !b.is_ascii_graphic()
            || matches!(
                b,
                b'"' | b'#' | b'<' | b'>' | b'`' | b'{' | b'}' | b'\\' | b'\''
            )
    };
    // Byte loops rather than str patterns: this runs for every connector call, whose URL
    // changes with its parameters, and the pattern searches were most of its cost.
    let path =
        &path_and_query.as_bytes()[..path_and_query.find('?').unwrap_or(path_and_query.len())];
    let dot_segment = path
        .split(|&b| b == b'/')
        .any(|segment| segment == b"." || segment == b"..")
        || path
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'2' && w[2] | 0x20 == b'e');
    // `http://host?q` has an empty path the WHATWG parser turns into `/`.
    let rooted = path_and_query.is_empty() || path_and_query.starts_with('/');
    if !host_ok || !rooted || dot_segment || path_and_query.bytes().any(odd) {
        return None;
    }
    url.parse().ok()
}

/// `scheme://host:port` of a URL, without path or query (they may hold secrets).
pub fn redacted_origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => origin_of_url(&u),
        Err(_) => "(invalid URL)".to_string(),
    }
}

pub(super) fn origin_of_url(u: &reqwest::Url) -> String {
    let host = u.host_str().unwrap_or("?");
    match u.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    }
}

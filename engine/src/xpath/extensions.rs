//! The pure Synapse extension functions (synapse-semantics.md §4.3), ready for the engine's
//! [`Resolver`](super::Resolver) to call: `base64Encode`, `base64Decode` and `url-encode`.
//! Functions that read the message (`get-property`, ...) belong to the engine.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{EvalError, Value};

/// Answers the pure extension functions by name; `None` for any other name. Arguments are
/// strings as in Synapse (node-sets arrive already converted by the evaluator). A wrong number
/// of arguments gives `""`, as Synapse does.
pub fn call_extension(name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
    let arg = |i: usize| args.get(i).map(Value::to_plain_string).unwrap_or_default();
    let charset = |i: usize| args.get(i).map(Value::to_plain_string);
    let result = match (name, args.len()) {
        ("base64Encode" | "base64Decode" | "url-encode", 0 | 3..) => Ok(String::new()),
        ("base64Encode", _) => base64_encode(&arg(0), charset(1).as_deref()),
        ("base64Decode", _) => base64_decode(&arg(0), charset(1).as_deref()),
        ("url-encode", _) => url_encode(&arg(0), charset(1).as_deref()),
        _ => return None,
    };
    Some(result.map(Value::String))
}

/// Text → bytes in a charset: UTF-8 (default), ISO-8859-1 or US-ASCII; unmappable characters
/// become `?` as in Java.
fn encode_charset(text: &str, charset: Option<&str>) -> Result<Vec<u8>, EvalError> {
    match normalize_charset(charset)? {
        Charset::Utf8 => Ok(text.as_bytes().to_vec()),
        Charset::Latin1 => Ok(text
            .chars()
            .map(|c| u8::try_from(c).unwrap_or(b'?'))
            .collect()),
        Charset::Ascii => Ok(text
            .chars()
            .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
            .collect()),
    }
}

fn decode_charset(bytes: &[u8], charset: Option<&str>) -> Result<String, EvalError> {
    match normalize_charset(charset)? {
        Charset::Utf8 => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Charset::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        Charset::Ascii => Ok(bytes
            .iter()
            .map(|&b| {
                if b.is_ascii() {
                    char::from(b)
                } else {
                    '\u{FFFD}'
                }
            })
            .collect()),
    }
}

enum Charset {
    Utf8,
    Latin1,
    Ascii,
}

fn normalize_charset(charset: Option<&str>) -> Result<Charset, EvalError> {
    let Some(name) = charset else {
        return Ok(Charset::Utf8);
    };
    match name.trim().to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" | "UTF8" => Ok(Charset::Utf8),
        "ISO-8859-1" | "ISO8859-1" | "LATIN1" => Ok(Charset::Latin1),
        "US-ASCII" | "ASCII" => Ok(Charset::Ascii),
        _ => Err(EvalError::new(format!(
            "unsupported charset `{name}`; supported are UTF-8, ISO-8859-1 and US-ASCII"
        ))),
    }
}

/// `base64Encode(text[, charset])`: standard alphabet with padding, no line breaks; `""` stays `""`.
pub fn base64_encode(text: &str, charset: Option<&str>) -> Result<String, EvalError> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let bytes = encode_charset(text, charset)?;
    Ok(STANDARD.encode(bytes))
}

/// `base64Decode(text[, charset])`, as lenient as commons-codec: characters outside both the
/// standard and URL-safe alphabets are skipped, decoding stops at `=`, and a dangling final
/// character is dropped. The result is trimmed (Java's `trim`), as Synapse does.
pub fn base64_decode(text: &str, charset: Option<&str>) -> Result<String, EvalError> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.chars() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => break,
            _ => continue,
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let decoded = decode_charset(&bytes, charset)?;
    Ok(decoded.trim_matches(|c: char| c <= ' ').to_string())
}

/// `url-encode(text[, charset])`: commons-httpclient's `URIUtil.encodePathQuery`. Before the
/// first `?` (the path) letters, digits, `-_.!~*'()` and `/ : @ & = $ , ;` stay as they are;
/// after it (the query) `+` and `?` stay too. Everything else becomes `%XX` of its bytes, so a
/// space is `%20` and a `+` in the path is `%2B`.
pub fn url_encode(text: &str, charset: Option<&str>) -> Result<String, EvalError> {
    let (path, query) = match text.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (text, None),
    };
    let mut out = escape(path, charset, b"-_.!~*'()/:@&=$,;")?;
    if let Some(query) = query {
        out.push('?');
        out.push_str(&escape(query, charset, b"-_.!~*'()/:@&=$,;+?")?);
    }
    Ok(out)
}

fn escape(text: &str, charset: Option<&str>, safe: &[u8]) -> Result<String, EvalError> {
    let mut out = String::with_capacity(text.len());
    for byte in encode_charset(text, charset)? {
        if byte.is_ascii_alphanumeric() || safe.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

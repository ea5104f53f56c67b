//! The pure extension functions: base64Encode, base64Decode, url-encode.

use super::super::{Value, base64_decode, base64_encode, call_extension, url_encode};

#[test]
fn base64_encode_table() {
    #[rustfmt::skip]
    let cases = [
        ("", None, ""),
        ("a", None, "YQ=="),
        ("ab", None, "YWI="),
        ("abc", None, "YWJj"),
        ("hello", None, "aGVsbG8="),
        ("héllo", None, "aMOpbGxv"),
        ("héllo", Some("UTF-8"), "aMOpbGxv"),
        ("héllo", Some("ISO-8859-1"), "aOlsbG8="),
        ("héllo", Some("us-ascii"), "aD9sbG8="),
        ("user:pass word", None, "dXNlcjpwYXNzIHdvcmQ="),
        ("\u{FB}\u{FF}", Some("latin1"), "+/8="),
    ];
    for (text, charset, expected) in cases {
        assert_eq!(
            base64_encode(text, charset).unwrap(),
            expected,
            "{text:?} {charset:?}"
        );
    }
    let long = "x".repeat(100);
    assert!(!base64_encode(&long, None).unwrap().contains('\n'));
}

#[test]
fn base64_decode_table() {
    #[rustfmt::skip]
    let cases = [
        ("", None, ""),
        ("YQ==", None, "a"),
        ("aGVsbG8=", None, "hello"),
        ("aGVsbG8", None, "hello"),
        ("aGVs\r\nbG8=", None, "hello"),
        ("aGVs bG8=", None, "hello"),
        ("aMOpbGxv", None, "héllo"),
        ("aOlsbG8=", Some("ISO-8859-1"), "héllo"),
        ("IGhpIA==", None, "hi"),
        ("+/8=", Some("ISO-8859-1"), "\u{FB}\u{FF}"),
        ("-_8", Some("ISO-8859-1"), "\u{FB}\u{FF}"),
        ("//8=", None, "\u{FFFD}\u{FFFD}"),
        ("YQ==garbage", None, "a"),
        ("Y", None, ""),
        ("!!!", None, ""),
    ];
    for (text, charset, expected) in cases {
        assert_eq!(
            base64_decode(text, charset).unwrap(),
            expected,
            "{text:?} {charset:?}"
        );
    }
}

#[test]
fn url_encode_table() {
    #[rustfmt::skip]
    let cases = [
        ("", ""),
        ("abc-_.!~*'()", "abc-_.!~*'()"),
        ("a b", "a%20b"),
        ("/path/to:x@y&z=1$,;", "/path/to:x@y&z=1$,;"),
        ("a+b", "a%2Bb"),
        ("/p?q=a b&x=1+2", "/p?q=a%20b&x=1+2"),
        ("a?b?c/d", "a?b?c/d"),
        ("é", "%C3%A9"),
        ("100%", "100%25"),
        ("#frag", "%23frag"),
        ("<\"{}|\\^`>", "%3C%22%7B%7D%7C%5C%5E%60%3E"),
        ("line\nbreak", "line%0Abreak"),
    ];
    for (text, expected) in cases {
        assert_eq!(url_encode(text, None).unwrap(), expected, "{text:?}");
    }
    assert_eq!(url_encode("é", Some("ISO-8859-1")).unwrap(), "%E9");
}

#[test]
fn charsets_and_argument_counts() {
    assert!(base64_encode("x", Some("EBCDIC")).is_err());
    assert!(base64_decode("eA==", Some("nope")).is_err());
    assert!(url_encode("x", Some("nope")).is_err());
    let s = |v: &str| Value::String(v.into());
    let call = |name: &str, args: &[Value]| call_extension(name, args).map(|r| r.unwrap());
    assert_eq!(call("base64Encode", &[s("hi")]), Some(s("aGk=")));
    assert_eq!(
        call("base64Encode", &[s("hé"), s("ISO-8859-1")]),
        Some(s("aOk="))
    );
    assert_eq!(call("base64Decode", &[s("aGk=")]), Some(s("hi")));
    assert_eq!(call("url-encode", &[s("a b")]), Some(s("a%20b")));
    assert_eq!(
        call("base64Encode", &[Value::Number(12.0)]),
        Some(s("MTI="))
    );
    assert_eq!(call("base64Encode", &[Value::Null]), Some(s("")));
    // Synapse answers "" to a wrong number of arguments
    assert_eq!(call("base64Encode", &[]), Some(s("")));
    assert_eq!(
        call("url-encode", &[s("a"), s("UTF-8"), s("x")]),
        Some(s(""))
    );
    assert_eq!(call("get-property", &[s("a")]), None);
    assert!(
        call_extension("base64Encode", &[s("x"), s("bad")])
            .unwrap()
            .is_err()
    );
}

//! Compile errors: one line per case, with the byte offset and a fragment of the message.

use super::super::XPath;
use super::namespaces;

#[test]
fn parse_errors_table() {
    let ns = namespaces();
    #[rustfmt::skip]
    let cases = [
        ("", 0, "the expression is empty"),
        ("   ", 0, "the expression is empty"),
        ("1 +", 3, "ends too early"),
        ("(1", 2, "expected `)` to close the `(` at offset 0"),
        ("(1 2)", 3, "expected `)` to close the `(` at offset 0"),
        ("//a[", 4, "ends too early"),
        ("//a[1", 5, "expected `]` to close the predicate opened at offset 3"),
        ("a]", 1, "unexpected `]`"),
        ("1)", 1, "unexpected `)`"),
        ("foo::a", 0, "unknown axis `foo`; axes are ancestor"),
        ("child:a", 0, "namespace prefix `child` is not declared"),
        ("q:a", 0, "namespace prefix `q` is not declared"),
        ("//a/@q:b", 5, "namespace prefix `q` is not declared"),
        ("q:*", 0, "namespace prefix `q` is not declared"),
        ("concat('a')", 0, "concat() takes at least 2 argument(s), not 1"),
        ("count()", 0, "count() takes 1 argument(s), not 0"),
        ("substring('a')", 0, "substring() takes 2 to 3 argument(s), not 1"),
        ("x + true(1)", 4, "true() takes 0 argument(s), not 1"),
        ("fn:count(1, 2)", 0, "count() takes 1 argument(s)"),
        ("1 foo", 2, "expected an operator (and, or, div, mod, =, +, ...) but found `foo`"),
        ("'abc", 0, "string literal is missing its closing '"),
        ("\"abc", 0, "missing its closing \""),
        ("a/", 2, "expected a node test, found the end of the expression"),
        ("a//", 3, "expected a node test"),
        ("/a/[1]", 3, "expected a node test, found `[`"),
        ("@", 1, "expected a node test"),
        ("@1", 1, "expected a node test, found the number 1"),
        ("$", 0, "`$` must be followed by a variable name"),
        ("$1", 0, "`$` must be followed by a variable name"),
        ("#", 0, "unexpected character `#`"),
        ("a ! b", 2, "unexpected character `!`"),
        ("f(1,)", 4, "expected an expression, found `)`"),
        ("f(1 2)", 4, "expected `,` or `)` in the argument list"),
        ("f(1", 3, "expected `,` or `)` in the argument list"),
        ("child::", 7, "expected a node test"),
        ("child::()", 7, "expected a node test, found `(`"),
        ("1 = = 2", 4, "expected an expression, found `=`"),
        ("processing-instruction(1)", 23, "expected `)`"),
        ("text(1)", 5, "expected `)`"),
        ("node(", 5, "expected `)`"),
        ("//", 2, "expected a node test"),
        ("//g/string()", 4, "expected a node test, found `string`"),
        ("$a/1", 3, "expected a node test, found the number 1"),
        ("..[1]", 2, "unexpected `[`"),
        ("a |", 3, "ends too early"),
        ("-", 1, "ends too early"),
        ("[1]", 0, "expected an expression, found `[`"),
        ("a::b", 0, "unknown axis `a`"),
        ("child::a::b", 7, "expected a node test, found `a`"),
        ("a/b c", 4, "expected an operator"),
    ];
    for (text, offset, fragment) in cases {
        let error = XPath::compile(text, &ns)
            .err()
            .unwrap_or_else(|| panic!("`{text}` compiled"));
        assert!(
            error.message.contains(fragment),
            "`{text}`: {}",
            error.message
        );
        assert_eq!(error.offset, offset, "`{text}`: {}", error.message);
    }
}

#[test]
fn undeclared_prefixes_come_with_help() {
    let error = XPath::compile("//m:order", &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "namespace prefix `m` is not declared (at offset 2)"
    );
    assert!(error.help.unwrap().contains("xmlns"));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let limit = super::super::parser::MAX_DEPTH;
    let nested = |open: &str, close: &str, n: usize| open.repeat(n) + "1" + &close.repeat(n);
    let deep = [
        nested("(", ")", 100_000),
        nested("-", "", 100_000),
        nested("concat(1,", ")", 10_000),
        nested("a[", "]", 10_000),
        nested("(1+", ")", 10_000),
        "1".to_string() + &"+1".repeat(100_000),
        "1".to_string() + &" or 1".repeat(100_000),
        "a".to_string() + &"|a".repeat(100).repeat(3) + &"[1]".repeat(10),
        nested("(", ")", limit + 1),
    ];
    for text in &deep[..deep.len() - 2] {
        let error = XPath::compile(text, &[]).unwrap_err();
        assert!(
            error.message.contains("nested more than"),
            "{}",
            error.message
        );
    }
    // Long but flat expressions are fine: unions, predicates in a row and path steps.
    assert!(XPath::compile(&deep[7], &[]).is_ok());
    assert!(XPath::compile(&("a".to_string() + &"/a".repeat(10_000)), &[]).is_ok());
    assert!(XPath::compile(&nested("(", ")", limit - 2), &[]).is_ok());
    assert!(XPath::compile(&deep[8], &[]).is_err());
}

#[test]
fn the_deepest_accepted_expressions_evaluate() {
    let n = super::super::parser::MAX_DEPTH - 2;
    let nested = |open: &str, close: &str| open.repeat(n) + "1" + &close.repeat(n);
    let d = super::doc(super::SAMPLE);
    let cases = [
        (nested("(", ")"), "1"),
        (
            nested("-", ""),
            if n.is_multiple_of(2) { "1" } else { "-1" },
        ),
        (nested("concat(1,", ")"), &"1".repeat(n + 1)),
        // each level is a parenthesis and a `+`: two levels of tree depth
        (
            "(1+".repeat(n / 2) + "1" + &")".repeat(n / 2),
            &(n / 2 + 1).to_string(),
        ),
        ("name(".to_string() + &nested("self::*[", "]") + ")", "r"),
        (nested("substring-after(", ", '')"), "1"),
        ("1".to_string() + &" + 1".repeat(n - 1), &n.to_string()),
    ];
    for (text, expected) in &cases {
        assert_eq!(super::string(&d, text), *expected, "{}…", &text[..20]);
    }
}

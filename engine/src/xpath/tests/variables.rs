//! Synapse variables and functions through the [`Resolver`]: `$ctx:x`, `$trp:x`, null
//! semantics, `$body`/`$header`/`$env`, `get-property(...)`, prefixed function names.

use super::super::{Document, EvalError, NoResolver, NodeId, Value, XPath};
use super::{TestResolver, doc, namespaces, string};

const ENVELOPE: &str = "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>\
    <soapenv:Header><h>hv</h></soapenv:Header><soapenv:Body><order><id>7</id></order></soapenv:Body>\
    </soapenv:Envelope>";

#[test]
fn variables_and_null_semantics() {
    let d = doc(ENVELOPE);
    #[rustfmt::skip]
    let cases = [
        ("$ctx:a", "1"),
        ("$trp:Content-Type", "application/json"),
        ("$x", "plain"),
        ("$ctx:number + 1", "4"),
        ("$ctx:flag", "true"),
        ("$ctx:a = '1'", "true"),
        ("$ctx:num > 5", "true"),
        ("$ctx:num = 10", "true"),
        ("boolean($ctx:a) and not($ctx:b = '')", "true"),
        ("boolean($ctx:empty)", "false"),
        ("$ctx:empty = ''", "true"),
        // a missing property is null: false in every comparison, "" and NaN in expressions
        ("$ctx:missing", "null"),
        ("$ctx:missing = ''", "false"),
        ("$ctx:missing != ''", "false"),
        ("$ctx:missing = $ctx:missing", "false"),
        ("$ctx:missing < 1", "false"),
        ("not($ctx:missing = '')", "true"),
        ("boolean($ctx:missing)", "false"),
        ("boolean($ctx:a) and not($ctx:missing = '')", "true"),
        ("concat('a', $ctx:missing, 'b')", "ab"),
        ("string-length($ctx:missing)", "0"),
        ("$ctx:missing + 1", "NaN"),
        ("count($ctx:missing)", "0"),
        ("count($ctx:missing/x)", "0"),
        ("count($ctx:missing | $body)", "1"),
        // the envelope variables
        ("local-name($body)", "Body"),
        ("local-name($header)", "Header"),
        ("local-name($env)", "Envelope"),
        ("$body/order/id", "7"),
        ("$header/h", "hv"),
        ("count($env/*)", "2"),
        ("$body/order/id + 1", "8"),
        ("count(//id)", "1"),
        ("/soapenv:Envelope/soapenv:Body/order/id", "7"),
        // extension functions
        ("get-property('a')", "1"),
        ("get-property('default', 'b')", "x"),
        ("get-property('missing')", "null"),
        ("concat(get-property('a'), '-', $ctx:b)", "1-x"),
        ("echo(//id)", "7"),
        ("echo(//missing)", ""),
        ("wso2:echo('prefixed')", "prefixed"),
        ("undeclared:echo('no namespace')", "no namespace"),
        ("fn:concat('a', 'b')", "ab"),
        ("nope:concat('a', 'b')", "ab"),
        ("base64Encode('hi')", "aGk="),
        ("base64Decode(base64Encode($ctx:b))", "x"),
        ("url-encode(concat('a b', '?q=', 'c d'))", "a%20b?q=c%20d"),
    ];
    for (expr, expected) in cases {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
}

#[test]
fn envelope_variables_need_an_envelope() {
    let d = doc("<plain><x/></plain>");
    for (expr, expected) in [
        ("count($body)", "0"),
        ("count($header)", "0"),
        ("count($env)", "0"),
    ] {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
    let json = Document::from_json(&serde_json::json!({"a": 1}));
    assert_eq!(string(&json, "count($header)"), "0");
    assert_eq!(string(&json, "$body/jsonObject/a"), "1");
}

#[test]
fn evaluation_errors() {
    let d = doc(ENVELOPE);
    let ns = namespaces();
    #[rustfmt::skip]
    let cases = [
        ("unknown-fn(1)", "unknown XPath function `unknown-fn()`"),
        ("wso2:unknown()", "unknown XPath function `wso2:unknown()`"),
        ("fail()", "failed on purpose"),
        ("count('x')", "count() needs a node-set, but got a string"),
        ("sum(1)", "sum() needs a node-set, but got a number"),
        ("local-name('x')", "local-name() needs a node-set, but got a string"),
        ("'x'/a", "`/` needs a node-set, but got a string"),
        ("(1)[1]", "a predicate needs a node-set, but got a number"),
        ("//a | 'x'", "`|` needs a node-set, but got a string"),
        ("$ctx:bad-node", "not in the document"),
        ("concat('a', unknown())", "unknown XPath function"),
    ];
    for (expr, fragment) in cases {
        let xpath = XPath::compile(expr, &ns).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let error: EvalError = xpath.evaluate(&d, d.root(), &TestResolver).unwrap_err();
        assert!(
            error.message.contains(fragment),
            "{expr}: {}",
            error.message
        );
    }
    let xpath = XPath::compile("1", &[]).unwrap();
    let outside = NodeId::at(d.len() as u32);
    assert!(xpath.evaluate(&d, outside, &NoResolver).is_err());
}

#[test]
fn no_resolver_knows_only_the_pure_functions() {
    let d = doc(ENVELOPE);
    let eval = |expr: &str| {
        XPath::compile(expr, &[])
            .unwrap()
            .evaluate(&d, d.root(), &NoResolver)
    };
    assert_eq!(eval("$ctx:a").unwrap(), Value::Null);
    assert_eq!(
        eval("base64Encode('a')").unwrap(),
        Value::String("YQ==".into())
    );
    assert!(eval("get-property('a')").is_err());
}

#[test]
fn compiled_expressions_list_their_extension_functions() {
    let ns = namespaces();
    let xpath = XPath::compile(
        "concat(get-property('a'), //x[url-encode(.)], -wso2:vault-lookup('k'), fn:concat('a', 'b'), get-property('b'))",
        &ns,
    )
    .unwrap();
    assert_eq!(
        xpath.extension_functions(),
        ["get-property", "url-encode", "wso2:vault-lookup"]
    );
    assert!(xpath.as_str().starts_with("concat(get-property"));
}

//! XPath over the JSON view (synapse-semantics.md §4.4), and Synapse's string of the results.

use super::super::{Document, NoResolver, XPath};

const PAYLOAD: &str = r#"{
    "order": {"id": "A-1", "total": 12.50, "paid": true, "note": null, "big": 9007199254740993},
    "items": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 3}],
    "tags": ["only"],
    "matrix": [[1, 2], [3]],
    "$schema": "s",
    "2fa": "on",
    "empty": {},
    "none": []
}"#;

fn synapse(doc: &Document, expr: &str) -> Option<String> {
    XPath::compile(expr, &[])
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .string_value_of(doc, &NoResolver)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
}

#[test]
fn json_view_through_xpath() {
    let json: serde_json::Value = serde_json::from_str(PAYLOAD).unwrap();
    let doc = Document::from_json(&json);
    #[rustfmt::skip]
    let cases = [
        ("$body/jsonObject/order/id", "A-1"),
        ("//order/id", "A-1"),
        ("//total", "12.50"),
        ("//total * 2", "25.0"),
        ("//big", "9007199254740993"),
        ("//paid", "true"),
        ("//paid = 'true'", "true"),
        ("boolean(//paid)", "true"),
        ("//note", "<note/>"),
        ("count(//note/node())", "0.0"),
        ("count(//items)", "2.0"),
        ("//items[2]/sku", "y"),
        ("sum(//items/qty)", "5.0"),
        ("//items[qty > 2]/sku", "y"),
        ("count(//tags)", "1.0"),
        ("//tags", "only"),
        ("//tags[1]", "only"),
        ("count(//matrix)", "2.0"),
        ("count(//matrix/jsonArray/jsonElement)", "3.0"),
        ("//matrix[2]/jsonArray/jsonElement", "3"),
        ("//_JsonReader_PS_schema", "s"),
        ("//_JsonReader_PD_2fa", "on"),
        ("//empty/jsonEmpty", "_JsonScanner_EMPTY_OBJECT"),
        ("count(//none)", "0.0"),
        ("local-name(/*)", "Envelope"),
        ("local-name($body/*)", "jsonObject"),
        ("concat(//order/id, ':', //items[1]/sku)", "A-1:x"),
        ("//items[1]", "<items><sku>x</sku><qty>2</qty></items>"),
    ];
    for (expr, expected) in cases {
        assert_eq!(synapse(&doc, expr).as_deref(), Some(expected), "{expr}");
    }
}

#[test]
fn root_arrays_and_primitives() {
    let cases = [
        (r#"[{"a":1},{"a":2}]"#, "count(//jsonElement)", "2.0"),
        (r#"[{"a":1},{"a":2}]"#, "//jsonElement[2]/a", "2"),
        (r#"[1]"#, "$body/jsonArray/jsonElement", "1"),
        (r#"[[]]"#, "count(//jsonArray)", "2.0"),
        (r#""text""#, "$body/jsonValue", "text"),
        (r#"3.10"#, "$body/jsonValue", "3.10"),
        (r#"null"#, "count($body/jsonValue/node())", "0.0"),
        (r#"{}"#, "count($body/jsonObject/*)", "1.0"),
    ];
    for (json, expr, expected) in cases {
        let doc = Document::from_json(&serde_json::from_str(json).unwrap());
        assert_eq!(
            synapse(&doc, expr).as_deref(),
            Some(expected),
            "{json} {expr}"
        );
    }
}

#[test]
fn json_deeper_than_the_limit_is_cut_off_not_overflowed() {
    let mut json = serde_json::json!("leaf");
    for _ in 0..10_000 {
        let mut map = serde_json::Map::new();
        map.insert("k".into(), json);
        json = serde_json::Value::Object(map);
    }
    let doc = Document::from_json(&json);
    assert_eq!(synapse(&doc, "count(//k) > 100").as_deref(), Some("true"));
    assert_eq!(synapse(&doc, "count(//k) < 200").as_deref(), Some("true"));
    // serde_json's own Drop of such a value is recursive; leak it rather than test that.
    std::mem::forget(json);
}

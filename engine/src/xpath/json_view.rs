//! The XML view of a JSON payload, as Synapse builds it (synapse-semantics.md §4.4).
//!
//! * object → `<jsonObject>…</jsonObject>`, array → `<jsonArray><?xml-multiple jsonElement?>
//!   <jsonElement>…</jsonElement>…</jsonArray>`, primitive → `<jsonValue>text</jsonValue>`
//! * an array inside an object repeats the key: `{"b":[1,2]}` → `<?xml-multiple b?><b>1</b>
//!   <b>2</b>`; an array directly inside an array becomes `<jsonArray>` again
//! * `{}` → `<jsonEmpty>_JsonScanner_EMPTY_OBJECT</jsonEmpty>` inside its element, as §4.4
//!   says. (WSO2's own `BuilderFormatterTest` has those cases disabled because the scanner
//!   stopped emitting `jsonEmpty`; if that is confirmed, `{}` becomes an empty element.)
//! * `null` → an empty element; numbers keep their text (`1.50` stays `1.50`)
//! * a key starting with a digit gets `_JsonReader_PD_` (`2a` → `_JsonReader_PD_2a`), one
//!   starting with `$` has the `$` replaced by `_JsonReader_PS_`
//!
//! The view lives in the Body of a SOAP 1.1 envelope, so `$body/jsonObject/x` and `//x` work.
//! It is only ever read: oxynapse never turns it back into the JSON it sends.

use serde_json::Value as Json;

use super::soap::open_envelope;
use super::tree::{Builder, Document, Name};

pub const EMPTY_OBJECT_TAG: &str = "jsonEmpty";
pub const EMPTY_OBJECT_TEXT: &str = "_JsonScanner_EMPTY_OBJECT";

/// Deeper JSON than this is cut off (its deepest values become empty elements), so that the
/// recursive walk stays bounded; serde_json's parser refuses deeper input anyway.
const MAX_DEPTH: usize = 128;

impl Document {
    /// Builds the XML view of a JSON payload inside a SOAP 1.1 envelope.
    pub fn from_json(json: &Json) -> Document {
        let mut builder = Builder::new();
        open_envelope(&mut builder);
        match json {
            Json::Object(_) => element(&mut builder, "jsonObject", json, 0),
            Json::Array(_) => content(&mut builder, json, 0),
            _ => element(&mut builder, "jsonValue", json, 0),
        }
        builder.finish()
    }
}

fn plain(local: &str) -> Name {
    Name {
        local: local.to_string(),
        ..Name::default()
    }
}

/// The element name Synapse gives an object key.
pub fn element_name(key: &str) -> String {
    if let Some(rest) = key.strip_prefix('$') {
        format!("_JsonReader_PS_{rest}")
    } else if key.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_JsonReader_PD_{key}")
    } else {
        key.to_string()
    }
}

/// `<name>` holding a value that is not an array.
fn element(builder: &mut Builder, name: &str, value: &Json, depth: usize) {
    builder.start_element(plain(name), Vec::new());
    content(builder, value, depth + 1);
    builder.end_element();
}

/// What goes inside the element of a value.
fn content(builder: &mut Builder, value: &Json, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Json::Null => {}
        Json::Bool(b) => builder.text(if *b { "true" } else { "false" }),
        Json::Number(n) => builder.text(&n.to_string()),
        Json::String(s) => builder.text(s),
        Json::Object(map) if map.is_empty() => {
            builder.start_element(plain(EMPTY_OBJECT_TAG), Vec::new());
            builder.text(EMPTY_OBJECT_TEXT);
            builder.end_element();
        }
        Json::Object(map) => {
            for (key, item) in map {
                let name = element_name(key);
                if let Json::Array(items) = item {
                    builder.processing_instruction("xml-multiple", &name);
                    for item in items {
                        element(builder, &name, item, depth);
                    }
                } else {
                    element(builder, &name, item, depth);
                }
            }
        }
        // An array nested directly in an array, or the root array.
        Json::Array(_) => {
            builder.start_element(plain("jsonArray"), Vec::new());
            array_items(builder, value, depth);
            builder.end_element();
        }
    }
}

fn array_items(builder: &mut Builder, array: &Json, depth: usize) {
    builder.processing_instruction("xml-multiple", "jsonElement");
    if let Json::Array(items) = array {
        for item in items {
            element(builder, "jsonElement", item, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serialized view without the envelope.
    fn view(json: &str) -> String {
        let json: Json = serde_json::from_str(json).unwrap();
        let doc = Document::from_json(&json);
        doc.to_xml(doc.payload().unwrap())
    }

    #[test]
    fn json_as_xml_table() {
        let cases = [
            (r#"{"a":"x"}"#, "<jsonObject><a>x</a></jsonObject>"),
            (
                r#"{"n":1.50,"big":9007199254740993}"#,
                "<jsonObject><n>1.50</n><big>9007199254740993</big></jsonObject>",
            ),
            (
                r#"{"t":true,"f":false,"z":null}"#,
                "<jsonObject><t>true</t><f>false</f><z/></jsonObject>",
            ),
            (
                r#"{"b":[1,2]}"#,
                "<jsonObject><?xml-multiple b?><b>1</b><b>2</b></jsonObject>",
            ),
            (
                r#"{"one":[7]}"#,
                "<jsonObject><?xml-multiple one?><one>7</one></jsonObject>",
            ),
            (r#"{"e":[]}"#, "<jsonObject><?xml-multiple e?></jsonObject>"),
            (
                r#"{"array":[[1,2]]}"#,
                "<jsonObject><?xml-multiple array?><array><jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement><jsonElement>2</jsonElement></jsonArray></array></jsonObject>",
            ),
            (
                r#"[1]"#,
                "<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement></jsonArray>",
            ),
            (
                r#"[null,{"k":1}]"#,
                "<jsonArray><?xml-multiple jsonElement?><jsonElement/><jsonElement><k>1</k></jsonElement></jsonArray>",
            ),
            (
                r#"[[],[3]]"#,
                "<jsonArray><?xml-multiple jsonElement?><jsonElement><jsonArray><?xml-multiple jsonElement?></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple jsonElement?><jsonElement>3</jsonElement></jsonArray></jsonElement></jsonArray>",
            ),
            (r#""hi""#, "<jsonValue>hi</jsonValue>"),
            (r#"42"#, "<jsonValue>42</jsonValue>"),
            (
                r#"{}"#,
                "<jsonObject><jsonEmpty>_JsonScanner_EMPTY_OBJECT</jsonEmpty></jsonObject>",
            ),
            (
                r#"{"v":{}}"#,
                "<jsonObject><v><jsonEmpty>_JsonScanner_EMPTY_OBJECT</jsonEmpty></v></jsonObject>",
            ),
            (
                r#"{"$schema":"U","12X":"d","_ok":1}"#,
                "<jsonObject><_JsonReader_PS_schema>U</_JsonReader_PS_schema><_JsonReader_PD_12X>d</_JsonReader_PD_12X><_ok>1</_ok></jsonObject>",
            ),
            (
                r#"{"s":"a<b&c"}"#,
                "<jsonObject><s>a&lt;b&amp;c</s></jsonObject>",
            ),
            (
                r#"{"o":{"p":{"q":"deep"}}}"#,
                "<jsonObject><o><p><q>deep</q></p></o></jsonObject>",
            ),
        ];
        for (json, xml) in cases {
            assert_eq!(view(json), xml, "{json}");
        }
    }

    #[test]
    fn the_view_sits_in_a_soap_body() {
        let doc = Document::from_json(&serde_json::json!({"a": 1}));
        assert_eq!(
            doc.to_xml(doc.root()),
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
             <soapenv:Body><jsonObject><a>1</a></jsonObject></soapenv:Body></soapenv:Envelope>"
        );
    }
}

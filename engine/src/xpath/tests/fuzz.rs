//! No input may panic: garbage for the parser and the XML reader, random well-formed
//! expressions for the evaluator. A fixed-seed generator keeps every run identical.

use super::super::{Document, NoResolver, XPath, synapse_string};
use super::{SAMPLE, TestResolver, doc, namespaces};

/// xorshift64*: small, deterministic, good enough to shuffle test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "/",
    "//",
    ".",
    "..",
    "@",
    "*",
    "(",
    ")",
    "[",
    "]",
    ",",
    "|",
    "+",
    "-",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "::",
    ":",
    "$",
    "'",
    "\"",
    " ",
    "a",
    "b",
    "p:",
    "and",
    "or",
    "div",
    "mod",
    "1",
    "2.5",
    ".5",
    "child",
    "ancestor",
    "following",
    "text()",
    "node()",
    "comment()",
    "concat(",
    "count(",
    "substring(",
    "last()",
    "position()",
    "$ctx:a",
    "$body",
    "'x'",
    "é",
    "\u{0}",
    "#",
    "processing-instruction(",
    "namespace::",
    "fn:",
    "get-property(",
    "}",
    "{",
    "\\",
];

#[test]
fn garbage_never_panics_the_parser_or_the_evaluator() {
    let d = doc(SAMPLE);
    let ns = namespaces();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut compiled = 0;
    for _ in 0..4000 {
        let len = 1 + rng.below(12);
        let text: String = (0..len).map(|_| rng.pick(PIECES)).collect();
        if let Ok(xpath) = XPath::compile(&text, &ns) {
            compiled += 1;
            if let Ok(value) = xpath.evaluate(&d, d.root(), &TestResolver) {
                let _ = synapse_string(&value, &d);
            }
            let _ = xpath.string_value_of(&d, &NoResolver);
        }
    }
    assert!(compiled > 100, "only {compiled} random inputs compiled");
    // Every prefix of a valid expression, cut at any byte (char boundaries only).
    let text = "concat(//a[@id='1']/b, substring-after($ctx:a, 'x'), count(ancestor::*[2]|.))";
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = XPath::compile(&text[..end], &ns);
    }
}

const AXES: &[&str] = &[
    "child::",
    "descendant::",
    "descendant-or-self::",
    "parent::",
    "ancestor::",
    "ancestor-or-self::",
    "following-sibling::",
    "preceding-sibling::",
    "following::",
    "preceding::",
    "attribute::",
    "namespace::",
    "self::",
    "",
    "@",
];
const TESTS: &[&str] = &[
    "*",
    "node()",
    "text()",
    "comment()",
    "processing-instruction()",
    "a",
    "b",
    "num",
    "p:*",
    "p:h",
    "n",
    "id",
];
const PREDICATES: &[&str] = &[
    "1",
    "2",
    "last()",
    "position() mod 2 = 0",
    "@n",
    "not(*)",
    ". = 'b1'",
    "count(*) > 1",
    "lang('en')",
    "string-length() > 1",
    "$ctx:missing",
    "-1",
    "0 div 0",
];
const WRAPPERS: &[&str] = &[
    "{}",
    "count({})",
    "string({})",
    "sum({})",
    "boolean({})",
    "{} = 'x'",
    "{} | //b",
    "name({})",
    "normalize-space({})",
    "({})[last()]",
    "{} > 1",
    "-{}",
    "concat({}, 'z')",
];

fn random_path(rng: &mut Rng) -> String {
    let mut path = String::from(["/", "//", "", "$body/", "./"][rng.below(5)]);
    for i in 0..1 + rng.below(4) {
        if i > 0 {
            path.push_str(rng.pick(&["/", "//"]));
        }
        path.push_str(rng.pick(AXES));
        path.push_str(rng.pick(TESTS));
        for _ in 0..rng.below(3) {
            path.push('[');
            path.push_str(rng.pick(PREDICATES));
            path.push(']');
        }
    }
    rng.pick(WRAPPERS).replace("{}", &path)
}

#[test]
fn random_paths_evaluate_without_panics() {
    let docs = [
        doc(SAMPLE),
        Document::wrap_xml("<x xmlns:q='urn:q'><q:y a='1'>t<!--c--></q:y><?pi?></x>").unwrap(),
        Document::from_json(&serde_json::json!({"a": [1, {"b": null}], "c": {}, "$d": "e"})),
    ];
    let ns = namespaces();
    let mut rng = Rng(42);
    let mut evaluated = 0;
    for _ in 0..3000 {
        let text = random_path(&mut rng);
        let xpath = XPath::compile(&text, &ns).unwrap_or_else(|e| panic!("{text}: {e}"));
        for d in &docs {
            for context in [d.root(), d.document_element().unwrap()] {
                if let Ok(value) = xpath.evaluate(d, context, &TestResolver) {
                    evaluated += 1;
                    let _ = synapse_string(&value, d);
                }
            }
        }
    }
    assert!(evaluated > 10_000, "only {evaluated} evaluations succeeded");
}

#[test]
fn garbage_xml_never_panics() {
    let pieces = [
        "<a>",
        "</a>",
        "<b/>",
        "<p:c xmlns:p='u'>",
        "</p:c>",
        "text",
        "&amp;",
        "&bogus;",
        "<!--",
        "-->",
        "<?pi x?>",
        "<![CDATA[",
        "]]>",
        "'",
        "\"",
        " x='1'",
        "<!DOCTYPE a>",
        "&#65;",
        "&#xZ;",
        "<",
        ">",
        "=",
        "<?xml version='1.0'?>",
    ];
    let mut rng = Rng(7);
    let xpath = XPath::compile("//node() | //@*", &[]).unwrap();
    for _ in 0..3000 {
        let text: String = (0..1 + rng.below(10)).map(|_| rng.pick(&pieces)).collect();
        for d in [Document::parse(&text), Document::wrap_xml(&text)]
            .into_iter()
            .flatten()
        {
            let value = xpath.evaluate(&d, d.root(), &NoResolver).unwrap();
            let _ = synapse_string(&value, &d);
            let _ = d.to_xml(d.root());
        }
    }
}

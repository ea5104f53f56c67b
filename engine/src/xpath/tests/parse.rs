//! The lexer's disambiguation rules, the arena tree, and the shape of parsed expressions.

use super::super::XPath;
use super::super::ast::{Axis, Expr, NodeTest, PathStart};
use super::super::lexer::{Tok, tokenize};
use super::super::tree::{Builder, Name, NodeId, NodeKind};

fn toks(text: &str) -> Vec<Tok> {
    tokenize(text)
        .unwrap()
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

fn name(local: &str) -> Tok {
    Tok::Name(None, local.into())
}

#[test]
fn disambiguation() {
    use Tok::*;
    assert_eq!(toks("* * *"), [AnyName(None), Multiply, AnyName(None)]);
    assert_eq!(toks("div div div"), [name("div"), Div, name("div")]);
    assert_eq!(toks("a-b - c"), [name("a-b"), Minus, name("c")]);
    assert_eq!(
        toks("get-property('x')"),
        [
            Function(None, "get-property".into()),
            LParen,
            Literal("x".into()),
            RParen
        ]
    );
    assert_eq!(
        toks("$ctx:a and $b"),
        [
            Variable(Some("ctx".into()), "a".into()),
            And,
            Variable(None, "b".into())
        ]
    );
    assert_eq!(
        toks("child::p:x/@p:*"),
        [
            Axis("child".into()),
            ColonColon,
            Tok::Name(Some("p".into()), "x".into()),
            Slash,
            At,
            AnyName(Some("p".into()))
        ]
    );
    assert_eq!(toks("text ()"), [NodeType("text".into()), LParen, RParen]);
    assert_eq!(
        toks("..//.[1.5]"),
        [DotDot, SlashSlash, Dot, LBracket, Number(1.5), RBracket]
    );
    assert_eq!(toks(".5 + 2."), [Number(0.5), Plus, Number(2.0)]);
    assert_eq!(
        toks("a!=b<=c>=d"),
        [name("a"), Neq, name("b"), Le, name("c"), Ge, name("d")]
    );
    assert_eq!(
        toks("fn:concat(\"a\")")[0],
        Function(Some("fn".into()), "concat".into())
    );
}

#[test]
fn errors_carry_offsets() {
    let cases = [
        ("'abc", 0),
        ("a # b", 2),
        ("$ ", 0),
        ("1 foo", 2),
        ("$p:*", 0),
    ];
    for (text, offset) in cases {
        assert_eq!(tokenize(text).unwrap_err().offset, offset, "{text}");
    }
}

fn qname(local: &str) -> Name {
    Name {
        local: local.into(),
        ..Name::default()
    }
}

#[test]
fn arena_order_children_attributes_and_text_merging() {
    let mut b = Builder::new();
    b.start_element(qname("a"), vec![("p".into(), "urn:p".into())]);
    b.attribute(qname("x"), "1".into());
    b.text("t1");
    b.text("t2");
    b.start_element(qname("b"), vec![]);
    b.end_element();
    b.comment("c");
    b.end_element();
    let doc = b.finish();
    let a = doc.document_element().unwrap();
    assert_eq!(doc.attributes(a).count(), 1);
    let kids: Vec<NodeKind> = doc.children(a).map(|c| doc.kind(c)).collect();
    assert_eq!(kids, [NodeKind::Text, NodeKind::Element, NodeKind::Comment]);
    assert_eq!(doc.string_value(a), "t1t2");
    assert_eq!(doc.direct_text(a), "t1t2");
    let ns: Vec<NodeId> = doc.namespace_nodes(a).collect();
    assert_eq!(ns.len(), 2); // p and xml
    assert!(
        ns.iter()
            .all(|&n| n > a && n < doc.attributes(a).next().unwrap())
    );
    assert_eq!(doc.local_name(ns[0]), "p");
    assert_eq!(doc.value(ns[0]), "urn:p");
    assert_eq!(doc.parent(ns[0]), Some(a));
    assert!(doc.contains(ns[1]));
    assert!(!doc.contains(NodeId {
        index: a.index,
        ns: 3
    }));
    assert!(!doc.contains(NodeId::at(99)));
}

#[test]
fn abbreviations_expand_as_the_spec_says() {
    let xpath = XPath::compile("//a/..", &[]).unwrap();
    let Expr::Path(PathStart::Root, steps) = &xpath.expr else {
        panic!("{:?}", xpath.expr);
    };
    let axes: Vec<Axis> = steps.iter().map(|s| s.axis).collect();
    assert_eq!(axes, [Axis::DescendantOrSelf, Axis::Child, Axis::Parent]);
    assert_eq!(steps[0].test, NodeTest::Node);
    assert_eq!(steps[2].test, NodeTest::Node);
}

#[test]
fn compiled_expressions_and_documents_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<XPath>();
    shareable::<super::super::Document>();
    shareable::<super::super::Value>();
}

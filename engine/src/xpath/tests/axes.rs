//! Every axis, node test and abbreviation, on [`SAMPLE`]:
//!
//! ```text
//! / r(xmlns:p)─┬─ a @id @p:q ─┬─ b 'b1'
//!              │              ├─ c 'c1' d
//!              │              ├─ #comment
//!              │              └─ ?pi
//!              ├─ e @xml:lang ─┬─ f @n
//!              │               ├─ g 'text'
//!              │               └─ p:h @n '  padded   text '
//!              ├─ num '10'
//!              └─ num '2.5'
//! ```

use super::{SAMPLE, doc, nodes};

#[test]
fn axes_table() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        ("//c", "child::node()", "'c1',d"),
        ("//c", "child::*", "d"),
        ("//c", "child::text()", "'c1'"),
        ("//a", "child::comment()", "#comment"),
        ("//a", "child::processing-instruction()", "?pi"),
        ("//a", "child::processing-instruction('pi')", "?pi"),
        ("//a", "child::processing-instruction('other')", ""),
        ("//a", "descendant::*", "b,c,d"),
        ("//a", "descendant::node()", "b,'b1',c,'c1',d,#comment,?pi"),
        ("//c", "descendant-or-self::*", "c,d"),
        ("//c", "descendant-or-self::node()", "c,'c1',d"),
        ("//d", "parent::*", "c"),
        ("/*", "parent::node()", "/"),
        ("/", "parent::node()", ""),
        ("//d", "ancestor::*", "r,a,c"),
        ("//d", "ancestor::node()", "/,r,a,c"),
        ("//d", "ancestor-or-self::*", "r,a,c,d"),
        ("//d", "ancestor::*[1]", "c"),
        ("//d", "ancestor::*[last()]", "r"),
        ("//d", "ancestor-or-self::*[2]", "c"),
        ("//d", "(ancestor::*)[1]", "r"),
        ("//c", "following-sibling::node()", "#comment,?pi"),
        ("//b", "following-sibling::*", "c"),
        ("//b", "following-sibling::node()[2]", "#comment"),
        ("//c", "preceding-sibling::node()", "b"),
        ("//p:h", "preceding-sibling::*", "f,g"),
        ("//p:h", "preceding-sibling::*[1]", "g"),
        ("//p:h", "preceding-sibling::*[2]", "f"),
        ("//c", "following::*", "e,f,g,p:h,num,num"),
        ("//c", "following::node()", "#comment,?pi,e,f,g,'text',p:h,'  padded   text ',num,'10',num,'2.5'"),
        ("//c", "following::*[1]", "e"),
        ("//c", "preceding::node()", "b,'b1'"),
        ("//e", "preceding::*", "a,b,c,d"),
        ("//e", "preceding::*[1]", "d"),
        ("//e", "preceding::node()[1]", "?pi"),
        ("//c", "self::c", "c"),
        ("//c", "self::b", ""),
        ("//c", "self::node()", "c"),
        ("//c", "self::*", "c"),
        ("//a", "attribute::*", "@id,@p:q"),
        ("//a", "attribute::id", "@id"),
        ("//a", "attribute::p:*", "@p:q"),
        ("//a", "attribute::p:q", "@p:q"),
        ("//a", "attribute::q", ""),
        ("//a", "attribute::node()", "@id,@p:q"),
        ("//a", "namespace::*", "ns:p,ns:xml"),
        ("//a", "namespace::p", "ns:p"),
        ("//a", "namespace::node()[1]", "ns:p"),
        ("//a", "child::*[namespace::p]", "b,c"),
        ("//a/@id", "parent::*", "a"),
        ("//a/@id", "ancestor::*", "r,a"),
        ("//a/@id", "following::*", "b,c,d,e,f,g,p:h,num,num"),
        ("//a/@id", "preceding::node()", ""),
        ("//a/@id", "following-sibling::node()", ""),
        ("//a/@id", "preceding-sibling::node()", ""),
        ("//a/@id", "self::node()", "@id"),
        ("//a/@id", "self::*", ""),
        ("//a/@id", "child::node()", ""),
        ("//a/@id", "attribute::*", ""),
        ("//a/@id", "descendant-or-self::node()", "@id"),
        ("//f/@n", "following::*", "g,p:h,num,num"),
        ("//a/namespace::p", "parent::*", "a"),
        ("//a/namespace::p", "self::node()", "ns:p"),
        ("//a/namespace::p", "following::*[1]", "b"),
    ];
    for (context, expr, expected) in cases {
        assert_eq!(nodes(&d, context, expr), expected, "{expr} at {context}");
    }
}

#[test]
fn abbreviations_and_paths_table() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        ("/", "/", "/"),
        ("/", "/*", "r"),
        ("/", "//b", "b"),
        ("/", "/r/a/b", "b"),
        ("//c", "..", "a"),
        ("//c", ".", "c"),
        ("//c", "../b", "b"),
        ("//c", "./d", "d"),
        ("//c", "../../e/f", "f"),
        ("//a", "@*", "@id,@p:q"),
        ("//a", "@p:q", "@p:q"),
        ("/", "//@n", "@n,@n"),
        ("/", "//*[@n='3']", "p:h"),
        ("/", "//a//d", "d"),
        ("/", "/r//text()", "'b1','c1','text','  padded   text ','10','2.5'"),
        ("/", "//b/../c/d", "d"),
        ("/", "//*[2]", "c,e,g"),
        ("/", "(//*)[2]", "a"),
        ("/", "//b | //d | //b", "b,d"),
        ("/", "//d | //b", "b,d"),
        ("/", "//a/*[last()]", "c"),
        ("/", "//a/node()[last()]", "?pi"),
        ("/", "//e/*[2]/following-sibling::*", "p:h"),
        ("/", "//p:*", "p:h"),
        ("/", "//*[local-name()='h']", "p:h"),
        ("/", "//h", ""),
        ("/", "//*[@id][@p:q]", "a"),
        ("/", "//*[@id and b]", "a"),
        ("/", "//*[not(*)][not(text())]", "d,f"),
        ("/", "//*[count(*) = 3]", "e"),
        ("/", "//*[text() = 'b1']", "b"),
        ("/", "//*[. = 'c1']", "c"),
        ("/", "//num[. > 5]", "num"),
        ("/", "//a/b/following::*[self::num][2]/preceding-sibling::*[1]", "num"),
        ("/", "/r/*[position() > 1 and position() < 3]", "e"),
        ("/", "/descendant::*[3]", "b"),
        ("/", "//*[starts-with(name(), 'p:')]", "p:h"),
        ("/", "/r/a/../e", "e"),
        ("/", "//c/d/ancestor::*[@id]", "a"),
    ];
    for (context, expr, expected) in cases {
        assert_eq!(nodes(&d, context, expr), expected, "{expr} at {context}");
    }
}

#[test]
fn deep_documents_need_no_recursion() {
    let depth = 20_000;
    let xml = "<a>".repeat(depth) + "x" + &"</a>".repeat(depth);
    let d = doc(&xml);
    assert_eq!(super::string(&d, "count(//a)"), depth.to_string());
    assert_eq!(
        super::string(&d, "count(//text()/ancestor::*)"),
        depth.to_string()
    );
    assert_eq!(super::string(&d, "string(/)"), "x");
    assert_eq!(d.to_xml(d.root()).len(), xml.len());
}

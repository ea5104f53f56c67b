//! Every core function (REC-xpath §4) and Jaxen's extras, as `string()` of the result, with
//! the document element of [`SAMPLE`] as context node.

use super::{SAMPLE, doc, string};

#[test]
fn node_set_functions() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        ("last()", "1"),
        ("position()", "1"),
        ("count(//*)", "11"),
        ("count(//num)", "2"),
        ("count(/..)", "0"),
        ("//num[last()]", "2.5"),
        ("//num[position() = 1]", "10"),
        ("string(//a/*[last()]/text())", "c1"),
        ("count(id('1'))", "0"),
        ("local-name()", "r"),
        ("local-name(//p:h)", "h"),
        ("local-name(//a/@p:q)", "q"),
        ("local-name(//processing-instruction())", "pi"),
        ("local-name(//a/namespace::p)", "p"),
        ("local-name(//text())", ""),
        ("local-name(/)", ""),
        ("local-name(//missing)", ""),
        ("namespace-uri(//p:h)", "urn:p"),
        ("namespace-uri(//a/@p:q)", "urn:p"),
        ("namespace-uri()", ""),
        ("namespace-uri(//e/@xml:lang)", "http://www.w3.org/XML/1998/namespace"),
        ("name(//p:h)", "p:h"),
        ("name(//a/@p:q)", "p:q"),
        ("name(//e/@*)", "xml:lang"),
        ("name(//comment())", ""),
        ("name(//processing-instruction())", "pi"),
        ("name()", "r"),
    ];
    for (expr, expected) in cases {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
}

#[test]
fn string_functions() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        ("string(//b)", "b1"),
        ("string(//a)", "b1c1"),
        ("string(//a/@id)", "1"),
        ("string(//comment())", "k"),
        ("string(//processing-instruction())", "v"),
        ("string(//a/namespace::p)", "urn:p"),
        ("string(//missing)", ""),
        ("string(1)", "1"),
        ("string(-0)", "0"),
        ("string(0.1)", "0.1"),
        ("string(1 div 3)", "0.3333333333333333"),
        ("string(1 div 0)", "Infinity"),
        ("string(true())", "true"),
        ("string('x')", "x"),
        ("string(//e/g)", "text"),
        ("concat('a', 'b')", "ab"),
        ("concat('a', 1, true(), //b, //missing)", "a1trueb1"),
        ("starts-with('hello', 'he')", "true"),
        ("starts-with('hello', '')", "true"),
        ("starts-with('hello', 'lo')", "false"),
        ("ends-with('hello', 'lo')", "true"),
        ("contains('hello', 'ell')", "true"),
        ("contains('hello', 'xyz')", "false"),
        ("contains(//a, 'c1')", "true"),
        ("substring-before('1999/04/01', '/')", "1999"),
        ("substring-before('abc', 'x')", ""),
        ("substring-before('abc', '')", ""),
        ("substring-after('1999/04/01', '/')", "04/01"),
        ("substring-after('1999/04/01', '19')", "99/04/01"),
        ("substring-after('abc', 'x')", ""),
        ("substring-after('abc', '')", "abc"),
        ("substring('12345', 2, 3)", "234"),
        ("substring('12345', 2)", "2345"),
        ("substring('12345', 1.5, 2.6)", "234"),
        ("substring('12345', 0, 3)", "12"),
        ("substring('12345', 0 div 0, 3)", ""),
        ("substring('12345', 1, 0 div 0)", ""),
        ("substring('12345', -42, 1 div 0)", "12345"),
        ("substring('12345', -1 div 0, 1 div 0)", ""),
        ("substring('héllo', 2, 1)", "é"),
        ("substring('abc', 4)", ""),
        ("string-length('hello')", "5"),
        ("string-length('héllo')", "5"),
        ("string-length('')", "0"),
        ("string-length(//p:h)", "16"),
        ("normalize-space('  a  b \t\n c  ')", "a b c"),
        ("normalize-space(//p:h)", "padded text"),
        ("normalize-space('')", ""),
        ("translate('bar', 'abc', 'ABC')", "BAr"),
        ("translate('--aaa--', 'abc-', 'ABC')", "AAA"),
        ("translate('aba', 'aa', 'xy')", "xbx"),
        ("upper-case('abc')", "ABC"),
        ("lower-case('ÀBC')", "àbc"),
    ];
    for (expr, expected) in cases {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
}

#[test]
fn boolean_and_number_functions() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        ("boolean(1)", "true"),
        ("boolean(0)", "false"),
        ("boolean(-0)", "false"),
        ("boolean(0 div 0)", "false"),
        ("boolean('')", "false"),
        ("boolean('false')", "true"),
        ("boolean(//b)", "true"),
        ("boolean(//missing)", "false"),
        ("not(1)", "false"),
        ("not(//missing)", "true"),
        ("true()", "true"),
        ("false()", "false"),
        ("//g[lang('en')] = 'text'", "true"),
        ("//g[lang('EN-gb')] = 'text'", "true"),
        ("count(//*[lang('en')])", "4"),
        ("count(//*[lang('fr')])", "0"),
        ("count(//*[lang('en-US')])", "0"),
        ("lang('en')", "false"),
        ("number('12')", "12"),
        ("number(' -3.5 ')", "-3.5"),
        ("number('1e3')", "NaN"),
        ("number('')", "NaN"),
        ("number(true())", "1"),
        ("number(false())", "0"),
        ("number(//num)", "10"),
        ("number(//missing)", "NaN"),
        ("sum(//num)", "12.5"),
        ("sum(//missing)", "0"),
        ("sum(//@n)", "5"),
        ("sum(//b)", "NaN"),
        ("floor(2.5)", "2"),
        ("floor(-2.5)", "-3"),
        ("ceiling(2.1)", "3"),
        ("ceiling(-2.5)", "-2"),
        ("ceiling(-0.5)", "0"),
        ("round(2.5)", "3"),
        ("round(-2.5)", "-2"),
        ("round(2.4999)", "2"),
        ("round(-0.4)", "0"),
        ("round(0.49999999999999994)", "0"),
        ("round(1 div 0)", "Infinity"),
        ("round(0 div 0)", "NaN"),
        ("1 div round(-0.4)", "-Infinity"),
    ];
    for (expr, expected) in cases {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
}

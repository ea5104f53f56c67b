//! Operator precedence, arithmetic and comparisons across types (REC-xpath §3.4–§3.5).

use super::{SAMPLE, doc, string};

#[test]
fn precedence_and_arithmetic() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("10 - 2 - 3", "5"),
        ("2 * 3 mod 4", "2"),
        ("2 + 3 mod 2", "3"),
        ("12 div 2 div 3", "2"),
        ("7 mod 3", "1"),
        ("-7 mod 3", "-1"),
        ("7 mod -3", "1"),
        ("5.5 mod 2", "1.5"),
        ("5 div 2", "2.5"),
        ("1 div 0", "Infinity"),
        ("-1 div 0", "-Infinity"),
        ("0 div 0", "NaN"),
        ("--1", "1"),
        ("- - -1", "-1"),
        ("1 - -1", "2"),
        ("1--1", "2"),
        ("2 * -3", "-6"),
        ("-2 * 3", "-6"),
        ("1.5 + .5", "2"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("'3' + '4'", "7"),
        ("'a' + 1", "NaN"),
        ("true() + true()", "2"),
        ("//num + 1", "11"),
        ("//num * //num", "100"),
        ("-//num", "-10"),
        ("3 > 2 > 1", "false"),
        ("1 = 1 = 1", "true"),
        ("1 < 2 = 2 < 3", "true"),
        ("2 + 3 = 5", "true"),
        ("1 or 0 and 0", "true"),
        ("(1 or 0) and 0", "false"),
        ("0 or 0", "false"),
        ("1 and 'x'", "true"),
        ("1 > 2 or 2 > 1 and 'a' = 'a'", "true"),
        ("not(1 = 2) and 1 != 2", "true"),
        ("count(//b | //c | //b)", "2"),
        ("count((//num | //b)[1])", "1"),
        ("(//num)[2] + 0", "2.5"),
        ("div", ""),
        ("div div div", "NaN"),
        ("* * *", "NaN"),
        ("mod", ""),
    ];
    for (expr, expected) in cases {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
}

#[test]
fn comparisons_across_types() {
    let d = doc(SAMPLE);
    #[rustfmt::skip]
    let cases = [
        // atomic values: booleans first, then numbers, then strings
        ("1 = '1'", "true"),
        ("1 = '1.0'", "true"),
        ("'1' = '1.0'", "false"),
        ("true() = 'x'", "true"),
        ("false() = ''", "true"),
        ("true() = 2", "true"),
        ("0 = false()", "true"),
        ("'abc' != 'abd'", "true"),
        ("number('x') = number('x')", "false"),
        ("number('x') != number('x')", "true"),
        ("2 > '10'", "false"),
        ("'2' < '10'", "true"),
        ("'a' < 'b'", "false"),
        ("'a' >= 'a'", "false"),
        ("1 < true()", "false"),
        ("0 < true()", "true"),
        ("1 <= 1", "true"),
        ("1 >= 2", "false"),
        // node-set with string: some node's string-value
        ("//b = 'b1'", "true"),
        ("//b != 'b1'", "false"),
        ("//* = 'b1'", "true"),
        ("//* != 'b1'", "true"),
        ("'b1' = //b", "true"),
        // node-set with number: some node's number
        ("//num = 10", "true"),
        ("//num = 2.5", "true"),
        ("//num > 5", "true"),
        ("//num < 5", "true"),
        ("//num > 20", "false"),
        ("5 < //num", "true"),
        ("20 > //num", "true"),
        ("//num != 10", "true"),
        ("//b = 0", "false"),
        // node-set with boolean: the node-set's boolean
        ("//b = true()", "true"),
        ("//missing = false()", "true"),
        ("//missing != true()", "true"),
        ("true() > //missing", "true"),
        // node-set with node-set: some pair
        ("//b = //c", "false"),
        ("//b != //c", "true"),
        ("//num = //num", "true"),
        ("//num != //num", "true"),
        ("//b = //*", "true"),
        ("//num[1] > //num[2]", "true"),
        ("//num[1] < //num[2]", "false"),
        // empty node-sets compare false with everything except booleans
        ("//missing = ''", "false"),
        ("//missing != ''", "false"),
        ("not(//missing = '')", "true"),
        ("//missing = //b", "false"),
        ("//missing != //missing", "false"),
        ("//missing < 1", "false"),
    ];
    for (expr, expected) in cases {
        assert_eq!(string(&d, expr), expected, "{expr}");
    }
}

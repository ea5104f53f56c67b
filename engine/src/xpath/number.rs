//! Numbers as text, both ways: XPath's `number()` and `string()` rules (REC-xpath §4.2, §4.4),
//! and Java's `Double.toString`, which Synapse uses when a whole result is a number.

/// XPath `number(string)`: optional whitespace, an optional `-`, digits with an optional
/// decimal point, optional whitespace. Anything else (exponents, `+`, `Infinity`) is NaN.
pub fn parse_xpath_number(text: &str) -> f64 {
    let t = text.trim_matches([' ', '\t', '\r', '\n']);
    let digits = t.strip_prefix('-').unwrap_or(t);
    let mut dots = 0;
    let valid = !digits.is_empty()
        && digits != "."
        && digits.chars().all(|c| {
            if c == '.' {
                dots += 1;
                dots == 1
            } else {
                c.is_ascii_digit()
            }
        });
    if !valid {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

/// XPath `string(number)`: `NaN`, `Infinity`, `-Infinity`, `0` for both zeros, integers without
/// a decimal point, other numbers in plain decimal with the fewest digits that round-trip
/// (never an exponent). Like Jaxen, at most 32 digits follow the decimal point.
pub fn xpath_number_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let text = format!("{n}");
    match text.split_once('.') {
        Some((_, fraction)) if fraction.len() > 32 => {
            let rounded = format!("{n:.32}");
            let trimmed = rounded.trim_end_matches('0').trim_end_matches('.');
            if trimmed == "-0" || trimmed.is_empty() {
                "0".into()
            } else {
                trimmed.to_string()
            }
        }
        _ => text,
    }
}

/// Java's `Double.toString`: `3.0`, `0.5`, `1.0E7`, `1.234E-5`, `NaN`, `Infinity`, `-0.0`.
/// Plain decimal with at least one fraction digit when 10⁻³ ≤ |n| < 10⁷, otherwise a mantissa
/// with at least one fraction digit and an `E` exponent; the fewest digits that round-trip.
pub fn java_double_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let abs = n.abs();
    // `{:e}` gives the shortest round-trip digits: "1.2345e-5", "3e0".
    let sci = format!("{abs:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (1e-3..1e7).contains(&abs) {
        let point = exponent + 1; // digits before the decimal point
        let (int_part, frac_part) = if point <= 0 {
            ("0".to_string(), "0".repeat((-point) as usize) + &digits)
        } else if point as usize >= digits.len() {
            (
                digits.clone() + &"0".repeat(point as usize - digits.len()),
                String::new(),
            )
        } else {
            (
                digits[..point as usize].to_string(),
                digits[point as usize..].to_string(),
            )
        };
        let frac_part = if frac_part.is_empty() {
            "0".to_string()
        } else {
            frac_part
        };
        format!("{sign}{int_part}.{frac_part}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpath_number_parsing() {
        let cases = [
            ("12", 12.0),
            (" -3.5\n", -3.5),
            ("0.", 0.0),
            (".25", 0.25),
            ("007", 7.0),
        ];
        for (text, n) in cases {
            assert_eq!(parse_xpath_number(text), n, "{text:?}");
        }
        for bad in [
            "", " ", ".", "-", "+1", "1e3", "1.2.3", "Infinity", "NaN", "0x10", "1 2", "--1",
        ] {
            assert!(parse_xpath_number(bad).is_nan(), "{bad:?}");
        }
    }

    #[test]
    fn xpath_number_formatting() {
        let cases = [
            (1.0, "1"),
            (-2.0, "-2"),
            (0.5, "0.5"),
            (-0.0, "0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1000000000000000000000"),
            (1e-7, "0.0000001"),
            (1e-40, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (123456789.125, "123456789.125"),
        ];
        for (n, text) in cases {
            assert_eq!(xpath_number_string(n), text, "{n}");
        }
    }

    #[test]
    fn java_double_formatting() {
        let cases = [
            (3.0, "3.0"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (1234567.0, "1234567.0"),
            (1e7, "1.0E7"),
            (12345678.9, "1.23456789E7"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.234e-5, "1.234E-5"),
            (1e21, "1.0E21"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (n, text) in cases {
            assert_eq!(java_double_string(n), text, "{n}");
        }
    }
}

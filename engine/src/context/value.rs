//! Typed property values (`<property type="INTEGER" .../>`) and their Java-compatible text.

use std::fmt;

/// The `type` attribute of `<property>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    String,
    Integer,
    Boolean,
    Double,
    Float,
    Long,
    Short,
    Json,
}

impl PropertyType {
    pub const NAMES: [&'static str; 8] = [
        "STRING", "INTEGER", "BOOLEAN", "DOUBLE", "FLOAT", "LONG", "SHORT", "JSON",
    ];

    pub fn from_name(name: &str) -> Option<PropertyType> {
        Some(match name {
            "STRING" => PropertyType::String,
            "INTEGER" => PropertyType::Integer,
            "BOOLEAN" => PropertyType::Boolean,
            "DOUBLE" => PropertyType::Double,
            "FLOAT" => PropertyType::Float,
            "LONG" => PropertyType::Long,
            "SHORT" => PropertyType::Short,
            "JSON" => PropertyType::Json,
            _ => return None,
        })
    }

    /// [`convert`](Self::convert), keeping the text itself as a STRING value.
    pub fn convert_owned(self, text: String) -> Result<PropertyValue, String> {
        match self {
            PropertyType::String => Ok(PropertyValue::String(text)),
            other => other.convert(&text),
        }
    }

    /// Converts text as Synapse does (`PropertyMediator.convertValue`). The error says why.
    pub fn convert(self, text: &str) -> Result<PropertyValue, String> {
        let fail = |what: &str| format!("`{text}` is not a valid {what}");
        Ok(match self {
            PropertyType::String => PropertyValue::String(text.to_string()),
            // Axis2 JavaUtils.isTrueExplicitly: "true" (any case), "1" and "yes" are true.
            PropertyType::Boolean => PropertyValue::Boolean(
                text.eq_ignore_ascii_case("true")
                    || text == "1"
                    || text.eq_ignore_ascii_case("yes"),
            ),
            PropertyType::Integer => {
                PropertyValue::Integer(parse_integral(text).ok_or_else(|| fail("INTEGER"))?)
            }
            PropertyType::Short => {
                PropertyValue::Short(parse_integral(text).ok_or_else(|| fail("SHORT"))?)
            }
            PropertyType::Long => {
                PropertyValue::Long(text.trim().parse().map_err(|_| fail("LONG"))?)
            }
            PropertyType::Double => {
                PropertyValue::Double(text.trim().parse().map_err(|_| fail("DOUBLE"))?)
            }
            PropertyType::Float => {
                PropertyValue::Float(text.trim().parse().map_err(|_| fail("FLOAT"))?)
            }
            // Gson: parse as JSON, else treat the text as a JSON string.
            PropertyType::Json => PropertyValue::Json(
                serde_json::from_str(text)
                    .unwrap_or_else(|_| serde_json::Value::String(text.to_string())),
            ),
        })
    }
}

/// Synapse parses integer types through a double when the text has a `.` (so `count(...)`'s
/// `"3.0"` works) and truncates.
fn parse_integral<T: TryFrom<i64>>(text: &str) -> Option<T> {
    let t = text.trim();
    let whole = if t.contains('.') {
        let d: f64 = t.parse().ok()?;
        if !d.is_finite() {
            return None;
        }
        d.trunc() as i64
    } else {
        t.parse::<i64>().ok()?
    };
    T::try_from(whole).ok()
}

/// A property's value: text, or a typed value from a `type` conversion.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    String(String),
    Integer(i32),
    Long(i64),
    Short(i16),
    Double(f64),
    Float(f32),
    Boolean(bool),
    Json(serde_json::Value),
}

impl PropertyValue {
    /// The value's text, as `to_string` gives it; a string value is copied directly, without
    /// going through the formatting machinery (several hundred instructions a call, and
    /// `$ctx:` lookups make it once per parameter).
    pub fn to_text(&self) -> String {
        match self {
            PropertyValue::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            PropertyValue::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<String> for PropertyValue {
    fn from(s: String) -> Self {
        PropertyValue::String(s)
    }
}

impl From<&str> for PropertyValue {
    fn from(s: &str) -> Self {
        PropertyValue::String(s.to_string())
    }
}

/// Java's `toString` of the stored object, which is what expressions and logs see.
impl fmt::Display for PropertyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyValue::String(s) => f.write_str(s),
            PropertyValue::Integer(v) => write!(f, "{v}"),
            PropertyValue::Long(v) => write!(f, "{v}"),
            PropertyValue::Short(v) => write!(f, "{v}"),
            PropertyValue::Double(v) => f.write_str(&java_double(*v)),
            PropertyValue::Float(v) => f.write_str(&java_double(f64::from(*v))),
            PropertyValue::Boolean(v) => write!(f, "{v}"),
            PropertyValue::Json(v) => f.write_str(&crate::expr::json_path::string_value(v)),
        }
    }
}

/// `Double.toString`: always a fraction part, scientific outside [1e-3, 1e7).
fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = v.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let s = format!("{v}");
        return if s.contains('.') { s } else { format!("{s}.0") };
    }
    let s = format!("{v:e}"); // 1.5e10
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use PropertyType::*;

    #[test]
    fn conversions_follow_synapse() {
        let ok = [
            (Integer, "42", "42"),
            (Integer, "3.0", "3"),
            (Integer, "-7.9", "-7"),
            (Short, "12", "12"),
            (Long, "6487648931392511233", "6487648931392511233"),
            (Double, "1.5", "1.5"),
            (Double, "2", "2.0"),
            (Double, "15000000000", "1.5E10"),
            (Float, "0.5", "0.5"),
            (Boolean, "TRUE", "true"),
            (Boolean, "yes", "true"),
            (Boolean, "1", "true"),
            (Boolean, "no", "false"),
            (Json, r#"{"a": [1, 2]}"#, r#"{"a":[1,2]}"#),
            (Json, "plain", "plain"),
            (String, " x ", " x "),
        ];
        for (ty, input, shown) in ok {
            assert_eq!(
                ty.convert(input).unwrap().to_string(),
                shown,
                "{ty:?} {input}"
            );
            let owned = ty.convert_owned(input.to_string()).unwrap();
            assert_eq!(owned, ty.convert(input).unwrap(), "{ty:?} {input}");
            assert_eq!(owned.to_text(), shown, "{ty:?} {input}");
        }
        for (ty, input) in [
            (Integer, "x"),
            (Integer, "99999999999"),
            (Short, "40000"),
            (Long, "1.5"),
            (Double, "abc"),
        ] {
            assert!(ty.convert(input).is_err(), "{ty:?} {input}");
        }
    }

    #[test]
    fn type_names_round_trip() {
        for name in PropertyType::NAMES {
            assert!(PropertyType::from_name(name).is_some());
        }
        assert_eq!(PropertyType::from_name("OM"), None);
    }
}

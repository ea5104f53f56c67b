//! The JSONPath layer: Jayway-dialect translation, parsing, evaluation, selection, and the
//! definite-path steps that `enrich` writes through.
//!
//! Input: the first line is the path; the rest is a JSON document (when it does not parse,
//! the path is still evaluated against no payload).

#![no_main]

use libfuzzer_sys::fuzz_target;
use oxynapse_engine::expr::JsonPathExpr;
use oxynapse_engine::expr::json_path::{PathStep, definite_steps, string_value};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (path, doc) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(path) = std::str::from_utf8(path) else {
        return;
    };
    let Ok(expr) = JsonPathExpr::parse(path) else {
        return;
    };
    let _ = (expr.text(), expr.reads_secret());
    let _ = expr.evaluate(None);
    let _ = expr.select(None);
    let Ok(mut json) = serde_json::from_slice::<Value>(doc) else {
        return;
    };
    let _ = expr.evaluate(Some(&json));
    if let Some(selected) = expr.select(Some(&json)) {
        let _ = string_value(&selected);
    }
    if let Some(steps) = definite_steps(&expr) {
        // Write through the path as enrich's replace does, then remove the node again.
        for step in &steps {
            let _ = step.to_string();
        }
        write_through(&mut json, &steps);
        if let Some((last, parents)) = steps.split_last() {
            let mut parent = Some(&mut json);
            for step in parents {
                parent = parent.and_then(|p| step.descend(p, false));
            }
            if let Some(parent) = parent {
                last.remove(parent);
            }
        }
        let _ = expr.evaluate(Some(&json));
    }
});

fn write_through(node: &mut Value, steps: &[PathStep]) {
    match steps.split_first() {
        None => *node = Value::String("written".into()),
        Some((step, rest)) => {
            if let Some(child) = step.descend(node, true) {
                write_through(child, rest);
            }
        }
    }
}

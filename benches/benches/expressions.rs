//! Evaluating expressions on one message: `json-eval` (with and without the lazy body parse)
//! and `$ctx:` lookups. Run with `cargo bench -p oxynapse-benches --bench expressions`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::Method;
use oxynapse_benches::{SEED_FIELDS, SEED_PROXY, json_body, json_headers, stub_engine};
use oxynapse_engine::MessageContext;
use oxynapse_engine::expr::Expression;

fn expressions(c: &mut Criterion) {
    let engine = stub_engine(&[("seed.xml", SEED_PROXY)]);
    let context = |body: Bytes| {
        MessageContext::new(
            engine.services().clone(),
            engine.deployment(),
            Method::POST,
            "/services/gotowebinar_getSessionById".into(),
            json_headers(),
            body,
        )
    };
    let json_eval = Expression::parse("json-eval($.accessToken)").unwrap();
    let ctx_lookup = Expression::parse("$ctx:accessToken").unwrap();

    let mut group = c.benchmark_group("expr");
    group.bench_function("parse json-eval($.accessToken)", |b| {
        b.iter(|| Expression::parse(black_box("json-eval($.accessToken)")))
    });
    for size in [1024, 10_240] {
        let body = json_body(size, SEED_FIELDS);
        // The first json-eval of a message parses the body; this is what a request pays once.
        group.bench_function(
            format!("json-eval first, {size} B body (includes parse)"),
            |b| {
                b.iter_batched(
                    || context(body.clone()),
                    |mut ctx| json_eval.evaluate(&mut ctx).unwrap(),
                    BatchSize::SmallInput,
                )
            },
        );
    }
    let mut parsed = context(json_body(1024, SEED_FIELDS));
    json_eval.evaluate(&mut parsed).unwrap();
    group.bench_function("json-eval again, parsed body", |b| {
        b.iter(|| json_eval.evaluate(black_box(&mut parsed)).unwrap())
    });
    parsed.set_property("accessToken", "UEGGrwswKRwB07lTOr0EoppdaxKo");
    group.bench_function("$ctx:accessToken", |b| {
        b.iter(|| ctx_lookup.evaluate(black_box(&mut parsed)).unwrap())
    });
    group.bench_function("new MessageContext, 1 KB body", |b| {
        let body = json_body(1024, SEED_FIELDS);
        b.iter(|| context(black_box(body.clone())))
    });
    group.finish();
}

criterion_group!(benches, expressions);
criterion_main!(benches);

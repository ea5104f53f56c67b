//! Whole requests through `Engine::handle` (routing, context, mediators, response), without
//! HTTP: the seed's sample proxy against the stub connector, content-based routing, and an echo.
//! Run with `cargo bench -p oxynapse-benches --bench pipeline`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oxynapse_benches::{
    CBR_PROXY, ECHO_PROXY, SEED_FIELDS, SEED_PROXY, json_body, post, stub_engine,
};

fn pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = stub_engine(&[
        ("seed.xml", SEED_PROXY),
        ("cbr.xml", CBR_PROXY),
        ("echo.xml", ECHO_PROXY),
    ]);
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(1));
    for size in [1024, 10_240] {
        let seed = json_body(size, SEED_FIELDS);
        group.bench_function(
            format!("seed proxy (9 properties, init, getSessionById, respond), {size} B"),
            |b| {
                b.iter(|| {
                    let status = runtime.block_on(post(
                        &engine,
                        "gotowebinar_getSessionById",
                        black_box(seed.clone()),
                    ));
                    assert_eq!(status, 200);
                })
            },
        );
    }
    for size in [1024, 10_240] {
        let order = json_body(size, &[("symbol", "IBM")]);
        group.bench_function(
            format!("cbr (switch on json-eval, respond), {size} B"),
            |b| {
                b.iter(|| {
                    let status = runtime.block_on(post(&engine, "cbr", black_box(order.clone())));
                    assert_eq!(status, 200);
                })
            },
        );
        group.bench_function(
            format!("echo (1 json-eval property, respond), {size} B"),
            |b| {
                b.iter(|| {
                    let status = runtime.block_on(post(&engine, "echo", black_box(order.clone())));
                    assert_eq!(status, 200);
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);

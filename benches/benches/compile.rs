//! Deploy-time work: compiling proxy files, and compiling and deploying 1,000 generated ones.
//! Run with `cargo bench -p oxynapse-benches --bench compile`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oxynapse_benches::{
    ALL_OPERATIONS_PROXY, SEED_PROXY, generated_proxy, gotowebinar_engine, stub_engine,
};

fn compile(c: &mut Criterion) {
    let engine = gotowebinar_engine(&[]);
    let mut group = c.benchmark_group("compile");
    group.bench_function("seed proxy (gotowebinar_getSessionById.xml)", |b| {
        b.iter(|| {
            let file = engine.compile("gotowebinar_getSessionById.xml", black_box(SEED_PROXY));
            assert!(file.diagnostics.is_empty());
            file
        })
    });
    group.bench_function("36-operation proxy (gotowebinar.xml)", |b| {
        b.iter(|| {
            let file = engine.compile("gotowebinar.xml", black_box(ALL_OPERATIONS_PROXY));
            assert!(file.diagnostics.is_empty());
            file
        })
    });
    group.finish();

    let texts: Vec<(String, String)> = (0..1000)
        .map(|n| (format!("p{n}.xml"), generated_proxy(n)))
        .collect();
    let mut group = c.benchmark_group("deploy");
    group.sample_size(10);
    group.bench_function("compile and deploy 1,000 generated proxies", |b| {
        b.iter(|| {
            let files: Vec<(&str, &str)> = texts
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str()))
                .collect();
            stub_engine(black_box(&files))
        })
    });
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);

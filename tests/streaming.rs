//! A 64 MB backend answer through a Direct Proxy is relayed as it arrives: the client gets
//! every byte, and the process's memory grows by far less than the body.
//!
//! This file holds this one test on purpose: the engine, the backend and the client all run in
//! this process, and any other test running beside it would disturb the measure of its
//! resident memory.

mod common;

use common::TestEngine;
use common::streaming::{
    Checksum, Ending, Generated, GeneratingBackend, read_incrementally, rss_kb,
};

const BODY_LEN: u64 = 64 * 1024 * 1024;
const MAX_GROWTH_KB: u64 = 48 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mb_answer_is_streamed_without_growing_memory() {
    let backend = GeneratingBackend::start(Generated {
        len: BODY_LEN,
        chunk: 64 * 1024,
        declare_length: true,
        ending: Ending::Complete,
    })
    .await;
    let chunked = GeneratingBackend::start(Generated {
        len: BODY_LEN,
        chunk: 16 * 1024,
        declare_length: false,
        ending: Ending::Complete,
    })
    .await;
    // The Direct Proxy of the benchmarks, and one whose outSequence does things that do not
    // read the body before <respond/>.
    let direct = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="direct"><target>
             <inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
             <outSequence><send/></outSequence>
           </target></proxy>"#,
        backend.url("/big")
    );
    let busy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="busy"><target>
             <inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
             <outSequence>
               <log level="custom"><property name="status" expression="$axis2:HTTP_SC"/></log>
               <property name="seen" value="yes"/>
               <header name="X-Relayed" expression="$ctx:seen" scope="transport"/>
               <filter source="$axis2:HTTP_SC" regex="200"><then><respond/></then></filter>
               <drop/>
             </outSequence>
           </target></proxy>"#,
        chunked.url("/big")
    );
    let engine = TestEngine::start(&[("direct.xml", &direct), ("busy.xml", &busy)]).await;
    // One small exchange first, so what every request allocates once is in the baseline.
    let warm = engine
        .client
        .get(engine.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);
    let expected = Checksum::of_generated(BODY_LEN);
    let before = rss_kb();

    let response = engine
        .client
        .get(engine.url("/services/direct"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], BODY_LEN.to_string());
    let direct_read = read_incrementally(response).await;

    let response = engine
        .client
        .get(engine.url("/services/busy"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-relayed"], "yes");
    assert!(
        response.headers().get("content-length").is_none(),
        "chunked as it came"
    );
    let busy_read = read_incrementally(response).await;

    let after = rss_kb();
    for (name, read) in [("direct", &direct_read), ("busy", &busy_read)] {
        assert_eq!(read.error, None, "{name}");
        assert_eq!(read.len, BODY_LEN, "{name}");
        assert_eq!(
            read.checksum.0, expected.0,
            "{name}: the bytes are the backend's"
        );
    }
    let peak = direct_read
        .peak_rss_kb
        .max(busy_read.peak_rss_kb)
        .max(after);
    let growth = peak.saturating_sub(before);
    println!(
        "VmRSS before {before} kB, peak while streaming {peak} kB, after {after} kB: growth {growth} kB"
    );
    assert!(
        growth < MAX_GROWTH_KB,
        "resident memory grew by {growth} kB while relaying 2 x 64 MB (limit {MAX_GROWTH_KB} kB)"
    );
}

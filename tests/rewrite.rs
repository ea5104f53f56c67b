//! `<rewrite>` over HTTP: a proxy rewrites the To address to a backend, and `<send/>` goes
//! there.

mod common;

use common::{MockBackend, Reply, TestEngine};

#[tokio::test]
async fn send_goes_to_the_rewritten_to_address() {
    let backend = MockBackend::start(|_| Reply::json(200, r#"{"sent":"here"}"#)).await;
    let port = backend.addr.port();
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="Orders"><target><inSequence>
            <rewrite>
                <rewriterule>
                    <condition><and>
                        <match type="url" source="path" regex="/services/Orders.*"/>
                        <equal type="param" source="id" value="7"/>
                    </and></condition>
                    <action fragment="protocol" value="http"/>
                    <action fragment="host" value="127.0.0.1"/>
                    <action fragment="port" value="{port}"/>
                    <action fragment="path" type="replace" regex="^/services/Orders" value="/api/v2/orders"/>
                </rewriterule>
                <rewriterule>
                    <condition><equal source="X-Mode" value="test"/></condition>
                    <action fragment="path" value="/wrong"/>
                </rewriterule>
            </rewrite>
            <send/>
        </inSequence></target></proxy>"#
    );
    let engine = TestEngine::start(&[("orders.xml", &proxy)]).await;
    let response = engine
        .post_json_with("/services/Orders?id=7", r#"{"q":1}"#, &[("X-Mode", "live")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"sent":"here"}"#);
    let received = backend.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path_and_query, "/api/v2/orders?id=7");
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].body, r#"{"q":1}"#.as_bytes());
}

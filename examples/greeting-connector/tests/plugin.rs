//! The plugin connector deploys and runs through a real listener, next to the built-in ones.

use std::net::SocketAddr;
use std::sync::Arc;

use greeting_connector::Greeting;
use oxynapse_engine::http::server::{ServerHandle, start};
use oxynapse_engine::{Engine, EngineServices, Registry, Settings};

async fn serve(proxies: &[(&str, &str)]) -> (Arc<Engine>, ServerHandle) {
    let registry = Registry::builder()
        .builtin_mediators()
        .connector(Greeting)
        .build();
    let engine = Engine::new(
        registry,
        EngineServices::in_memory(Settings::default()).unwrap(),
    );
    let files = proxies
        .iter()
        .map(|(name, xml)| engine.compile(name, xml))
        .collect();
    let deployment = engine.deploy(files);
    assert_eq!(deployment.error_count(), 0, "{:?}", deployment.files());
    engine.set_ready();
    let server = start(engine.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (engine, server)
}

fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

#[tokio::test]
async fn the_shipped_example_proxy_deploys_and_answers() {
    let proxy = include_str!("../proxies/greeting.xml");
    let (_engine, server) = serve(&[("greeting.xml", proxy)]).await;
    let response = reqwest::Client::new()
        .post(url(server.local_addr(), "/services/greeting"))
        .header("Content-Type", "application/json")
        .body(r#"{"name":"Ada"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"greeting":"Hello, Ada!"}"#
    );
}

#[tokio::test]
async fn a_plugin_operation_can_call_a_backend() {
    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_addr = backend.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = backend.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    |request: hyper::Request<hyper::body::Incoming>| async move {
                        let body = format!(
                            r#"{{"path":"{}","quote":"Simplicity is prerequisite for reliability."}}"#,
                            request.uri().path()
                        );
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Full::new(bytes::Bytes::from(body)),
                        ))
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="quote"><target><inSequence>
             <greeting.quote><serviceUrl>http://{backend_addr}/</serviceUrl></greeting.quote>
             <respond/></inSequence></target></proxy>"#
    );
    let (_engine, server) = serve(&[("quote.xml", &proxy)]).await;
    let response = reqwest::get(url(server.local_addr(), "/services/quote"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"path":"/quote","quote":"Simplicity is prerequisite for reliability."}"#
    );
}

#[tokio::test]
async fn plugin_parameters_are_checked_at_deploy_time_and_run_time() {
    let registry = Registry::builder()
        .builtin_mediators()
        .connector(Greeting)
        .build();
    let engine = Engine::new(
        registry,
        EngineServices::in_memory(Settings::default()).unwrap(),
    );
    let typo = engine.compile(
        "typo.xml",
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="typo"><target><inSequence>
             <greeting.helo><nmae>x</nmae></greeting.helo></inSequence></target></proxy>"#,
    );
    let rendered: Vec<String> = typo.diagnostics.iter().map(|d| d.render()).collect();
    assert!(
        rendered[0].contains("did you mean <greeting.hello>?"),
        "{rendered:?}"
    );

    let proxy = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="greeting"><target><inSequence>
         <greeting.hello><name>{json-eval($.name)}</name></greeting.hello><respond/></inSequence></target></proxy>"#;
    let (_engine, server) = serve(&[("greeting.xml", proxy)]).await;
    let response = reqwest::Client::new()
        .post(url(server.local_addr(), "/services/greeting"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("missing required parameter `name` of operation `hello`")
    );
}

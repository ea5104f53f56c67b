//! REST `<api>` artifacts over HTTP: context matching, resource dispatch, `uri.var.*` and
//! `query.param.*`, 404/405/OPTIONS, versions, and the response path.

mod common;

use common::{MockBackend, Reply, TestEngine, status_and_json};

const PETS: &str = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="pets" context="/pets">
    <resource methods="GET" uri-template="/{id}">
        <inSequence>
            <header name="X-Id" expression="$ctx:uri.var.id" scope="transport"/>
            <header name="X-Q" expression="get-property('query.param.q')" scope="transport"/>
            <header name="X-Api" expression="$ctx:SYNAPSE_REST_API" scope="transport"/>
            <respond/>
        </inSequence>
    </resource>
    <resource methods="POST PUT" url-mapping="/bulk/*">
        <inSequence>
            <header name="X-Bulk" expression="$ctx:REST_SUB_REQUEST_PATH" scope="transport"/>
            <respond/>
        </inSequence>
    </resource>
    <resource methods="DELETE" uri-template="/{id}">
        <inSequence><drop/></inSequence>
    </resource>
</api>"#;

#[tokio::test]
async fn resources_are_chosen_by_method_and_path() {
    let engine = TestEngine::start(&[("pets.xml", PETS)]).await;
    let response = engine
        .client
        .get(engine.url("/pets/7?q=a+b%21"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-id"], "7");
    assert_eq!(response.headers()["x-q"], "a b!");
    assert_eq!(response.headers()["x-api"], "pets");

    let response = engine.post_json("/pets/bulk/2024", "{}").await;
    assert_eq!(response.headers()["x-bulk"], "/bulk/2024");

    let response = engine
        .client
        .delete(engine.url("/pets/7"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    // The path exists, the method does not: 405 with Allow.
    let response = engine
        .client
        .patch(engine.url("/pets/7"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, DELETE");
    let (_, json) = status_and_json(response).await;
    assert_eq!(json["error"], "method not allowed");

    let response = engine
        .client
        .request(http::Method::OPTIONS, engine.url("/pets/7"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["allow"], "GET, DELETE");

    let (status, json) = status_and_json(
        engine
            .client
            .get(engine.url("/pets/1/2/3"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, json["error"].as_str()),
        (404, Some("no matching resource"))
    );
    let (status, _) = status_and_json(
        engine
            .client
            .get(engine.url("/petshop"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn versioned_contexts_and_the_response_path() {
    let backend =
        MockBackend::start(|r| Reply::json(200, &format!(r#"{{"path":"{}"}}"#, r.path_and_query)))
            .await;
    let api = format!(
        r#"<api xmlns="http://ws.apache.org/ns/synapse" name="orders" context="/orders" version="1.0" version-type="url">
            <resource methods="GET" uri-template="/{{id}}">
                <inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
                <outSequence><header name="X-Out" value="yes" scope="transport"/><send/></outSequence>
            </resource>
            <resource methods="POST">
                <inSequence><call><endpoint><address uri="{}"/></endpoint></call><respond/></inSequence>
            </resource>
        </api>"#,
        backend.url("/backend"),
        backend.url("/posted")
    );
    let engine = TestEngine::start(&[("orders.xml", &api)]).await;
    let response = engine
        .client
        .get(engine.url("/orders/1.0/42?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-out"], "yes");
    // The address endpoint gets the path below the context (REST_URL_POSTFIX).
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"path":"/backend/42?x=1"}"#
    );

    let response = engine.post_json("/orders/1.0", "{}").await;
    assert_eq!(response.text().await.unwrap(), r#"{"path":"/posted"}"#);
    let (status, _) = status_and_json(
        engine
            .client
            .get(engine.url("/orders/42"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "the unversioned path is not served");
    let artifacts = engine.artifacts().await;
    assert_eq!(artifacts["artifacts"][0]["kind"], "api");
    assert_eq!(artifacts["artifacts"][0]["name"], "orders:v1.0");
    assert_eq!(
        artifacts["artifacts"][0]["requests"], 2,
        "the 404 never reached the API"
    );
}

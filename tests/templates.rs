//! Sequence templates, `call-template`, `$func:`, connector operations served by templates,
//! endpoint templates, local entries, and `<definitions>` files with their implicit `main`
//! sequence.

mod common;

use common::{MockBackend, Reply, TestEngine, status_and_json};

const GREET: &str = r#"<template xmlns="http://ws.apache.org/ns/synapse" name="greet">
    <parameter name="who" isMandatory="true"/>
    <parameter name="greeting" defaultValue="Hello"/>
    <parameter name="late"/>
    <sequence>
        <header name="X-Greeting" expression="$func:greeting" scope="transport"/>
        <header name="X-Who" expression="$func:who" scope="transport"/>
        <property name="seen" value="after"/>
        <header name="X-Late" expression="get-property('func','late')" scope="transport"/>
    </sequence>
</template>"#;

fn proxy(name: &str, body: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target><inSequence>{body}</inSequence></target></proxy>"#
    )
}

#[tokio::test]
async fn call_template_passes_literal_dynamic_lazy_and_default_values() {
    let caller = proxy(
        "caller",
        r#"<property name="seen" value="before"/>
           <call-template target="greet">
               <with-param name="who" value="{json-eval($.name)}"/>
               <with-param name="late" value="{{$ctx:seen}}"/>
           </call-template>
           <respond/>"#,
    );
    let missing = proxy("missing", r#"<call-template target="greet"/><respond/>"#);
    let engine = TestEngine::start(&[
        ("greet.xml", GREET),
        ("caller.xml", &caller),
        ("missing.xml", &missing),
    ])
    .await;
    let response = engine
        .post_json("/services/caller", r#"{"name":"Ada"}"#)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-who"], "Ada");
    assert_eq!(
        response.headers()["x-greeting"],
        "Hello",
        "the default applies"
    );
    assert_eq!(
        response.headers()["x-late"],
        "after",
        "{{...}} is read when the template asks"
    );

    let (status, json) = status_and_json(engine.post_json("/services/missing", "{}").await).await;
    assert_eq!(status, 500);
    assert_eq!(
        json["error"],
        "mandatory parameter `who` of template `greet` has no value"
    );
}

#[tokio::test]
async fn connector_operations_run_templates_with_or_without_an_import() {
    let direct = r#"<template xmlns="http://ws.apache.org/ns/synapse" name="acme.greet">
        <parameter name="name"/>
        <sequence><header name="X-Acme" expression="$func:name" scope="transport"/></sequence></template>"#;
    let packaged = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
        <import name="shop" package="org.example.connector"/>
        <template name="org.example.connector.shop.order">
            <parameter name="item"/>
            <sequence><header name="X-Shop" expression="$func:item" scope="transport"/></sequence>
        </template></definitions>"#;
    let caller = proxy(
        "caller",
        r#"<acme.greet><name>{$ctx:who}</name></acme.greet>
           <shop.order><item>book</item></shop.order>
           <respond/>"#,
    );
    let caller = caller.replace(
        "<acme.greet>",
        r#"<property name="who" value="Bob"/><acme.greet>"#,
    );
    let dangling = proxy("dangling", "<nowhere.op/><respond/>");
    let engine = TestEngine::start(&[
        ("acme.xml", direct),
        ("shop.xml", packaged),
        ("caller.xml", &caller),
        ("dangling.xml", &dangling),
    ])
    .await;
    let response = engine.post_json("/services/caller", "{}").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-acme"], "Bob");
    assert_eq!(response.headers()["x-shop"], "book");

    // A connector nobody provides deploys with a warning and fails when called.
    let artifacts = engine.artifacts().await;
    let entry = artifacts["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "dangling")
        .unwrap();
    assert_eq!(
        entry["diagnostics"][0]["message"],
        "template `nowhere.op` is not defined in any deployed file"
    );
    let (status, json) = status_and_json(engine.post_json("/services/dangling", "{}").await).await;
    assert_eq!(status, 500);
    assert_eq!(
        json["error"],
        "Sequence template `nowhere.op` cannot be found"
    );
}

#[tokio::test]
async fn definitions_files_hold_many_artifacts_and_a_main_sequence() {
    let definitions = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
        <localEntry key="greeting">Good morning</localEntry>
        <sequence name="tag"><header name="X-Tag" value="tagged" scope="transport"/></sequence>
        <proxy name="hello"><target><inSequence>
            <sequence key="tag"/>
            <header name="X-Greeting" expression="get-property('greeting')" scope="transport"/>
            <respond/>
        </inSequence></target></proxy>
        <header name="X-Main" value="main" scope="transport"/>
        <property name="HTTP_SC" value="404" scope="axis2"/>
        <respond/>
    </definitions>"#;
    let engine = TestEngine::start(&[("synapse.xml", definitions)]).await;
    let response = engine.post_json("/services/hello", "{}").await;
    assert_eq!(response.headers()["x-tag"], "tagged");
    assert_eq!(response.headers()["x-greeting"], "Good morning");
    // What no proxy or API serves goes to main.
    let response = engine.post_json("/services/unknown", "{}").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-main"], "main");
    let response = engine
        .client
        .get(engine.url("/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-main"], "main");
    let kinds: Vec<String> = engine.artifacts().await["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["kind"].as_str().unwrap(),
                a["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "localEntry:greeting",
            "sequence:tag",
            "proxy:hello",
            "sequence:main"
        ]
    );
}

#[tokio::test]
async fn config_key_runs_the_connection_held_by_a_local_entry() {
    let library = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
        <template name="acme.init"><parameter name="host"/>
            <sequence><property name="acme.host" expression="$func:host"/></sequence></template>
        <template name="acme.ping"><parameter name="what"/>
            <sequence><header name="X-Ping" expression="concat($func:what, '@', $ctx:acme.host)" scope="transport"/></sequence></template>
        </definitions>"#;
    let connection = r#"<localEntry xmlns="http://ws.apache.org/ns/synapse" key="ACME_CONN">
        <acme.init><host>acme.example</host></acme.init><description/></localEntry>"#;
    let caller = proxy(
        "caller",
        r#"<acme.ping configKey="ACME_CONN"><what>hello</what></acme.ping><respond/>"#,
    );
    let orphan = proxy("orphan", r#"<acme.ping configKey="NOPE"/><respond/>"#);
    let engine = TestEngine::start(&[
        ("lib.xml", library),
        ("conn.xml", connection),
        ("caller.xml", &caller),
        ("orphan.xml", &orphan),
    ])
    .await;
    let response = engine.post_json("/services/caller", "{}").await;
    assert_eq!(response.headers()["x-ping"], "hello@acme.example");
    let (status, json) = status_and_json(engine.post_json("/services/orphan", "{}").await).await;
    assert_eq!(status, 500);
    assert_eq!(json["error"], "connection `NOPE` cannot be found");
}

#[tokio::test]
async fn endpoint_templates_are_filled_in_by_the_endpoints_that_use_them() {
    let backend = MockBackend::start(|_| Reply::json(200, r#"{"ok":true}"#)).await;
    let template = r#"<template xmlns="http://ws.apache.org/ns/synapse" name="HttpTemplate">
        <parameter name="verb"/>
        <endpoint name="$name">
            <http uri-template="$uri/items" method="$verb"/>
        </endpoint>
    </template>"#;
    let named = format!(
        r#"<endpoint xmlns="http://ws.apache.org/ns/synapse" name="items" template="HttpTemplate" uri="{}">
             <parameter name="verb" value="put"/>
           </endpoint>"#,
        backend.url("/named")
    );
    let user = proxy(
        "user",
        &format!(
            r#"<call><endpoint key="items"/></call>
               <call><endpoint template="HttpTemplate" uri="{}"><parameter name="verb" value="delete"/></endpoint></call>
               <respond/>"#,
            backend.url("/inline")
        ),
    );
    let engine = TestEngine::start(&[
        ("template.xml", template),
        ("items.xml", &named),
        ("user.xml", &user),
    ])
    .await;
    let (status, body) = status_and_json(engine.post_json("/services/user", "{}").await).await;
    assert_eq!(status, 200, "{body}");
    let seen: Vec<(String, String)> = backend
        .received()
        .iter()
        .map(|r| (r.method.clone(), r.path_and_query.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("PUT".to_string(), "/named/items".to_string()),
            ("DELETE".to_string(), "/inline/items".to_string())
        ]
    );
    // A missing template is named at deploy time.
    let report = engine.artifacts().await.to_string();
    assert!(
        !report.contains("endpoint template `HttpTemplate` is not defined"),
        "{report}"
    );
}

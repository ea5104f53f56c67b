//! Splitting and joining over HTTP: iterate, clone, aggregate and foreach, on JSON and XML,
//! with branches that send, call and continue, time out, or never arrive.

mod common;

use std::time::Duration;

use common::{MockBackend, Reply, TestEngine, status_and_json};
use serde_json::{Value, json};

/// A backend that answers `{"name": <name of the posted item>, "seen": true}`.
async fn echo_backend() -> MockBackend {
    MockBackend::start(|r| {
        let item: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let reply = json!({"name": item["name"], "seen": true});
        Reply::json(200, &reply.to_string())
    })
    .await
}

fn names(items: &Value) -> Vec<String> {
    let mut names: Vec<String> = items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"))
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

const THREE: &str = r#"{"items":[{"name":"a"},{"name":"b"},{"name":"c"}]}"#;

#[tokio::test]
async fn iterate_sends_each_item_and_the_out_sequence_aggregates_the_answers() {
    let backend = echo_backend().await;
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="split"><target>
             <inSequence>
               <iterate id="it" expression="json-eval($.items)">
                 <target><sequence>
                   <send><endpoint><address uri="{}"/></endpoint></send>
                 </sequence></target>
               </iterate>
             </inSequence>
             <outSequence>
               <aggregate id="it">
                 <completeCondition><messageCount min="-1" max="-1"/></completeCondition>
                 <onComplete expression="json-eval($)"><respond/></onComplete>
               </aggregate>
             </outSequence>
           </target></proxy>"#,
        backend.url("/item")
    );
    let engine = TestEngine::start(&[("split.xml", &proxy)]).await;
    let (status, body) = status_and_json(engine.post_json("/services/split", THREE).await).await;
    assert_eq!(status, 200);
    assert_eq!(names(&body), ["a", "b", "c"]);
    assert!(body.as_array().unwrap().iter().all(|i| i["seen"] == true));
    let mut sent: Vec<String> = backend
        .received()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        [r#"{"name":"a"}"#, r#"{"name":"b"}"#, r#"{"name":"c"}"#]
    );
}

#[tokio::test]
async fn branches_that_call_carry_on_after_the_iterate_into_the_aggregate() {
    let backend = echo_backend().await;
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="calls"><target><inSequence>
             <property name="wrapper" scope="default"><results xmlns=""/></property>
             <iterate id="acc" expression="json-eval($.items)">
               <target><sequence>
                 <call><endpoint><address uri="{}"/></endpoint></call>
               </sequence></target>
             </iterate>
             <aggregate id="acc">
               <onComplete expression="json-eval($)" enclosingElementProperty="wrapper">
                 <log level="custom"><property name="state" value="aggregated"/></log>
               </onComplete>
             </aggregate>
             <payloadFactory media-type="json">
               <format>{{"after": $1}}</format>
               <args><arg evaluator="json" expression="$.results"/></args>
             </payloadFactory>
             <respond/>
           </inSequence></target></proxy>"#,
        backend.url("/item")
    );
    let engine = TestEngine::start(&[("calls.xml", &proxy)]).await;
    let (status, body) = status_and_json(engine.post_json("/services/calls", THREE).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body["after"]), ["a", "b", "c"]);
    assert_eq!(backend.received().len(), 3);
}

#[tokio::test]
async fn iterate_over_xml_with_xpath_and_aggregate_the_xml_answers() {
    let backend = MockBackend::start(|r| {
        let text = String::from_utf8_lossy(&r.body).into_owned();
        let id = text
            .split("<id>")
            .nth(1)
            .and_then(|t| t.split("</id>").next())
            .unwrap_or("?")
            .to_string();
        Reply {
            headers: vec![("content-type".into(), "application/xml".into())],
            ..Reply::json(200, &format!("<done><id>{id}</id></done>"))
        }
    })
    .await;
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="xml"><target>
             <inSequence>
               <iterate xmlns:o="urn:orders" expression="//o:order">
                 <target><sequence>
                   <send><endpoint><address uri="{}" format="pox"/></endpoint></send>
                 </sequence></target>
               </iterate>
             </inSequence>
             <outSequence>
               <property name="all" scope="default"><all xmlns=""/></property>
               <aggregate>
                 <onComplete expression="//done" enclosingElementProperty="all"><respond/></onComplete>
               </aggregate>
             </outSequence>
           </target></proxy>"#,
        backend.url("/order")
    );
    let engine = TestEngine::start(&[("xml.xml", &proxy)]).await;
    let request = r#"<o:orders xmlns:o="urn:orders"><o:order><id>1</id></o:order><o:order><id>2</id></o:order></o:orders>"#;
    let response = reqwest::Client::new()
        .post(engine.url("/services/xml"))
        .header("content-type", "application/xml")
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.starts_with("<all><done>"), "{text}");
    assert!(
        text.contains("<id>1</id>") && text.contains("<id>2</id>"),
        "{text}"
    );
    // Each branch carried one order as its whole body.
    let mut bodies: Vec<String> = backend
        .received()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    bodies.sort();
    assert!(bodies[0].contains("<id>1</id>") && !bodies[0].contains("<id>2</id>"));
}

#[tokio::test]
async fn clone_sends_the_whole_message_to_every_target() {
    let a = MockBackend::start(|_| Reply::json(200, r#"{"name":"from-a"}"#)).await;
    let b = MockBackend::start(|_| Reply::json(200, r#"{"name":"from-b"}"#)).await;
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="fan"><target><inSequence>
             <clone id="c">
               <target><sequence><call><endpoint><address uri="{}"/></endpoint></call></sequence></target>
               <target><sequence><call><endpoint><address uri="{}"/></endpoint></call></sequence></target>
             </clone>
             <aggregate id="c"><onComplete expression="json-eval($)"><respond/></onComplete></aggregate>
           </inSequence></target></proxy>"#,
        a.url("/"),
        b.url("/")
    );
    let engine = TestEngine::start(&[("fan.xml", &proxy)]).await;
    let (status, body) =
        status_and_json(engine.post_json("/services/fan", r#"{"q":1}"#).await).await;
    assert_eq!(status, 200);
    assert_eq!(names(&body), ["from-a", "from-b"]);
    assert_eq!(a.received()[0].body, r#"{"q":1}"#.as_bytes());
    assert_eq!(b.received()[0].body, r#"{"q":1}"#.as_bytes());
}

#[tokio::test]
async fn an_aggregation_times_out_with_the_answers_it_has() {
    let backend = MockBackend::start(|r| {
        let slow = String::from_utf8_lossy(&r.body).contains("slow");
        let reply = Reply::json(200, r#"{"name":"quick"}"#);
        if slow {
            reply.after(Duration::from_secs(5))
        } else {
            reply
        }
    })
    .await;
    let proxy = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="late"><target>
             <inSequence>
               <iterate expression="json-eval($.items)">
                 <target endpoint="backend"/>
               </iterate>
             </inSequence>
             <outSequence>
               <aggregate>
                 <completeCondition timeout="0.3"/>
                 <onComplete expression="json-eval($)"><respond/></onComplete>
               </aggregate>
             </outSequence>
           </target></proxy>"#;
    let endpoint = format!(
        r#"<endpoint xmlns="http://ws.apache.org/ns/synapse" name="backend"><address uri="{}"/></endpoint>"#,
        backend.url("/")
    );
    let engine = TestEngine::start(&[("late.xml", proxy), ("backend.xml", &endpoint)]).await;
    let started = std::time::Instant::now();
    let (status, body) = status_and_json(
        engine
            .post_json("/services/late", r#"{"items":[{"n":"fast"},{"n":"slow"}]}"#)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(names(&body), ["quick"]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the slow branch was awaited"
    );
}

#[tokio::test]
async fn branches_that_never_arrive_do_not_keep_the_client_waiting() {
    let backend = echo_backend().await;
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="gaps"><target>
             <inSequence>
               <iterate expression="json-eval($.items)" sequential="true">
                 <target><sequence>
                   <filter source="json-eval($.name)" regex="b"><drop/></filter>
                   <send><endpoint><address uri="{}"/></endpoint></send>
                 </sequence></target>
               </iterate>
             </inSequence>
             <outSequence>
               <aggregate><onComplete expression="json-eval($)"><respond/></onComplete></aggregate>
             </outSequence>
           </target></proxy>"#,
        backend.url("/")
    );
    let engine = TestEngine::start(&[("gaps.xml", &proxy)]).await;
    let (status, body) = status_and_json(engine.post_json("/services/gaps", THREE).await).await;
    assert_eq!(status, 200);
    assert_eq!(names(&body), ["a", "c"]);
    // sequential="true": the backend saw the items in order.
    let order: Vec<String> = backend
        .received()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(order, [r#"{"name":"a"}"#, r#"{"name":"c"}"#]);
}

#[tokio::test]
async fn foreach_rewrites_each_item_in_place() {
    let api = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="each" context="/each">
        <resource methods="POST" uri-template="/json"><inSequence>
          <foreach id="f" expression="json-eval($.items)">
            <sequence>
              <payloadFactory media-type="json">
                <format>{"name": "$1", "index": $2}</format>
                <args>
                  <arg evaluator="json" expression="$.name"/>
                  <arg expression="$ctx:FOREACH_COUNTER.f"/>
                </args>
              </payloadFactory>
            </sequence>
          </foreach>
          <respond/>
        </inSequence></resource>
        <resource methods="POST" uri-template="/xml"><inSequence>
          <foreach expression="//item">
            <sequence>
              <payloadFactory media-type="xml">
                <format><item checked="yes">$1</item></format>
                <args><arg expression="upper-case-free(//item)"/></args>
              </payloadFactory>
            </sequence>
          </foreach>
          <respond/>
        </inSequence></resource>
      </api>"#;
    let api = api.replace("upper-case-free(//item)", "concat(//item, '!')");
    let engine = TestEngine::start(&[("each.xml", &api)]).await;
    let (status, body) = status_and_json(
        engine
            .post_json(
                "/each/json",
                r#"{"items":[{"name":"a"},{"name":"b"}],"keep":1}"#,
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"items":[{"name":"a","index":0},{"name":"b","index":1}],"keep":1})
    );
    let response = reqwest::Client::new()
        .post(engine.url("/each/xml"))
        .header("content-type", "application/xml")
        .body("<list><item>x</item><other/><item>y</item></list>")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"<list><item checked="yes">x!</item><other/><item checked="yes">y!</item></list>"#
    );
}

//! header, switch, filter, property, log and drop.

use super::*;

// ---- header, switch, filter, property, log, drop -------------------------------------------

#[tokio::test]
async fn transport_headers_set_and_removed_both_ways() {
    let backend = backend().await;
    let engine = deploy(&["header_transport.xml"], &backend).await;
    let answer = send(
        &engine,
        "POST",
        "/services/HeaderRelay",
        Some("application/json"),
        "{}",
        &[("X-Request-Id", "req-7"), ("X-Internal-Token", "t0k3n")],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-served-by"), "oxynapse");
    assert_eq!(answer.header("x-seen-method"), "POST");
    assert!(!answer.headers.contains_key("x-seen-path"));
    let received = &backend.received()[0];
    assert_eq!(received.headers["accept"], "application/json");
    assert_eq!(received.headers["x-correlation-id"], "req-7");
    assert!(!received.headers.contains_key("x-internal-token"));
}

#[tokio::test]
async fn soap_headers_on_a_soap_message() {
    let backend = backend().await;
    let engine = deploy(&["header_soap.xml"], &backend).await;
    let request = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Header><h:trace xmlns:h="urn:example:trace">abc-123</h:trace></soapenv:Header><soapenv:Body><ping/></soapenv:Body></soapenv:Envelope>"#
    );
    let answer = post(&engine, "/services/SoapHeaders", "text/xml", &request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Header><g:handledBy xmlns:g="urn:example:gateway">oxynapse</g:handledBy></soapenv:Header><soapenv:Body><ping/></soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[tokio::test]
async fn switch_cases_and_default() {
    let backend = backend().await;
    let engine = deploy(&["switch.xml"], &backend).await;
    let order = |country: &str| {
        format!(
            r#"<ord:order xmlns:ord="http://example.org/orders"><ord:country>{country}</ord:country></ord:order>"#
        )
    };
    for (country, region) in [
        ("NO", "nordics"),
        ("NL", "n-countries"),
        ("FR", "elsewhere"),
        ("NOR", "n-countries"),
        ("france", "unknown"),
    ] {
        let answer = post(
            &engine,
            "/services/OrderRouter",
            "application/xml",
            &order(country),
        )
        .await;
        assert_eq!(answer.header("x-region"), region, "{country}");
        assert_eq!(answer.header("x-channel-kind"), "", "no X-Channel, no case");
    }
    let answer = send(
        &engine,
        "POST",
        "/services/OrderRouter",
        Some("application/xml"),
        &order("SE"),
        &[("X-Channel", "mobile")],
    )
    .await;
    assert_eq!(answer.header("x-channel-kind"), "app");
}

#[tokio::test]
async fn filter_by_regex_and_by_xpath() {
    let backend = backend().await;
    let engine = deploy(&["filter.xml"], &backend).await;
    let order = |email: &str, total: u32, currency: &str| {
        format!(
            r#"{{"customer": {{"email": "{email}"}}, "order": {{"total": {total}, "currency": "{currency}"}}}}"#
        )
    };
    let answer = send(
        &engine,
        "POST",
        "/services/OrderFilter",
        Some("application/json"),
        &order("ann@example.org", 250, "EUR"),
        &[("X-Debug", "on")],
    )
    .await;
    assert_eq!(answer.header("x-internal"), "yes");
    assert_eq!(answer.header("x-approval"), "required");
    assert_eq!(answer.header("x-debug-echo"), "on");
    let answer = post(
        &engine,
        "/services/OrderFilter",
        "application/json",
        &order("ann@example.org.evil", 250, "USD"),
    )
    .await;
    assert_eq!(
        answer.header("x-internal"),
        "no",
        "the regex must match all of it"
    );
    assert_eq!(answer.header("x-approval"), "none");
    assert!(!answer.headers.contains_key("x-debug-echo"));
}

#[tokio::test]
async fn property_types() {
    let backend = backend().await;
    let engine = deploy(&["property_types.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/PropertyTypes",
        "application/json",
        r#"{"qty": "3.0", "express": "YES", "meta": {"a": [1, 2]}}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"label":"order","qty":3,"limit":10,"express":true,"debug":true,"meta":{"a":[1,2]},"metaText":"{\"a\":[1,2]}","stamp":"<st:stamp xmlns:st=\"urn:example:stamp\"><st:by>ops</st:by></st:stamp>"}"#
    );
}

#[tokio::test]
async fn property_scopes() {
    let backend = backend().await;
    let engine = deploy(&["property_scopes.xml"], &backend).await;
    let answer = send(
        &engine,
        "POST",
        "/services/PropertyScopes",
        Some("application/json"),
        r#"{"id": "ord-77"}"#,
        &[("X-Internal", "secret")],
    )
    .await;
    assert_eq!(answer.status, 203);
    assert_eq!(answer.header("x-kept"), "yes");
    assert_eq!(answer.header("x-dropped"), "");
    assert_eq!(answer.header("x-attempt"), "1");
    assert_eq!(answer.header("x-last-order"), "ord-77");
    let received = &backend.received()[0];
    assert_eq!(received.headers["x-api-key"], "k-123");
    assert!(!received.headers.contains_key("x-internal"));
    let stored = engine.data_dir.join("registry/config/compat/lastOrder");
    assert_eq!(std::fs::read_to_string(stored).unwrap(), "ord-77");
}

/// A log sink the test can read back (the first test to ask installs it, for this binary).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let sink = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .without_time()
            .with_writer(move || sink.clone())
            .init();
        captured
    })
}

#[tokio::test]
async fn log_levels_and_categories() {
    let logs = captured_logs();
    let backend = backend().await;
    let engine = deploy(&["log_levels.xml"], &backend).await;
    let answer = send(
        &engine,
        "POST",
        "/services/LogLevels",
        Some("application/json"),
        r#"{"sku": "A-1"}"#,
        &[("X-Request-Id", "req-9")],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, r#"{"sku": "A-1"}"#);
    // "LEVEL message" for each line of this proxy's log mediators.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.contains("oxynapse::log_mediator: {proxy:LogLevels}"))
        .map(|l| {
            let (level, message) = l.trim().split_once(' ').unwrap();
            let message = message.split_once(": ").unwrap().1;
            format!("{level} {message}")
        })
        .collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert_eq!(
        lines[0],
        "INFO {proxy:LogLevels} To: /services/LogLevels, Direction: request"
    );
    assert!(
        lines[1]
            .starts_with("INFO {proxy:LogLevels} To: /services/LogLevels, Direction: request, ")
            && lines[1].contains("x-request-id = req-9")
            && lines[1].contains("content-type = application/json"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]
            .starts_with("WARN {proxy:LogLevels} To: /services/LogLevels, Direction: request, ")
            && lines[2].ends_with(r#", Payload: {"sku":"A-1"}"#),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "INFO {proxy:LogLevels} marker = compat-log-levels | sku = A-1 | nothing = null"
    );
    assert_eq!(
        lines[4],
        "ERROR {proxy:LogLevels} To: /services/LogLevels, Direction: request, stage = last"
    );
}

#[tokio::test]
async fn drop_answers_202() {
    let backend = backend().await;
    let engine = deploy(&["drop.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/EventSink",
        "application/json",
        r#"{"type": "heartbeat"}"#,
    )
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (202, ""));
    let answer = post(
        &engine,
        "/services/EventSink",
        "application/json",
        r#"{"type": "order"}"#,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"type": "order"}"#)
    );
}

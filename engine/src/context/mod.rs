//! The message context: everything one request carries through the mediators.
//!
//! Properties live in scopes as in Synapse: default (`$ctx:`), axis2 (`$axis2:`), operation,
//! and transport (the HTTP headers, `$trp:`). The payload is parsed only when asked.

mod branch;
mod payload;
mod streaming;
mod value;

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

pub use branch::Membership;
pub use payload::{BodyKind, Payload, is_json_content_type};
pub use value::{PropertyType, PropertyValue};

use crate::deploy::Deployment;
use crate::error::MediationError;
use crate::handler::Handler;
use crate::http::streamed::StreamedBody;
use crate::services::EngineServices;
use crate::template::FuncValue;
use crate::xpath::Document;

/// The property maps of a message. foldhash rather than std's SipHash: these few short keys
/// are hashed several times per request (SipHash was about 6% of the seed proxy's
/// instructions), and the keys are config names plus, for APIs, the client's query parameter
/// names, for which foldhash's per-process random seed is DoS resistance enough. foldhash is
/// hashbrown's default hasher and already in the build through serde_json.
type Map<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Which way the message is travelling: towards a backend, or back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// The response handed back to the client, captured when `respond` or `send` runs.
#[derive(Debug)]
pub struct OutgoingResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body, or nothing when it is in `stream`.
    pub body: Bytes,
    /// A large backend body relayed as it arrives; only when the transport asked for
    /// streaming (see [`Engine::handle_streaming`](crate::Engine::handle_streaming)).
    pub stream: Option<StreamedBody>,
}

impl OutgoingResponse {
    /// A response with a body held in memory.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> OutgoingResponse {
        OutgoingResponse {
            status,
            headers,
            body,
            stream: None,
        }
    }
}

/// Axis2 properties with a meaning to the engine.
pub mod axis2 {
    pub const HTTP_SC: &str = "HTTP_SC";
    pub const HTTP_METHOD: &str = "HTTP_METHOD";
    pub const REST_URL_POSTFIX: &str = "REST_URL_POSTFIX";
    pub const MESSAGE_TYPE: &str = "messageType";
    pub const CONTENT_TYPE: &str = "ContentType";
}

/// Headers that describe one hop and must not be copied to the next one.
pub fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
            | "expect"
    )
}

pub struct MessageContext {
    services: Arc<EngineServices>,
    deployment: Arc<Deployment>,
    handler: Option<Arc<Handler>>,
    /// Where the REST postfix starts in `request_uri` (after `/services/{name}` or the API
    /// context), once a handler is chosen.
    postfix_offset: Option<usize>,
    properties: Map<PropertyValue>,
    axis2: Map<String>,
    operation: Map<PropertyValue>,
    /// Transport headers: the request's, and after a backend call, the response's.
    pub headers: HeaderMap,
    payload: Payload,
    /// Counts changes to the status or body, so a fault handler's own answer can be told
    /// apart from what the message carried before the error.
    result_changes: u32,
    method: Method,
    /// The request path and query, e.g. `/services/P/x?y=1` (Synapse's `To`).
    request_uri: String,
    direction: Direction,
    response: Option<OutgoingResponse>,
    /// Per-flow state of connectors (what `init` stored for later operations).
    extensions: http::Extensions,
    /// Credential values seen in this message, masked wherever the engine writes text out.
    secrets: Vec<String>,
    /// How many times mediation of this message failed.
    faults: u32,
    /// Parameters of the templates being run, innermost last (`$func:`).
    func_frames: Vec<Vec<(String, FuncValue)>>,
    /// Nesting of lazy (`{{...}}`) parameter evaluations, bounded against self-reference.
    lazy_depth: u32,
    /// The body is a SOAP fault built by `makefault`: it answers 500 unless `HTTP_SC` is set.
    soap_fault: bool,
    /// The body came from a backend, so a body that cannot be read is the backend's fault.
    body_from_backend: bool,
    /// The XML view XPath reads, built on first use and dropped when the body changes.
    xml_view: Option<Arc<Document>>,
    /// The body is a SOAP envelope as received (not a payload wrapped in one for XPath).
    soap_envelope: bool,
    /// The WS-Addressing `To` set with `<header name="To">`: where `<send/>` and the default
    /// endpoint deliver.
    to_address: Option<String>,
    /// The `iterate`/`clone` splits this message is a branch of.
    membership: Membership,
    /// Branches that go on after the mediator that split them (see `branch.rs`).
    continuing: Vec<MessageContext>,
    /// Splits this message started, settled when its flow ends.
    started_splits: Vec<Arc<crate::eip::Split>>,
    /// A non-blocking `call` returned to this message.
    called_backend: bool,
    /// How this message may relay large backend bodies (see `streaming.rs`).
    streaming: streaming::Streaming,
}

/// The parts of a message an endpoint changes, saved to send the same request again.
#[derive(Debug, Clone)]
pub struct MessageSnapshot {
    headers: HeaderMap,
    payload: Payload,
    axis2: Map<String>,
    body_from_backend: bool,
    soap_fault: bool,
}

impl MessageContext {
    pub fn new(
        services: Arc<EngineServices>,
        deployment: Arc<Deployment>,
        method: Method,
        request_uri: String,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        MessageContext {
            services,
            deployment,
            handler: None,
            postfix_offset: None,
            properties: Map::default(),
            axis2: Map::default(),
            operation: Map::default(),
            headers,
            payload: Payload::new(body),
            result_changes: 0,
            method,
            request_uri,
            direction: Direction::Request,
            response: None,
            extensions: http::Extensions::new(),
            secrets: Vec::new(),
            faults: 0,
            func_frames: Vec::new(),
            lazy_depth: 0,
            soap_fault: false,
            body_from_backend: false,
            xml_view: None,
            soap_envelope: false,
            to_address: None,
            membership: Membership::default(),
            continuing: Vec::new(),
            started_splits: Vec::new(),
            called_backend: false,
            streaming: streaming::Streaming::default(),
        }
    }

    pub fn to_address(&self) -> Option<&str> {
        self.to_address.as_deref()
    }

    pub fn set_to_address(&mut self, to: Option<String>) {
        self.to_address = to;
    }

    /// Saves the message as it is now (for endpoints that send it more than once).
    pub fn snapshot_message(&self) -> MessageSnapshot {
        MessageSnapshot {
            headers: self.headers.clone(),
            payload: self.payload.clone(),
            axis2: self.axis2.clone(),
            body_from_backend: self.body_from_backend,
            soap_fault: self.soap_fault,
        }
    }

    pub fn restore_message(&mut self, saved: MessageSnapshot) {
        self.headers = saved.headers;
        self.payload = saved.payload;
        self.axis2 = saved.axis2;
        self.body_from_backend = saved.body_from_backend;
        self.soap_fault = saved.soap_fault;
        self.xml_view = None;
        self.streaming.body = None;
        self.result_changes += 1;
    }

    /// Marks the body as a SOAP fault (status 500 unless `HTTP_SC` says otherwise).
    pub fn mark_soap_fault(&mut self) {
        self.soap_fault = true;
    }

    /// Runs a lazy parameter evaluation, refusing runaway nesting (`{{$func:x}}` passed as `x`).
    pub fn with_lazy_evaluation(
        &mut self,
        evaluate: impl FnOnce(&mut Self) -> Result<Option<String>, MediationError>,
    ) -> Result<Option<String>, MediationError> {
        if self.lazy_depth >= 16 {
            return Err(MediationError::internal(
                "template parameters refer to each other in a loop",
            ));
        }
        self.lazy_depth += 1;
        let result = evaluate(self);
        self.lazy_depth -= 1;
        result
    }

    pub fn push_func_frame(&mut self, frame: Vec<(String, FuncValue)>) {
        self.func_frames.push(frame);
    }

    pub fn pop_func_frame(&mut self) {
        self.func_frames.pop();
    }

    /// A parameter of the innermost template being run.
    pub fn func_value(&self, name: &str) -> Option<FuncValue> {
        self.func_frames
            .last()?
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    pub fn record_fault(&mut self) {
        self.faults += 1;
    }

    /// How many times mediation failed (each failure ran the fault path).
    pub fn faults(&self) -> u32 {
        self.faults
    }

    /// Remembers a credential value, so logs and error bodies mask it wherever it appears.
    /// Short values are ignored: masking `true` or `1` everywhere would hide too much.
    pub fn note_secret(&mut self, value: &str) {
        if value.len() >= crate::secrets::MIN_SECRET_LEN && !self.secrets.iter().any(|s| s == value)
        {
            self.secrets.push(value.to_string());
        }
    }

    /// `text` with every credential this message has seen masked.
    pub fn redact(&self, text: &str) -> String {
        crate::secrets::redact(text, &self.secrets)
    }

    pub fn services(&self) -> &Arc<EngineServices> {
        &self.services
    }

    pub fn deployment(&self) -> &Arc<Deployment> {
        &self.deployment
    }

    /// The proxy or API resource mediating this message.
    pub fn handler(&self) -> Option<&Arc<Handler>> {
        self.handler.as_ref()
    }

    /// Hands the message to `handler`; the REST postfix is what follows `postfix_offset` in the
    /// request URI (the path after `/services/{name}`, or after an API's context).
    pub fn set_handler(&mut self, handler: Arc<Handler>, postfix_offset: usize) {
        self.handler = Some(handler);
        self.postfix_offset = Some(postfix_offset.min(self.request_uri.len()));
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    pub fn request_uri(&self) -> &str {
        &self.request_uri
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    pub fn set_direction(&mut self, direction: Direction) {
        self.direction = direction;
    }

    // ---- default scope --------------------------------------------------------------------

    pub fn property(&self, name: &str) -> Option<&PropertyValue> {
        self.properties.get(name)
    }

    pub fn set_property(&mut self, name: impl Into<String>, value: impl Into<PropertyValue>) {
        let name = name.into();
        let secret = crate::secrets::is_secret_name(&name);
        self.set_known_property(name, value, secret);
    }

    /// [`set_property`](Self::set_property) for a name classified at deploy time: `secret` is
    /// what [`is_secret_name`](crate::secrets::is_secret_name) says of it.
    pub fn set_known_property(
        &mut self,
        name: impl Into<String>,
        value: impl Into<PropertyValue>,
        secret: bool,
    ) {
        let (name, value) = (name.into(), value.into());
        if secret {
            match value.as_str() {
                Some(text) => self.note_secret(text),
                None => self.note_secret(&value.to_string()),
            }
        }
        self.properties.insert(name, value);
    }

    pub fn remove_property(&mut self, name: &str) {
        self.properties.remove(name);
    }

    /// True when some default-scope property name satisfies `test`.
    pub fn has_property_where(&self, test: impl Fn(&str) -> bool) -> bool {
        self.properties.keys().any(|k| test(k))
    }

    // ---- axis2 scope ----------------------------------------------------------------------

    /// An axis2 property; `HTTP_METHOD` and `REST_URL_POSTFIX` come from the request unless set.
    pub fn axis2_property(&self, name: &str) -> Option<String> {
        if let Some(v) = self.axis2.get(name) {
            return Some(v.clone());
        }
        match name {
            axis2::HTTP_METHOD => Some(self.method.as_str().to_string()),
            axis2::REST_URL_POSTFIX => self.rest_url_postfix().map(str::to_string),
            _ => None,
        }
    }

    /// An axis2 property only as mediation set it, without the request's defaults; borrowed.
    pub fn explicit_axis2_property(&self, name: &str) -> Option<&str> {
        self.axis2.get(name).map(String::as_str)
    }

    pub fn set_axis2_property(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        if name == axis2::HTTP_SC {
            self.result_changes += 1;
        }
        // Synapse: setting messageType also replaces the Content-Type header.
        if name == axis2::MESSAGE_TYPE
            && let Ok(v) = HeaderValue::from_str(&value)
        {
            self.headers.insert(CONTENT_TYPE, v);
        }
        self.axis2.insert(name, value);
    }

    pub fn remove_axis2_property(&mut self, name: &str) {
        self.axis2.remove(name);
        if name == axis2::REST_URL_POSTFIX {
            // Removing it is how configs stop the postfix being appended to endpoints.
            self.axis2.insert(name.into(), String::new());
        }
    }

    /// The part of the request URI after `/services/{name}` or the API context, or `None`
    /// when empty.
    pub fn rest_url_postfix(&self) -> Option<&str> {
        if let Some(v) = self.axis2.get(axis2::REST_URL_POSTFIX) {
            return Some(v.as_str()).filter(|v| !v.is_empty());
        }
        let after = self.request_uri.get(self.postfix_offset?..)?;
        Some(after).filter(|a| !a.is_empty())
    }

    // ---- operation scope ------------------------------------------------------------------

    pub fn operation_property(&self, name: &str) -> Option<&PropertyValue> {
        self.operation.get(name)
    }

    pub fn set_operation_property(&mut self, name: impl Into<String>, value: PropertyValue) {
        self.operation.insert(name.into(), value);
    }

    pub fn remove_operation_property(&mut self, name: &str) {
        self.operation.remove(name);
    }

    // ---- transport scope ------------------------------------------------------------------

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Sets a transport header; the error names what is wrong with the name or value.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), MediationError> {
        self.set_known_header(name, value, crate::secrets::is_secret_name(name))
    }

    /// [`set_header`](Self::set_header) for a name classified at deploy time.
    pub fn set_known_header(
        &mut self,
        name: &str,
        value: &str,
        secret: bool,
    ) -> Result<(), MediationError> {
        if secret {
            self.note_secret(value);
        }
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            MediationError::internal(format!("`{name}` is not a valid HTTP header name"))
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            MediationError::internal(format!(
                "the value for header `{name}` is not a valid header value"
            ))
        })?;
        self.headers.insert(header, value);
        Ok(())
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.remove(name);
    }

    // ---- payload --------------------------------------------------------------------------

    /// The content type of the current message: `messageType` if a mediator set one, else the
    /// `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.axis2
            .get(axis2::MESSAGE_TYPE)
            .map(String::as_str)
            .or_else(|| self.header(CONTENT_TYPE.as_str()))
    }

    /// The JSON payload, parsed on first use. Invalid JSON in a JSON-labelled body is a 400.
    pub fn json_payload(&mut self) -> Result<Option<&Value>, MediationError> {
        // Only the first look at the body needs its content type: later ones (nine `json-eval`
        // of the seed proxy) read what that one found.
        let kind = if self.payload.is_unread() {
            BodyKind::from_content_type(self.content_type())
        } else {
            BodyKind::Unlabelled
        };
        let max_depth = self.services.settings().limits.max_json_depth;
        let from_backend = self.body_from_backend;
        self.payload.json(kind, max_depth).map_err(|e| {
            if from_backend {
                MediationError::backend(
                    crate::error::codes::RESPONSE_PROCESSING,
                    "malformed JSON from the backend",
                )
                .with_detail(format!(
                    "the backend's response body is not valid JSON: {e}"
                ))
            } else {
                MediationError::client("malformed JSON payload")
                    .with_detail(format!("the request body is not valid JSON: {e}"))
            }
        })
    }

    /// The message as XML, as Synapse's XPath sees it: a SOAP envelope as received, a plain
    /// XML or text body wrapped in one, or the JSON-as-XML view of a JSON body. Built on first
    /// use and kept until the body changes.
    pub fn xml_view(&mut self) -> Result<Arc<Document>, MediationError> {
        if let Some(doc) = &self.xml_view {
            return Ok(doc.clone());
        }
        let doc = Arc::new(self.build_xml_view()?);
        self.xml_view = Some(doc.clone());
        Ok(doc)
    }

    fn build_xml_view(&mut self) -> Result<Document, MediationError> {
        self.soap_envelope = false;
        let content_type = self
            .content_type()
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let is_xml = content_type.contains("xml");
        if is_xml && !self.payload.is_empty() {
            let text = self.payload.text();
            let envelope = Document::parse(&text)
                .ok()
                .filter(|d| d.envelope().is_some());
            self.soap_envelope = envelope.is_some();
            let parsed = envelope.map_or_else(|| Document::wrap_xml(&text), Ok);
            return parsed.map_err(|e| {
                let what = format!("the body is not well-formed XML: {}", e.message);
                if self.body_from_backend {
                    MediationError::backend(
                        crate::error::codes::RESPONSE_PROCESSING,
                        "malformed XML from the backend",
                    )
                    .with_detail(what)
                } else {
                    MediationError::client("malformed XML payload").with_detail(what)
                }
            });
        }
        if let Some(json) = self.json_payload()? {
            return Ok(Document::from_json(json));
        }
        let empty = || Document::wrap_xml("").expect("an empty body wraps");
        if content_type.starts_with("text/") && !self.payload.is_empty() {
            // Synapse's plain-text wrapper.
            let text = quick_xml::escape::escape(self.payload.text()).into_owned();
            let xml =
                format!(r#"<text xmlns="http://ws.apache.org/commons/ns/payload">{text}</text>"#);
            return Ok(Document::wrap_xml(&xml).unwrap_or_else(|_| empty()));
        }
        Ok(empty())
    }

    /// Makes an edited copy of the XML view the message body: the whole envelope for a SOAP
    /// message, the Body's content for plain XML. A message that was not XML becomes
    /// `application/xml` (what it carries now); `messageType` can still say otherwise.
    pub fn set_envelope_xml(&mut self, envelope: &str) -> Result<(), MediationError> {
        let is_xml = self
            .content_type()
            .is_some_and(|c| c.to_ascii_lowercase().contains("xml"));
        let body = if self.soap_envelope && is_xml {
            envelope.to_string()
        } else {
            Document::parse(envelope)
                .map_err(|e| {
                    MediationError::internal("an edited message is not well-formed XML")
                        .with_detail(e.to_string())
                })?
                .body_content_xml()
        };
        let content_type = match self.content_type() {
            Some(ct) if is_xml => ct.to_string(),
            _ => "application/xml".to_string(),
        };
        self.set_body(Bytes::from(body), &content_type);
        Ok(())
    }

    /// True when the body is a SOAP envelope (known once the XML view was built).
    pub fn is_soap_envelope(&self) -> bool {
        self.soap_envelope
    }

    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The body as text, for `json-eval($)` and logs.
    pub fn payload_text(&self) -> String {
        self.payload.text()
    }

    /// Replaces the body with bytes built by mediation, of the given content type.
    pub fn set_body(&mut self, body: Bytes, content_type: &str) {
        self.soap_fault = false;
        self.xml_view = None;
        self.streaming.body = None;
        self.payload.set_mediated_raw(body);
        self.set_axis2_property(axis2::MESSAGE_TYPE, content_type);
        self.result_changes += 1;
    }

    /// Replaces the body with a JSON document built by mediation.
    pub fn set_json_payload(&mut self, value: Value) {
        self.soap_fault = false;
        self.xml_view = None;
        self.streaming.body = None;
        self.payload.set_json(value);
        self.result_changes += 1;
    }

    pub fn result_changes(&self) -> u32 {
        self.result_changes
    }

    /// Makes a backend's answer the current message (what `call` and `send` do).
    pub fn replace_message(&mut self, status: StatusCode, headers: HeaderMap, body: Bytes) {
        self.result_changes += 1;
        self.soap_fault = false;
        self.xml_view = None;
        self.body_from_backend = true;
        self.headers = headers;
        self.streaming.body = None;
        self.payload.set_raw(body);
        self.axis2.remove(axis2::MESSAGE_TYPE);
        self.axis2.remove(axis2::CONTENT_TYPE);
        // The code's digits as text, without formatting a number.
        self.axis2
            .insert(axis2::HTTP_SC.into(), status.as_str().to_string());
    }

    // ---- connector state ------------------------------------------------------------------

    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.extensions
    }

    // ---- the response ---------------------------------------------------------------------

    /// Captures the current message as the response (`respond`, or `send` back to the client).
    /// Only the first call counts: a client gets exactly one response.
    pub fn respond(&mut self) {
        if self.response.is_some() {
            return;
        }
        let status = self
            .axis2
            .get(axis2::HTTP_SC)
            .and_then(|s| s.trim().parse::<u16>().ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(if self.soap_fault {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            });
        let mut headers = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            if !is_hop_by_hop(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        if let Some(ct) = self
            .axis2
            .get(axis2::MESSAGE_TYPE)
            .and_then(|ct| HeaderValue::from_str(ct).ok())
        {
            headers.insert(CONTENT_TYPE, ct);
        } else if self.payload.is_modified() && self.payload.is_json_tree() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let no_body = self
            .axis2
            .get("NO_ENTITY_BODY")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        // A body still streaming is the unmodified backend answer (changing the body drops
        // the stream): it goes to the client as it arrives.
        let stream = self.streaming.body.take().filter(|_| !no_body);
        let body = if no_body || stream.is_some() {
            Bytes::new()
        } else {
            self.payload.to_bytes()
        };
        self.response = Some(OutgoingResponse {
            status,
            headers,
            body,
            stream,
        });
    }

    pub fn has_responded(&self) -> bool {
        self.response.is_some()
    }

    /// Answers with a prepared response (an error body) unless one was already captured.
    pub fn respond_with(&mut self, response: OutgoingResponse) {
        if self.response.is_none() {
            self.response = Some(response);
        }
    }

    pub fn take_response(&mut self) -> Option<OutgoingResponse> {
        self.response.take()
    }

    /// True when mediation set a status or a body that should reach the client even though
    /// the flow ended without `respond`.
    pub fn has_explicit_result(&self) -> bool {
        self.axis2.contains_key(axis2::HTTP_SC) || self.payload.is_modified()
    }
}

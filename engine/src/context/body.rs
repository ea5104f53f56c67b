//! The message's body: its content type, the JSON and XML views parsed on first use, and
//! replacing it (with bytes or JSON built by mediation, or with a backend's answer).

use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use super::{BodyKind, MessageContext, Payload, axis2};
use crate::error::MediationError;
use crate::xpath::Document;

impl MessageContext {
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
}

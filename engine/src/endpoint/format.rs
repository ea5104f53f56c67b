//! The `format` of an endpoint: how the message is written for the backend.
//!
//! * `soap11` / `soap12`: the body goes in a SOAP envelope of that version (an envelope of the
//!   right version is sent as it is; plain XML is wrapped; JSON goes through Synapse's
//!   JSON-as-XML view first), with `text/xml` or `application/soap+xml`.
//! * `pox`: the payload inside a SOAP envelope is sent without it, as `application/xml`.
//! * `get`: a GET, whatever the incoming method.
//! * `rest`, `json`, or no format: the message as it is.

use bytes::Bytes;
use http::HeaderValue;

use crate::context::MessageContext;
use crate::error::MediationError;
use crate::xpath::{Document, SOAP11_NS, SOAP12_NS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    AsIs,
    Soap11,
    Soap12,
    Pox,
    Get,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "rest" | "json" => Format::AsIs,
            "soap11" => Format::Soap11,
            "soap12" => Format::Soap12,
            "pox" => Format::Pox,
            "get" => Format::Get,
            _ => return None,
        })
    }

    /// The body and content type to send, or `None` to send the message as it is.
    pub fn rewrite(
        self,
        ctx: &mut MessageContext,
    ) -> Result<Option<(Bytes, HeaderValue)>, MediationError> {
        let (namespace, content_type) = match self {
            Format::AsIs | Format::Get => return Ok(None),
            Format::Soap11 => (SOAP11_NS, "text/xml; charset=UTF-8"),
            Format::Soap12 => (SOAP12_NS, "application/soap+xml; charset=UTF-8"),
            Format::Pox => {
                let doc = ctx.xml_view()?;
                let payload = doc.payload().map(|p| doc.to_xml(p)).unwrap_or_default();
                return Ok(Some((
                    Bytes::from(payload),
                    HeaderValue::from_static("application/xml"),
                )));
            }
        };
        let doc = ctx.xml_view()?;
        // The view wraps plain XML in an envelope too: only a body that is an envelope counts.
        let already = ctx.is_soap_envelope()
            && doc
                .envelope()
                .is_some_and(|e| doc.namespace_uri(e) == namespace)
            && ctx.content_type().is_some_and(|ct| ct.contains("xml"));
        let body = if already {
            ctx.payload_text()
        } else {
            envelope(namespace, &payload_xml(&doc))
        };
        Ok(Some((
            Bytes::from(body),
            HeaderValue::from_static(content_type),
        )))
    }
}

/// The XML of the message's payload (the first element in the Body).
fn payload_xml(doc: &Document) -> String {
    doc.payload().map(|p| doc.to_xml(p)).unwrap_or_default()
}

fn envelope(namespace: &str, payload: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="{namespace}"><soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::context_with;

    #[test]
    fn json_becomes_soap_and_soap_becomes_pox() {
        let mut ctx = context_with(r#"{"getQuote":{"symbol":"IBM"}}"#, &[]);
        let (body, ct) = Format::Soap11.rewrite(&mut ctx).unwrap().unwrap();
        assert_eq!(ct, "text/xml; charset=UTF-8");
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><jsonObject><getQuote><symbol>IBM</symbol></getQuote></jsonObject></soapenv:Body></soapenv:Envelope>"#
        );
        let mut ctx = context_with(
            std::str::from_utf8(&body).unwrap(),
            &[("content-type", "text/xml")],
        );
        ctx.set_header("content-type", "text/xml").unwrap();
        let (same, _) = Format::Soap11.rewrite(&mut ctx).unwrap().unwrap();
        assert_eq!(
            same, body,
            "an envelope of the right version is sent as it is"
        );
        let (pox, ct) = Format::Pox.rewrite(&mut ctx).unwrap().unwrap();
        assert_eq!(ct, "application/xml");
        assert_eq!(
            std::str::from_utf8(&pox).unwrap(),
            "<jsonObject><getQuote><symbol>IBM</symbol></getQuote></jsonObject>"
        );
        assert!(Format::AsIs.rewrite(&mut ctx).unwrap().is_none());
    }

    #[test]
    fn plain_xml_is_wrapped_in_an_envelope() {
        let mut ctx = context_with(
            "<getQuote><symbol>IBM</symbol></getQuote>",
            &[("content-type", "application/xml")],
        );
        let (body, _) = Format::Soap11.rewrite(&mut ctx).unwrap().unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><getQuote><symbol>IBM</symbol></getQuote></soapenv:Body></soapenv:Envelope>"#
        );
    }
}

//! The SOAP envelope that Synapse evaluates every XPath against (synapse-semantics.md §4.2).
//!
//! The context node of a Synapse XPath is the envelope, and `$body`, `$header` and `$env`
//! name its parts. A JSON payload ([`Document::from_json`]) or a plain XML payload
//! ([`Document::wrap_xml`]) is placed in the Body of a SOAP 1.1 envelope; a SOAP 1.1 or 1.2
//! message is parsed as is with [`Document::parse`].

use super::tree::{Builder, Document, Name, NodeId, NodeKind};
use super::xml_io::{XmlError, parse_into};

pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// Starts `<soapenv:Envelope xmlns:soapenv="…"><soapenv:Body>` (SOAP 1.1, as Axis2 builds for
/// JSON and POX messages; no Header element).
pub(crate) fn open_envelope(builder: &mut Builder) {
    let name = |local: &str| Name {
        prefix: "soapenv".into(),
        local: local.into(),
        uri: SOAP11_NS.into(),
    };
    builder.start_element(name("Envelope"), vec![("soapenv".into(), SOAP11_NS.into())]);
    builder.start_element(name("Body"), Vec::new());
}

impl Document {
    /// Wraps a plain XML payload in a SOAP 1.1 envelope: the payload's root element becomes
    /// the only child of the Body. An empty (or whitespace-only) payload gives an empty Body.
    pub fn wrap_xml(payload: &str) -> Result<Document, XmlError> {
        let mut builder = Builder::new();
        open_envelope(&mut builder);
        parse_into(&mut builder, payload)?;
        Ok(builder.finish())
    }

    /// The SOAP 1.1 or 1.2 Envelope element, when the document element is one.
    pub fn envelope(&self) -> Option<NodeId> {
        self.document_element()
            .filter(|&e| self.is_soap(e, "Envelope"))
    }

    /// The Body element of the envelope.
    pub fn body(&self) -> Option<NodeId> {
        self.soap_child("Body")
    }

    /// The Header element of the envelope, if the message has one.
    pub fn header(&self) -> Option<NodeId> {
        self.soap_child("Header")
    }

    /// The first element inside the Body (the payload root), if any.
    pub fn payload(&self) -> Option<NodeId> {
        let body = self.body()?;
        self.children(body)
            .find(|&c| self.kind(c) == NodeKind::Element)
    }

    fn soap_child(&self, local: &str) -> Option<NodeId> {
        let env = self.envelope()?;
        let uri = self.namespace_uri(env).to_string();
        self.children(env).find(|&c| {
            self.kind(c) == NodeKind::Element
                && self.local_name(c) == local
                && self.namespace_uri(c) == uri
        })
    }

    fn is_soap(&self, id: NodeId, local: &str) -> bool {
        self.kind(id) == NodeKind::Element
            && self.local_name(id) == local
            && matches!(self.namespace_uri(id), SOAP11_NS | SOAP12_NS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_a_payload() {
        let doc = Document::wrap_xml("<?xml version='1.0'?><order><id>7</id></order>").unwrap();
        assert_eq!(
            doc.to_xml(doc.root()),
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
             <soapenv:Body><order><id>7</id></order></soapenv:Body></soapenv:Envelope>"
        );
        assert_eq!(doc.local_name(doc.payload().unwrap()), "order");
        assert!(doc.header().is_none());
        let empty = Document::wrap_xml("  ").unwrap();
        assert!(empty.body().is_some() && empty.payload().is_none());
        assert!(Document::wrap_xml("<a/><b/>").is_err());
        assert!(Document::wrap_xml("<a>").is_err());
    }

    #[test]
    fn soap12_envelopes_are_parsed_as_is() {
        let doc = Document::parse(
            "<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'>\
             <s:Header><h/></s:Header><s:Body><p/></s:Body></s:Envelope>",
        )
        .unwrap();
        assert_eq!(doc.local_name(doc.header().unwrap()), "Header");
        assert_eq!(doc.local_name(doc.payload().unwrap()), "p");
        let plain = Document::parse("<Envelope><Body/></Envelope>").unwrap();
        assert!(plain.envelope().is_none() && plain.body().is_none());
    }
}

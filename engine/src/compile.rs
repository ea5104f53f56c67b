//! The compile context: what a mediator factory needs to turn an element into a mediator,
//! and the shared checks that keep every factory's errors precise and consistent.

use regex::Regex;

use crate::config::proxy::warn_unknown_attributes;
use crate::config::source::{Diagnostics, closest};
use crate::config::xml::{Attribute, Element};
use crate::endpoint::EndpointKind;
use crate::error::{Pos, Reported};
use crate::expr::Expression;
use crate::mediators::{Mediator, invoke};
use crate::registry::{Registry, unsupported_message};
use std::sync::Arc;

use crate::sequence::{MediatorList, NamedSequence, SequenceRef};

pub struct CompileCx<'a> {
    pub registry: &'a Registry,
    pub diags: &'a mut Diagnostics,
    /// Named sequences and endpoints this file refers to; they resolve at run time, and the
    /// deployment warns about those nobody defines.
    pub references: Vec<Reference>,
}

/// A use of a named artifact, by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub key: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    Sequence,
    Endpoint,
    /// A `call-template` target, or the template behind a connector operation.
    Template,
    /// A local entry (a connector connection named by `configKey`).
    LocalEntry,
    /// The endpoint template of `<endpoint template="...">`.
    EndpointTemplate,
}

impl<'a> CompileCx<'a> {
    pub fn new(registry: &'a Registry, diags: &'a mut Diagnostics) -> Self {
        CompileCx {
            registry,
            diags,
            references: Vec::new(),
        }
    }

    /// An inline sequence (`<inSequence>`, an anonymous `<sequence>`), with its `onError`.
    pub fn inline_sequence(&mut self, el: &Element) -> Result<SequenceRef, Reported> {
        self.check_attributes(el, &["onError", "trace", "statistics", "description"]);
        let on_error = el.attr("onError").map(|a| {
            self.sequence_ref(&a.value, a.pos);
            a.value.clone()
        });
        let mediators = self.mediators(el)?;
        Ok(match on_error {
            None => SequenceRef::Inline(Arc::new(mediators)),
            Some(on_error) => SequenceRef::Anonymous(Arc::new(NamedSequence {
                name: format!("<{}>", el.name),
                mediators,
                on_error: Some(on_error),
            })),
        })
    }

    /// A reference to a named sequence, recorded for the dangling-reference check.
    pub fn sequence_ref(&mut self, key: &str, pos: Pos) -> SequenceRef {
        self.references.push(Reference {
            kind: ReferenceKind::Sequence,
            key: key.to_string(),
            pos,
        });
        SequenceRef::Named {
            key: key.to_string(),
            pos,
        }
    }

    /// A reference to a local entry (a connector connection), for the dangling-reference check.
    pub fn local_entry_ref(&mut self, key: &str, pos: Pos) {
        self.references.push(Reference {
            kind: ReferenceKind::LocalEntry,
            key: key.to_string(),
            pos,
        });
    }

    /// A reference to a sequence template, recorded for the dangling-reference check.
    pub fn template_ref(&mut self, key: &str, pos: Pos) {
        self.references.push(Reference {
            kind: ReferenceKind::Template,
            key: key.to_string(),
            pos,
        });
    }

    /// A reference to an endpoint template, recorded for the dangling-reference check.
    pub fn endpoint_template_ref(&mut self, key: &str, pos: Pos) {
        self.references.push(Reference {
            kind: ReferenceKind::EndpointTemplate,
            key: key.to_string(),
            pos,
        });
    }

    /// A reference to a named endpoint, recorded for the dangling-reference check.
    pub fn endpoint_ref(&mut self, key: &str, pos: Pos) -> EndpointKind {
        self.references.push(Reference {
            kind: ReferenceKind::Endpoint,
            key: key.to_string(),
            pos,
        });
        EndpointKind::Reference {
            key: key.to_string(),
            pos,
        }
    }

    /// Builds the child elements of `parent` as a mediator list. Every child is tried, so one
    /// bad mediator does not hide the problems of the next.
    pub fn mediators(&mut self, parent: &Element) -> Result<MediatorList, Reported> {
        let mut list = Vec::new();
        let mut failed = false;
        for text in parent.stray_text() {
            self.diags.error(
                text.pos,
                format!("unexpected text inside <{}>", parent.qname),
            );
            failed = true;
        }
        for child in parent.elements() {
            // `<description>` documents the sequence; it is not a mediator.
            if child.name == "description" {
                continue;
            }
            match self.mediator(child) {
                Ok(m) => list.push(m),
                Err(Reported) => failed = true,
            }
        }
        if failed {
            Err(Reported)
        } else {
            Ok(MediatorList::new(list))
        }
    }

    /// Builds one mediator from its element: a registered factory, or a connector operation.
    pub fn mediator(&mut self, el: &Element) -> Result<Box<dyn Mediator>, Reported> {
        self.synapse_namespace(el)?;
        if let Some(factory) = self.registry.mediator_factory(&el.name) {
            return factory.build(el, self);
        }
        if el.name.contains('.') {
            return invoke::build(el, self);
        }
        if let Some(message) = unsupported_message(&el.name) {
            return Err(self.diags.error(el.pos, message));
        }
        let message = format!("unknown mediator <{}>", el.name);
        Err(match closest(&el.name, self.registry.mediator_tags()) {
            Some(tag) => {
                self.diags
                    .error_with_help(el.pos, message, format!("did you mean <{tag}>?"))
            }
            None => self.diags.error(el.pos, message),
        })
    }

    /// Refuses elements outside the Synapse namespace, which Synapse would silently skip.
    pub fn synapse_namespace(&mut self, el: &Element) -> Result<(), Reported> {
        if el.in_synapse_namespace() {
            return Ok(());
        }
        Err(self.diags.error_with_help(
            el.pos,
            format!(
                "<{}> is in namespace `{}`, not the Synapse namespace",
                el.qname,
                el.namespace.as_deref().unwrap_or_default()
            ),
            format!("use xmlns=\"{}\"", crate::config::xml::SYNAPSE_NS),
        ))
    }

    /// Warns about attributes the element does not define (Synapse ignores them).
    pub fn check_attributes(&mut self, el: &Element, known: &[&str]) {
        warn_unknown_attributes(el, known, self.diags);
    }

    pub fn required_attr<'e>(
        &mut self,
        el: &'e Element,
        name: &str,
    ) -> Result<&'e Attribute, Reported> {
        match el.attr(name) {
            Some(a) if !a.value.trim().is_empty() => Ok(a),
            Some(a) => Err(self.diags.error(
                a.pos,
                format!("attribute `{name}` of <{}> is empty", el.name),
            )),
            None => Err(self
                .diags
                .error(el.pos, format!("<{}> needs a `{name}` attribute", el.name))),
        }
    }

    /// Errors for child elements and text in an element that takes none.
    pub fn no_children(&mut self, el: &Element) -> Result<(), Reported> {
        let mut result = Ok(());
        for child in el.elements() {
            result = Err(self.diags.error(
                child.pos,
                format!("<{}> does not take a <{}> child", el.name, child.name),
            ));
        }
        for text in el.stray_text() {
            result = Err(self.diags.error(
                text.pos,
                format!("<{}> does not take text content", el.name),
            ));
        }
        result
    }

    /// Compiles an expression attribute.
    /// Compiles an expression attribute of `el`; XPath prefixes resolve against the namespace
    /// declarations in scope on `el`.
    pub fn expression(&mut self, el: &Element, attr: &Attribute) -> Result<Expression, Reported> {
        self.expression_at(el, &attr.value, attr.pos)
    }

    pub fn expression_at(
        &mut self,
        el: &Element,
        text: &str,
        pos: Pos,
    ) -> Result<Expression, Reported> {
        Expression::parse_in(text, &el.namespaces_in_scope).map_err(|e| match e.help {
            Some(help) => self.diags.error_with_help(pos, e.message, help),
            None => self.diags.error(pos, e.message),
        })
    }

    /// Compiles a Java-style regex that must match the whole input (`Matcher.matches`).
    pub fn full_match_regex(&mut self, attr: &Attribute) -> Result<Regex, Reported> {
        Regex::new(&format!("^(?:{})$", attr.value)).map_err(|e| {
            self.diags.error(
                attr.pos,
                format!(
                    "invalid regex `{}`: {}",
                    attr.value,
                    regex_error_summary(&e.to_string())
                ),
            )
        })
    }

    /// Parses a boolean attribute (`true`/`false`), erroring on anything else.
    pub fn bool_attr(&mut self, el: &Element, name: &str, default: bool) -> Result<bool, Reported> {
        match el.attr(name) {
            None => Ok(default),
            Some(a) => match a.value.trim() {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(self.diags.error(
                    a.pos,
                    format!("attribute `{name}` must be `true` or `false`, not `{other}`"),
                )),
            },
        }
    }
}

/// The regex crate explains errors over several lines; the last one says what is wrong.
fn regex_error_summary(s: &str) -> &str {
    let last = s.lines().last().unwrap_or(s).trim();
    last.strip_prefix("error: ").unwrap_or(last)
}

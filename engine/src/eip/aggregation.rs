//! Collecting the branches of a split and merging them into one message (`aggregate`).
//!
//! Each arriving branch gives what the aggregation expression selects ([`Gathered`]). The
//! first arrival is also kept whole: the merged message is built on it, as in Synapse.
//! * `json-eval`: the merged payload is a JSON array of every branch's selection, or
//!   `{"name": [...]}` when an enclosing element names it.
//! * XPath: the elements the other branches selected are added after the first branch's, under
//!   the same parent; an enclosing element wraps the Body's content.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::Split;
use crate::context::{BodyKind, MessageContext, axis2};
use crate::error::MediationError;
use crate::expr::{Expression, JsonPathExpr, XPathExpr};
use crate::mediators::Flow;
use crate::sequence::SequenceRef;
use crate::xpath::{Document, Edit, Edits};

/// What one branch contributes.
#[derive(Debug, Clone)]
pub enum Gathered {
    Json(Value),
    /// Serialised XML of the selected nodes.
    Xml(Vec<String>),
}

/// How many messages complete an aggregation: a number or an expression (`{get-property('N')}`).
#[derive(Debug)]
pub enum Count {
    Fixed(i64),
    Dynamic(Expression),
}

/// Selects what each message contributes.
#[derive(Debug)]
pub enum Selection {
    Json(JsonPathExpr),
    XPath(Box<XPathExpr>),
}

/// A compiled `<aggregate>`, shared with the splits that collect for it.
#[derive(Debug)]
pub struct AggregateSpec {
    pub id: Option<String>,
    pub selection: Selection,
    pub max: Option<Count>,
    pub timeout: Option<Duration>,
    /// A property holding the XML element that encloses the merged result.
    pub enclosing_property: Option<String>,
    pub on_complete: Option<SequenceRef>,
}

/// One aggregation in progress within a split.
pub(super) struct Collected {
    spec: Arc<AggregateSpec>,
    first: Option<MessageContext>,
    gathered: Vec<Gathered>,
    done: bool,
}

impl std::fmt::Debug for Collected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collected")
            .field("collected", &self.gathered.len())
            .field("done", &self.done)
            .finish()
    }
}

impl AggregateSpec {
    /// A message reaches the aggregate: collect it, and complete the aggregation when it is
    /// the last one expected. Messages that do not complete it stop here.
    pub async fn arrive(
        self: &Arc<Self>,
        ctx: &mut MessageContext,
    ) -> Result<Flow, MediationError> {
        let gathered = self.gather(ctx)?;
        let Some((split, _)) = ctx.split(self.id.as_deref()) else {
            // Not a branch of any split: an aggregation of this one message.
            return self.complete(ctx, None, vec![gathered]).await;
        };
        let max = self.max_count(ctx)?;
        match self.collect(&split, ctx, gathered, max) {
            Some((first, gathered)) => self.complete(ctx, first, gathered).await,
            None => {
                if let Some(timeout) = self.timeout {
                    split.start_timeout(timeout);
                }
                Ok(Flow::Stop)
            }
        }
    }

    /// Adds a message to the split's collection; gives the collection back when complete.
    fn collect(
        self: &Arc<Self>,
        split: &Split,
        ctx: &MessageContext,
        gathered: Gathered,
        max: Option<usize>,
    ) -> Option<(Option<MessageContext>, Vec<Gathered>)> {
        let mut aggregations = split.aggregations.lock().unwrap_or_else(|e| e.into_inner());
        let at = match aggregations.iter().position(|c| Arc::ptr_eq(&c.spec, self)) {
            Some(at) => at,
            None => {
                aggregations.push(Collected {
                    spec: self.clone(),
                    first: None,
                    gathered: Vec::new(),
                    done: false,
                });
                aggregations.len() - 1
            }
        };
        let entry = &mut aggregations[at];
        if entry.done {
            tracing::info!("a message arrived after its aggregation completed; it is dropped");
            return None;
        }
        if entry.first.is_none() {
            entry.first = Some(ctx.branch());
        }
        entry.gathered.push(gathered);
        let expected = max.filter(|&m| m > 0).unwrap_or(split.total).max(1);
        if entry.gathered.len() < expected {
            return None;
        }
        entry.done = true;
        Some((entry.first.take(), std::mem::take(&mut entry.gathered)))
    }

    fn max_count(&self, ctx: &mut MessageContext) -> Result<Option<usize>, MediationError> {
        let value = match &self.max {
            None => return Ok(None),
            Some(Count::Fixed(n)) => *n,
            Some(Count::Dynamic(expression)) => {
                let text = expression.evaluate(ctx)?.unwrap_or_default();
                let number: f64 = text.trim().parse().map_err(|_| {
                    MediationError::internal("the aggregate's message count is not a number")
                        .with_detail(format!("`{text}`"))
                })?;
                number as i64
            }
        };
        Ok(usize::try_from(value).ok())
    }

    fn gather(&self, ctx: &mut MessageContext) -> Result<Gathered, MediationError> {
        match &self.selection {
            Selection::Json(path) => {
                let payload = ctx.json_payload()?;
                Ok(Gathered::Json(path.select(payload).unwrap_or(Value::Null)))
            }
            Selection::XPath(xpath) => {
                let (doc, nodes) = xpath.nodes(ctx)?;
                Ok(Gathered::Xml(
                    nodes.iter().map(|&n| doc.to_xml(n)).collect(),
                ))
            }
        }
    }

    /// Builds the merged message on the first arrival and runs `onComplete` on it.
    async fn complete(
        &self,
        ctx: &mut MessageContext,
        first: Option<MessageContext>,
        gathered: Vec<Gathered>,
    ) -> Result<Flow, MediationError> {
        if let Some(mut base) = first {
            std::mem::swap(ctx, &mut base);
            ctx.absorb(&mut base);
        }
        self.merge(ctx, gathered)?;
        match &self.on_complete {
            Some(sequence) => Box::pin(sequence.run(ctx)).await,
            None => Ok(Flow::Continue),
        }
    }

    fn merge(
        &self,
        ctx: &mut MessageContext,
        gathered: Vec<Gathered>,
    ) -> Result<(), MediationError> {
        let enclosing = match &self.enclosing_property {
            Some(name) => Some(enclosing_element(ctx, name)?),
            None => None,
        };
        match &self.selection {
            Selection::Json(_) => {
                let items: Vec<Value> = gathered
                    .into_iter()
                    .filter_map(|g| match g {
                        Gathered::Json(v) => Some(v),
                        Gathered::Xml(_) => None,
                    })
                    .collect();
                let merged = match enclosing {
                    Some(doc) => {
                        let name = doc
                            .document_element()
                            .map(|e| doc.local_name(e))
                            .unwrap_or_default();
                        serde_json::json!({ name: items })
                    }
                    None => Value::Array(items),
                };
                if BodyKind::from_content_type(ctx.content_type()) != BodyKind::Json {
                    ctx.set_axis2_property(axis2::MESSAGE_TYPE, "application/json");
                }
                ctx.set_json_payload(merged);
            }
            Selection::XPath(xpath) => {
                let others: String = gathered
                    .into_iter()
                    .skip(1)
                    .flat_map(|g| match g {
                        Gathered::Xml(parts) => parts,
                        Gathered::Json(_) => Vec::new(),
                    })
                    .collect();
                let (doc, nodes) = xpath.nodes(ctx)?;
                let parent = nodes
                    .first()
                    .and_then(|&n| doc.parent(n))
                    .or_else(|| doc.body())
                    .unwrap_or_else(|| doc.root());
                let mut edits = Edits::new();
                edits.add(parent, Edit::AppendChildren(others));
                let mut merged = doc.to_xml_edited(doc.root(), &edits);
                if let Some(enclosing) = enclosing {
                    merged = enclose_body(&merged, &enclosing)?;
                }
                ctx.set_envelope_xml(&merged)?;
            }
        }
        Ok(())
    }
}

/// The element held by the `enclosingElementProperty` property.
fn enclosing_element(ctx: &MessageContext, name: &str) -> Result<Document, MediationError> {
    let text = ctx.property(name).map(ToString::to_string).ok_or_else(|| {
        MediationError::internal(format!(
            "the enclosing element property `{name}` is not set"
        ))
    })?;
    Document::parse(text.trim()).map_err(|e| {
        MediationError::internal(format!(
            "the enclosing element property `{name}` does not hold an XML element"
        ))
        .with_detail(e.to_string())
    })
}

/// Wraps the Body's content of `envelope` in the element of `enclosing`.
fn enclose_body(envelope: &str, enclosing: &Document) -> Result<String, MediationError> {
    let doc = Document::parse(envelope).map_err(|e| {
        MediationError::internal("an aggregated message is not well-formed XML")
            .with_detail(e.to_string())
    })?;
    let (Some(body), Some(element)) = (doc.body(), enclosing.document_element()) else {
        return Ok(envelope.to_string());
    };
    let mut wrap = Edits::new();
    wrap.add(element, Edit::ReplaceChildren(doc.body_content_xml()));
    let mut edits = Edits::new();
    edits.add(
        body,
        Edit::ReplaceChildren(enclosing.to_xml_edited(element, &wrap)),
    );
    Ok(doc.to_xml_edited(doc.root(), &edits))
}

/// Completes the aggregations of the splits `ctx` started that never saw every branch (a
/// branch was dropped, failed, or timed out), with what they collected.
pub async fn settle(ctx: &mut MessageContext) -> Result<(), MediationError> {
    for mut branch in ctx.take_continuing() {
        ctx.absorb(&mut branch);
    }
    let mut first_error = None;
    // Completing an aggregation can start new splits (an iterate in onComplete): repeat.
    loop {
        let splits = ctx.take_started_splits();
        if splits.is_empty() {
            break;
        }
        for split in splits {
            let pending: Vec<(Arc<AggregateSpec>, MessageContext, Vec<Gathered>)> = {
                let mut aggregations = split.aggregations.lock().unwrap_or_else(|e| e.into_inner());
                aggregations
                    .iter_mut()
                    .filter(|c| !c.done)
                    .filter_map(|c| {
                        c.done = true;
                        let first = c.first.take()?;
                        Some((c.spec.clone(), first, std::mem::take(&mut c.gathered)))
                    })
                    .collect()
            };
            for (spec, mut base, gathered) in pending {
                tracing::info!(
                    collected = gathered.len(),
                    expected = split.total,
                    "completing an aggregation with the messages that arrived"
                );
                let result = spec.complete(&mut base, None, gathered).await;
                ctx.absorb(&mut base);
                if let Err(error) = result {
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

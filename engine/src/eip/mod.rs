//! Splitting a message and joining the pieces: the machinery behind `iterate`, `clone` and
//! `aggregate` (Synapse's EIP mediators).
//!
//! A splitter makes one [`Split`] per message it splits and runs each branch's `<target>`
//! ([`BranchTarget`]); branches run concurrently unless the splitter is `sequential`. Each
//! branch knows its split and position, so an `aggregate` further along its flow (in the
//! target, in an outSequence after `send`, or after the splitter once a `call` returned) can
//! collect it. The message that split owns the split: when its flow ends, aggregations that
//! never saw every branch complete with what they have ([`settle`]), as Synapse's completion
//! timeout would have done, so a client is never left waiting for a branch that was dropped.

mod aggregation;
mod selection;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Notify;
use tokio::time::Instant;

pub use aggregation::{AggregateSpec, Count, Gathered, Selection, settle};
pub use selection::{ItemsExpression, Resolved};

use crate::compile::CompileCx;
use crate::config::endpoint::parse_endpoint;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::endpoint::Endpoint;
use crate::error::{MediationError, Reported};
use crate::mediators::{Flow, send_to_endpoint};
use crate::sequence::SequenceRef;

/// One splitting of one message: how many branches there are, and the aggregations
/// collecting them.
#[derive(Debug)]
pub struct Split {
    /// The splitter's `id`; an `aggregate` with the same id collects this split's branches.
    pub id: Option<String>,
    pub total: usize,
    aggregations: Mutex<Vec<aggregation::Collected>>,
    /// When an aggregation's completion timeout runs out (set by its first message).
    deadline: Mutex<Option<Instant>>,
    deadline_set: Notify,
}

impl Split {
    pub fn new(id: Option<String>, total: usize) -> Arc<Split> {
        Arc::new(Split {
            id,
            total,
            aggregations: Mutex::new(Vec::new()),
            deadline: Mutex::new(None),
            deadline_set: Notify::new(),
        })
    }

    /// Starts an aggregation's completion timeout (the earliest one counts).
    fn start_timeout(&self, timeout: Duration) {
        let at = Instant::now() + timeout;
        let mut deadline = self.deadline.lock().unwrap_or_else(|e| e.into_inner());
        if deadline.is_none_or(|d| at < d) {
            *deadline = Some(at);
            self.deadline_set.notify_waiters();
        }
    }

    fn deadline(&self) -> Option<Instant> {
        *self.deadline.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A `<target>` of `iterate` or `clone`: where a branch goes.
///
/// ```xml
/// <target [sequence="key"] [endpoint="key"] [to="http://..."] [soapAction="urn:x"]>
///     <sequence>...</sequence>  <!-- or --> <endpoint>...</endpoint>
/// </target>
/// ```
#[derive(Debug)]
pub struct BranchTarget {
    to: Option<String>,
    soap_action: Option<String>,
    sequence: Option<SequenceRef>,
    endpoint: Option<Endpoint>,
}

impl BranchTarget {
    pub fn build(el: &Element, cx: &mut CompileCx<'_>) -> Result<BranchTarget, Reported> {
        cx.check_attributes(
            el,
            &["sequence", "endpoint", "to", "soapAction", "description"],
        );
        let mut target = BranchTarget {
            to: el.attr_value("to").map(str::to_string),
            soap_action: el.attr_value("soapAction").map(str::to_string),
            sequence: el
                .attr("sequence")
                .map(|a| cx.sequence_ref(&a.value, a.pos)),
            endpoint: el.attr("endpoint").map(|a| Endpoint {
                name: None,
                kind: cx.endpoint_ref(&a.value, a.pos),
                properties: Vec::new(),
            }),
        };
        for child in el.elements() {
            match child.name.as_str() {
                "sequence" if target.sequence.is_none() => {
                    target.sequence = Some(cx.inline_sequence(child)?);
                }
                "endpoint" if target.endpoint.is_none() => {
                    target.endpoint = Some(parse_endpoint(child, cx, false)?);
                }
                "sequence" | "endpoint" => {
                    return Err(cx
                        .diags
                        .error(child.pos, format!("a <target> has only one {}", child.name)));
                }
                other => {
                    return Err(cx.diags.error(
                        child.pos,
                        format!("<target> holds a <sequence> or an <endpoint>, not <{other}>"),
                    ));
                }
            }
        }
        if target.sequence.is_none() && target.endpoint.is_none() {
            return Err(cx.diags.error_with_help(
                el.pos,
                "<target> needs a sequence or an endpoint",
                "add <sequence>...</sequence>, or sequence=\"key\" or endpoint=\"key\"",
            ));
        }
        Ok(target)
    }

    /// Runs one branch: its sequence, else a send to its endpoint.
    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        if let Some(to) = &self.to {
            ctx.set_to_address(Some(to.clone()));
        }
        if let Some(action) = &self.soap_action {
            ctx.set_header("SOAPAction", action)?;
        }
        if let Some(sequence) = &self.sequence {
            return Box::pin(sequence.run(ctx)).await;
        }
        if let Some(endpoint) = &self.endpoint {
            Box::pin(send_to_endpoint(ctx, endpoint, None)).await?;
        }
        Ok(Flow::Stop)
    }
}

/// Runs the branches of `split` (each a message and its target) and folds what they did back
/// into `ctx`: responses, branches that continue after the splitter, and the first error.
pub async fn run_branches(
    ctx: &mut MessageContext,
    split: Arc<Split>,
    branches: Vec<(MessageContext, &BranchTarget)>,
    sequential: bool,
) -> Result<(), MediationError> {
    async fn run(
        (mut branch, target): (MessageContext, &BranchTarget),
    ) -> (MessageContext, Result<Flow, MediationError>) {
        let result = target.run(&mut branch).await;
        (branch, result)
    }
    let finished = if sequential {
        let mut done = Vec::with_capacity(branches.len());
        for branch in branches {
            done.push(run(branch).await);
        }
        done
    } else {
        let mut all = std::pin::pin!(join_all(branches.into_iter().map(run)));
        loop {
            let deadline = split.deadline();
            let timed_out = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                done = &mut all => break done,
                () = timed_out => {
                    tracing::info!(total = split.total, "aggregation timed out; branches still running are dropped");
                    break Vec::new();
                }
                () = split.deadline_set.notified() => {}
            }
        }
    };
    ctx.started_split(split);
    let mut first_error = None;
    let mut continuing = Vec::new();
    for (mut branch, result) in finished {
        match result {
            Ok(Flow::Continue) if branch.called_backend() && !branch.has_responded() => {
                continuing.push(branch);
            }
            Ok(_) => ctx.absorb(&mut branch),
            Err(error) => {
                ctx.absorb(&mut branch);
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    if continuing.is_empty() {
        settle(ctx).await
    } else {
        ctx.continue_branches(continuing);
        Ok(())
    }
}

/// The `MESSAGE_SEQUENCE` property Synapse sets on each branch (`index/total`).
pub fn mark_branch(branch: &mut MessageContext, split: &Arc<Split>, index: usize) {
    let name = match &split.id {
        Some(id) => format!("MESSAGE_SEQUENCE.{id}"),
        None => "MESSAGE_SEQUENCE".to_string(),
    };
    branch.set_property(name, format!("{index}/{}", split.total));
    branch.join_split(split.clone(), index);
}

/// The message's envelope with `content` (serialised XML) as the whole Body content.
pub fn with_body_content(doc: &crate::xpath::Document, content: String) -> String {
    let mut edits = crate::xpath::Edits::new();
    if let Some(body) = doc.body() {
        edits.add(body, crate::xpath::Edit::ReplaceChildren(content));
    }
    doc.to_xml_edited(doc.root(), &edits)
}

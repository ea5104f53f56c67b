//! Sequences at run time: mediator lists, named sequences with `onError`, and references.
//!
//! ```xml
//! <sequence name="audit" onError="auditFault">
//!     <log level="custom"><property name="step" value="audit"/></log>
//! </sequence>
//! ```

use std::fmt;
use std::sync::Arc;

use crate::context::{MessageContext, PropertyValue};
use crate::error::{MediationError, Pos};
use crate::mediators::{Flow, Mediator};

/// Mediators run in order until one stops the flow.
#[derive(Debug, Default)]
pub struct MediatorList(Vec<Box<dyn Mediator>>);

impl MediatorList {
    pub fn new(mediators: Vec<Box<dyn Mediator>>) -> Self {
        MediatorList(mediators)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        self.run_from(ctx, 0).await
    }

    async fn run_from(
        &self,
        ctx: &mut MessageContext,
        start: usize,
    ) -> Result<Flow, MediationError> {
        for (at, mediator) in self.0.iter().enumerate().skip(start) {
            let flow = mediator.mediate(ctx).await?;
            if ctx.has_continuing() {
                // Boxed: its state holds a whole branch MessageContext, and inline it would
                // make every sequence future (allocated per message) that much larger,
                // although only messages split by iterate or clone ever get here.
                Box::pin(self.continue_branches(ctx, at + 1)).await?;
            }
            if flow == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    /// Runs the branches a splitter handed on (see `context/branch.rs`) through the mediators
    /// from `from`. Branches that get to the end go on in the enclosing sequence; the others
    /// are folded back into `ctx`.
    async fn continue_branches(
        &self,
        ctx: &mut MessageContext,
        from: usize,
    ) -> Result<(), MediationError> {
        let mut onward = Vec::new();
        let mut first_error = None;
        for mut branch in ctx.take_continuing() {
            let result = Box::pin(self.run_from(&mut branch, from)).await;
            onward.extend(branch.take_continuing());
            match result {
                Ok(Flow::Continue) if !branch.has_responded() => onward.push(branch),
                Ok(_) => ctx.absorb(&mut branch),
                Err(error) => {
                    ctx.absorb(&mut branch);
                    first_error.get_or_insert(error);
                }
            }
        }
        ctx.continue_branches(onward);
        first_error.map_or(Ok(()), Err)
    }
}

/// A `<sequence name>` artifact.
#[derive(Debug)]
pub struct NamedSequence {
    pub name: String,
    pub mediators: MediatorList,
    /// The sequence that handles errors raised inside this one.
    pub on_error: Option<String>,
}

impl NamedSequence {
    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match self.mediators.run(ctx).await {
            Err(error) if !error.fault_handled => match &self.on_error {
                Some(handler) => {
                    let handler = SequenceRef::Named {
                        key: handler.clone(),
                        pos: Pos::default(),
                    };
                    run_fault_handler(ctx, &handler, error).await
                }
                None => Err(error),
            },
            other => other,
        }
    }
}

/// A sequence given inline or by key; keys resolve at run time, as in Synapse, so a proxy may
/// name a sequence that another file defines.
#[derive(Debug, Clone)]
pub enum SequenceRef {
    Inline(Arc<MediatorList>),
    /// An inline sequence with its own `onError` handler.
    Anonymous(Arc<NamedSequence>),
    Named {
        key: String,
        pos: Pos,
    },
}

impl SequenceRef {
    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match self {
            SequenceRef::Inline(list) => list.run(ctx).await,
            SequenceRef::Anonymous(sequence) => Box::pin(sequence.run(ctx)).await,
            SequenceRef::Named { key, .. } => {
                let sequence = ctx.deployment().sequence(key).ok_or_else(|| {
                    MediationError::internal(format!("Sequence named `{key}` cannot be found"))
                        .with_detail("no deployed file defines a sequence with this name")
                })?;
                Box::pin(sequence.run(ctx)).await
            }
        }
    }
}

impl fmt::Display for SequenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceRef::Inline(_) | SequenceRef::Anonymous(_) => f.write_str("(inline sequence)"),
            SequenceRef::Named { key, .. } => write!(f, "sequence `{key}`"),
        }
    }
}

/// Sets `ERROR_CODE`, `ERROR_MESSAGE` and `ERROR_DETAIL` as Synapse's fault handlers do.
pub fn set_error_properties(ctx: &mut MessageContext, error: &MediationError) {
    ctx.set_property("ERROR_CODE", PropertyValue::String(error.code.to_string()));
    ctx.set_property("ERROR_MESSAGE", error.message.as_str());
    ctx.set_property("ERROR_DETAIL", error.detail.as_str());
}

/// Runs a fault handler for `error`. The original flow does not resume afterwards: the result
/// is `Stop` when the handler answered the client, else the error, marked handled, so the
/// caller still answers with it and no outer handler runs again. A handler that set a status
/// or a body without `respond` meant that as the answer, and gets it.
pub async fn run_fault_handler(
    ctx: &mut MessageContext,
    handler: &SequenceRef,
    mut error: MediationError,
) -> Result<Flow, MediationError> {
    set_error_properties(ctx, &error);
    error.fault_handled = true;
    let before = ctx.result_changes();
    if let Err(inner) = Box::pin(handler.run(ctx)).await {
        tracing::warn!(handler = %handler, error = %inner, "fault handler failed");
    }
    if !ctx.has_responded() && ctx.result_changes() != before {
        ctx.respond();
    }
    if ctx.has_responded() {
        Ok(Flow::Stop)
    } else {
        Err(error)
    }
}

//! Copies of a message that take their own path: the branches of `iterate` and `clone`.
//!
//! A branch starts as a copy of its parent ([`MessageContext::branch`]). When it ends, what it
//! produced flows back ([`MessageContext::absorb`]): the first response any branch captured
//! answers the client. A branch that made a backend call and finished its target without
//! stopping carries on after the splitting mediator, as Synapse's continuation does; such
//! branches wait in [`MessageContext::take_continuing`] until the enclosing sequence picks
//! them up.

use std::sync::Arc;

use super::MessageContext;
use crate::eip::Split;

/// The splits a message belongs to, innermost last, with its position in each.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    pub(crate) splits: Vec<(Arc<Split>, usize)>,
}

impl MessageContext {
    /// A copy of this message for a branch: properties of every scope, headers, payload and
    /// connector state. The copy has not responded, and has no branches of its own.
    pub fn branch(&self) -> MessageContext {
        MessageContext {
            services: self.services.clone(),
            deployment: self.deployment.clone(),
            handler: self.handler.clone(),
            postfix_offset: self.postfix_offset,
            properties: self.properties.clone(),
            axis2: self.axis2.clone(),
            operation: self.operation.clone(),
            headers: self.headers.clone(),
            payload: self.payload.clone(),
            result_changes: self.result_changes,
            method: self.method.clone(),
            request_uri: self.request_uri.clone(),
            direction: self.direction,
            response: None,
            extensions: self.extensions.clone(),
            secrets: self.secrets.clone(),
            faults: self.faults,
            func_frames: self.func_frames.clone(),
            lazy_depth: self.lazy_depth,
            soap_fault: self.soap_fault,
            body_from_backend: self.body_from_backend,
            xml_view: self.xml_view.clone(),
            soap_envelope: self.soap_envelope,
            to_address: self.to_address.clone(),
            membership: self.membership.clone(),
            continuing: Vec::new(),
            started_splits: Vec::new(),
            called_backend: false,
            streaming: self.streaming.for_branch(),
        }
    }

    /// Takes in what a finished branch produced: its response (the first one wins) and the
    /// splits it started, which are settled with this message's own.
    pub fn absorb(&mut self, branch: &mut MessageContext) {
        if let Some(response) = branch.take_response() {
            self.respond_with(response);
        }
        self.started_splits.append(&mut branch.started_splits);
        for secret in branch.secrets.drain(..) {
            self.note_secret(&secret);
        }
    }

    /// Joins a split as its `index`-th member.
    pub(crate) fn join_split(&mut self, split: Arc<Split>, index: usize) {
        self.membership.splits.push((split, index));
    }

    /// The innermost split with this id (any split when `id` is `None`), and this message's
    /// position in it.
    pub(crate) fn split(&self, id: Option<&str>) -> Option<(Arc<Split>, usize)> {
        self.membership
            .splits
            .iter()
            .rev()
            .find(|(split, _)| id.is_none() || split.id.as_deref() == id)
            .cloned()
    }

    /// Records a split this message started, to settle its aggregations when the flow ends.
    pub(crate) fn started_split(&mut self, split: Arc<Split>) {
        self.started_splits.push(split);
    }

    pub(crate) fn take_started_splits(&mut self) -> Vec<Arc<Split>> {
        std::mem::take(&mut self.started_splits)
    }

    /// Hands branches to the enclosing sequence, to run the mediators after the current one.
    pub(crate) fn continue_branches(&mut self, branches: Vec<MessageContext>) {
        self.continuing.extend(branches);
    }

    /// Branches waiting to run the rest of the current sequence.
    pub(crate) fn take_continuing(&mut self) -> Vec<MessageContext> {
        std::mem::take(&mut self.continuing)
    }

    pub(crate) fn has_continuing(&self) -> bool {
        !self.continuing.is_empty()
    }

    /// Notes that the message went to a backend and came back (a non-blocking `call`), which
    /// is what lets a branch continue after its splitter.
    pub fn mark_called_backend(&mut self) {
        self.called_backend = true;
    }

    pub(crate) fn called_backend(&self) -> bool {
        self.called_backend
    }
}

//! Endpoints at run time: where `send` and `call` deliver the message.
//!
//! * leaves ([`leaf`]): `<address>`, `<http>` and `<default>`, each with its own suspension
//!   state ([`suspension`]) and message format ([`format`]);
//! * `<endpoint key="name"/>`: a named endpoint, looked up when the message is sent;
//! * `<failover>`: the children in order, skipping suspended ones, until one answers;
//! * `<loadbalance>`: round robin over the children, failing over to the next (by default);
//! * `<recipientlist>`: a copy to every child; the first answer becomes the message.
//!
//! A backend's HTTP error status is an answer, not a failure: only transport failures
//! (refused, reset, timeout, suspended) move on to the next child.

pub mod format;
pub mod leaf;
pub mod suspension;
mod template;
pub mod uri_template;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::context::MessageContext;
use crate::error::{ErrorSource, MediationError, Pos};
pub use format::Format;
pub use leaf::{Leaf, Target, Timeout, forwarded_headers};
pub use suspension::{Suspension, SuspensionConfig};
pub use template::{EndpointTemplate, TemplatedEndpoint};
pub use uri_template::UriTemplate;

/// Synapse's code when no child of a group endpoint can take the message.
pub const NONE_READY: i64 = 303000;

#[derive(Debug)]
pub struct Endpoint {
    pub name: Option<String>,
    pub kind: EndpointKind,
    /// `<property name value/>` children: set on the message before it is sent.
    pub properties: Vec<(String, String)>,
}

#[derive(Debug)]
pub enum EndpointKind {
    Leaf(Box<Leaf>),
    Reference {
        key: String,
        pos: Pos,
    },
    Failover(Vec<Endpoint>),
    LoadBalance {
        children: Vec<Endpoint>,
        /// The child that starts each turn, cycled through: each child once for round robin,
        /// as often as its weight for weighted round robin.
        turns: Vec<usize>,
        next: AtomicUsize,
        /// Try the next child when one fails (Synapse's default).
        failover: bool,
    },
    RecipientList(Vec<Endpoint>),
    /// `<recipientlist><endpoints value="{expr}" max-cache="n"/>`: address URLs, comma
    /// separated, read from the message each time.
    DynamicRecipients(DynamicRecipients),
    /// `<endpoint template="...">`: an endpoint template filled in.
    Templated(Box<TemplatedEndpoint>),
}

/// The endpoints of a dynamic recipient list, kept per URL (with their suspension state).
#[derive(Debug)]
pub struct DynamicRecipients {
    pub value: crate::expr::Expression,
    pub max_cache: usize,
    pub cache: std::sync::Mutex<Vec<(String, Arc<Endpoint>)>>,
}

impl DynamicRecipients {
    /// The endpoints for this message's list of URLs.
    fn endpoints(&self, ctx: &mut MessageContext) -> Result<Vec<Arc<Endpoint>>, MediationError> {
        let list = self.value.evaluate(ctx)?.unwrap_or_default();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let mut endpoints = Vec::new();
        for url in list.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            let endpoint = match cache.iter().find(|(u, _)| u == url) {
                Some((_, e)) => e.clone(),
                None => {
                    let target = Target::Address {
                        uri: url.to_string(),
                    };
                    let e = Arc::new(Endpoint::leaf(None, target));
                    if cache.len() >= self.max_cache.max(1) {
                        cache.remove(0);
                    }
                    cache.push((url.to_string(), e.clone()));
                    e
                }
            };
            endpoints.push(endpoint);
        }
        Ok(endpoints)
    }
}

impl Endpoint {
    /// A leaf endpoint with default suspension settings.
    pub fn leaf(name: Option<String>, target: Target) -> Endpoint {
        Endpoint {
            name,
            kind: EndpointKind::Leaf(Box::new(Leaf::new(
                target,
                Format::AsIs,
                None,
                Suspension::new(SuspensionConfig::default()),
            ))),
            properties: Vec::new(),
        }
    }

    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("`{name}`"),
            None => "(anonymous)".to_string(),
        }
    }

    /// Sends the current message and makes the backend's answer the current message.
    pub async fn call(&self, ctx: &mut MessageContext) -> Result<(), MediationError> {
        for (name, value) in &self.properties {
            ctx.set_property(name.clone(), value.as_str());
        }
        match &self.kind {
            EndpointKind::Leaf(leaf) => leaf.call(ctx, self.name.as_deref(), || self.label()).await,
            EndpointKind::Reference { key, .. } => {
                let named = ctx.deployment().endpoint(key).ok_or_else(|| {
                    MediationError::internal(format!("Endpoint named `{key}` cannot be found"))
                        .with_detail("no deployed file defines an endpoint with this name")
                })?;
                Box::pin(named.call_named(ctx, 1)).await
            }
            EndpointKind::Failover(children) => self.first_that_answers(ctx, children.iter()).await,
            EndpointKind::LoadBalance {
                children,
                turns,
                next,
                failover,
            } => {
                if children.is_empty() || turns.is_empty() {
                    return Err(none_ready(&self.label(), None));
                }
                let start = turns[next.fetch_add(1, Ordering::Relaxed) % turns.len()];
                let order = children.iter().cycle().skip(start).take(if *failover {
                    children.len()
                } else {
                    1
                });
                self.first_that_answers(ctx, order).await
            }
            EndpointKind::RecipientList(children) => {
                let children: Vec<&Endpoint> = children.iter().collect();
                self.to_every_recipient(ctx, &children).await
            }
            EndpointKind::Templated(templated) => {
                let endpoint = templated.resolve(ctx)?;
                Box::pin(endpoint.call(ctx)).await
            }
            EndpointKind::DynamicRecipients(dynamic) => {
                let endpoints = dynamic.endpoints(ctx)?;
                let children: Vec<&Endpoint> = endpoints.iter().map(|e| e.as_ref()).collect();
                self.to_every_recipient(ctx, &children).await
            }
        }
    }

    /// Follows references a bounded number of times (a named endpoint may name another).
    async fn call_named(&self, ctx: &mut MessageContext, depth: u32) -> Result<(), MediationError> {
        if let EndpointKind::Reference { key, .. } = &self.kind {
            if depth > 8 {
                return Err(MediationError::internal(format!(
                    "endpoint references loop through `{key}`"
                )));
            }
            let named = ctx.deployment().endpoint(key).ok_or_else(|| {
                MediationError::internal(format!("Endpoint named `{key}` cannot be found"))
            })?;
            return Box::pin(named.call_named(ctx, depth + 1)).await;
        }
        Box::pin(self.call(ctx)).await
    }

    async fn first_that_answers<'a>(
        &self,
        ctx: &mut MessageContext,
        children: impl Iterator<Item = &'a Endpoint>,
    ) -> Result<(), MediationError> {
        let mut last = None;
        for child in children {
            match Box::pin(child.call(ctx)).await {
                Ok(()) => return Ok(()),
                Err(error) if error.source == ErrorSource::Backend => {
                    tracing::debug!(endpoint = %child.label(), error = %error, "trying the next endpoint");
                    last = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(none_ready(&self.label(), last))
    }

    async fn to_every_recipient(
        &self,
        ctx: &mut MessageContext,
        children: &[&Endpoint],
    ) -> Result<(), MediationError> {
        // The answers are copied and restored: they must be whole.
        let streamable = ctx.stream_answer();
        ctx.set_stream_answer(false);
        let request = ctx.snapshot_message();
        let mut answer = None;
        let mut last = None;
        for child in children {
            ctx.restore_message(request.clone());
            match Box::pin(child.call(ctx)).await {
                Ok(()) if answer.is_none() => answer = Some(ctx.snapshot_message()),
                Ok(()) => {}
                Err(error) => last = Some(error),
            }
        }
        ctx.set_stream_answer(streamable);
        match answer {
            Some(message) => {
                ctx.restore_message(message);
                Ok(())
            }
            None => Err(none_ready(&self.label(), last)),
        }
    }
}

fn none_ready(label: &str, last: Option<MediationError>) -> MediationError {
    let detail = match last {
        Some(e) => format!("no child of endpoint {label} answered; the last failure: {e}"),
        None => format!("endpoint {label} has no child that can take the message"),
    };
    MediationError::backend(NONE_READY, "no endpoint could take the message").with_detail(detail)
}

/// A shared endpoint, as held by mediators and proxies.
pub type EndpointRef = Arc<Endpoint>;

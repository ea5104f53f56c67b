//! Mediators: one file per Synapse element, each holding the element's compile step (its
//! factory) and its run-time behaviour.

mod aggregate;
mod call;
mod call_template;
mod clone;
mod drop;
mod enrich;
mod enrich_json;
mod enrich_pieces;
mod enrich_xml;
mod filter;
mod foreach;
mod header;
mod in_out;
pub mod invoke;
mod iterate;
mod log;
mod loopback;
mod makefault;
mod payload_factory;
mod property;
mod respond;
mod rewrite;
mod rewrite_url;
mod send;
mod sequence;
mod switch;

use std::fmt;

use async_trait::async_trait;

use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};

pub use send::send_to_endpoint;

/// What a mediator tells its sequence: go on, or stop here (after respond, drop, send).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// One step of a sequence, compiled at deploy time and run for every message.
#[async_trait]
pub trait Mediator: Send + Sync + fmt::Debug {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError>;

    /// Whether this mediator may read the message body when it runs in the response flow
    /// (parse it, log it, forward it to another endpoint). Asked once, at deploy time: an
    /// answer that only goes through mediators that say `false` is relayed to the client
    /// while it arrives, without being held in memory. The default is the safe `true`; say
    /// `false` only for a mediator that provably never looks at the payload.
    fn reads_body(&self) -> bool {
        true
    }
}

/// Builds a mediator from its XML element. `tag()` is the element's local name.
pub trait MediatorFactory: Send + Sync {
    fn tag(&self) -> &'static str;

    /// Compiles the element. Problems go to `cx.diags`; `Err(Reported)` says there were some.
    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported>;
}

/// Every mediator that ships with the engine.
pub fn builtin_factories() -> Vec<Box<dyn MediatorFactory>> {
    vec![
        Box::new(property::PropertyFactory),
        Box::new(log::LogFactory),
        Box::new(loopback::LoopbackFactory),
        Box::new(makefault::MakefaultFactory),
        Box::new(in_out::DirectionFactory(crate::context::Direction::Request)),
        Box::new(in_out::DirectionFactory(
            crate::context::Direction::Response,
        )),
        Box::new(payload_factory::PayloadFactoryFactory),
        Box::new(respond::RespondFactory),
        Box::new(rewrite::RewriteFactory),
        Box::new(send::SendFactory),
        Box::new(call::CallFactory),
        Box::new(call_template::CallTemplateFactory),
        Box::new(drop::DropFactory),
        Box::new(enrich::EnrichFactory),
        Box::new(header::HeaderFactory),
        Box::new(filter::FilterFactory),
        Box::new(switch::SwitchFactory),
        Box::new(sequence::SequenceFactory),
        Box::new(iterate::IterateFactory),
        Box::new(clone::CloneFactory),
        Box::new(aggregate::AggregateFactory),
        Box::new(foreach::ForeachFactory),
    ]
}

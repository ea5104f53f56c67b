//! `<in>` and `<out>`: old-style branches that run only for requests, or only for responses.
//!
//! ```xml
//! <definitions xmlns="http://ws.apache.org/ns/synapse">
//!     <in><send><endpoint key="backend"/></send></in>
//!     <out><send/></out>
//! </definitions>
//! ```

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::{Direction, MessageContext};
use crate::error::{MediationError, Reported};
use crate::sequence::MediatorList;

#[derive(Debug)]
pub struct DirectionMediator {
    runs_for: Direction,
    mediators: MediatorList,
}

/// Builds `<in>` (requests) or `<out>` (responses).
pub struct DirectionFactory(pub Direction);

impl MediatorFactory for DirectionFactory {
    fn tag(&self) -> &'static str {
        match self.0 {
            Direction::Request => "in",
            Direction::Response => "out",
        }
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["description"]);
        Ok(Box::new(DirectionMediator {
            runs_for: self.0,
            mediators: cx.mediators(el)?,
        }))
    }
}

#[async_trait]
impl Mediator for DirectionMediator {
    /// Asked about the response flow (see [`Mediator::reads_body`]): `<in>` does not run
    /// there, `<out>` reads what its mediators read.
    fn reads_body(&self) -> bool {
        self.runs_for == Direction::Response && self.mediators.reads_body()
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        if ctx.direction() == self.runs_for {
            self.mediators.run(ctx).await
        } else {
            Ok(Flow::Continue)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::context::Direction;
    use crate::testing::{context_with, mediate};

    #[tokio::test]
    async fn runs_only_in_its_direction() {
        let xml = r#"<sequence><in><property name="went" value="in"/></in><out><property name="went" value="out"/></out></sequence>"#;
        let mut ctx = context_with("{}", &[]);
        mediate(&mut ctx, xml).await;
        assert_eq!(ctx.property("went").unwrap().to_string(), "in");
        ctx.set_direction(Direction::Response);
        mediate(&mut ctx, xml).await;
        assert_eq!(ctx.property("went").unwrap().to_string(), "out");
    }
}

//! The GoToWebinar connector: `<gotowebinar.init>` and the API operations, natively.
//!
//! It follows WSO2 connector 1.0.3 request for request (method, URL, query, body, headers),
//! with the decisions listed in this crate's README: token refresh that works, required
//! parameters checked before anything is sent, and secrets never logged whole.
//!
//! All 36 operations of 1.0.3 are rows of one table per API area: `sessions`, `attendees`,
//! `registrants`, `webinars` (panelists included) and `coorganizers`.
//!
//! With `<apiVersion>v2</apiVersion>` in `init` the same rows call GoTo's current REST v2
//! ([`v2`]): Bearer tokens from the OAuth 2.0 grants, renewed on expiry and on rejection
//! ([`renewal`]), paging, and an optional rate limit ([`limiter`]).
//!
//! ```
//! use oxynapse_engine::Registry;
//! use oxynapse_gotowebinar::GoToWebinar;
//! let registry = Registry::builder().builtin_mediators().connector(GoToWebinar::new()).build();
//! assert!(registry.connector("gotowebinar").is_some());
//! ```

mod attendees;
pub mod build;
mod coorganizers;
pub mod init;
pub mod limiter;
pub mod operation;
mod registrants;
pub mod renewal;
mod sessions;
mod shared_refresh;
pub mod token;
pub mod v2;
mod webinars;

use std::sync::OnceLock;

use oxynapse_engine::connector::{Args, BoxFuture, Connector, OperationSpec};
use oxynapse_engine::metrics::BackendMetrics;
use oxynapse_engine::{MediationError, MessageContext};

use init::Session;
use limiter::RateLimiter;
use operation::Operation;
use renewal::Runtime;
use token::TokenCache;
use v2::tokens::V2TokenCache;

pub struct GoToWebinar {
    specs: Vec<OperationSpec>,
    operations: Vec<&'static Operation>,
    /// Each operation's `oxynapse_backend_calls_total` handles (`endpoint` is
    /// `gotowebinar:OPERATION`), resolved on its first call.
    metrics: Vec<OnceLock<BackendMetrics>>,
    tokens: TokenCache,
    v2_tokens: V2TokenCache,
    limiter: RateLimiter,
}

impl GoToWebinar {
    pub fn new() -> Self {
        Self::with_refresh_timeout(token::DEFAULT_REFRESH_TIMEOUT)
    }

    /// A connector whose token refreshes may take `timeout` (and whose refresh lock in a
    /// shared registry lives half as long again): short ones let tests see a lock expire.
    pub fn with_refresh_timeout(timeout: std::time::Duration) -> Self {
        let operations: Vec<&'static Operation> = [
            sessions::OPERATIONS,
            attendees::OPERATIONS,
            registrants::OPERATIONS,
            webinars::OPERATIONS,
            coorganizers::OPERATIONS,
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut specs = vec![OperationSpec {
            name: "init",
            params: init::PARAMS,
        }];
        specs.extend(operations.iter().map(|op| op.spec()));
        GoToWebinar {
            specs,
            metrics: operations.iter().map(|_| OnceLock::new()).collect(),
            operations,
            tokens: TokenCache::with_refresh_timeout(timeout),
            v2_tokens: V2TokenCache::default(),
            limiter: RateLimiter::default(),
        }
    }

    /// The operation row named `name` (not `init`).
    pub fn operation(&self, name: &str) -> Option<&'static Operation> {
        self.operations.iter().copied().find(|o| o.name == name)
    }

    fn runtime(&self) -> Runtime<'_> {
        Runtime {
            v1_tokens: &self.tokens,
            v2_tokens: &self.v2_tokens,
            limiter: &self.limiter,
        }
    }
}

impl Default for GoToWebinar {
    fn default() -> Self {
        Self::new()
    }
}

impl Connector for GoToWebinar {
    fn name(&self) -> &'static str {
        "gotowebinar"
    }

    fn operations(&self) -> &[OperationSpec] {
        &self.specs
    }

    fn invoke<'a>(
        &'a self,
        operation: &'static str,
        args: Args,
        ctx: &'a mut MessageContext,
    ) -> BoxFuture<'a, Result<(), MediationError>> {
        Box::pin(async move {
            if operation == "init" {
                return init::init(self.runtime(), &args, ctx).await;
            }
            let index = self
                .operations
                .iter()
                .position(|o| o.name == operation)
                .ok_or_else(|| {
                    MediationError::internal(format!("gotowebinar has no operation `{operation}`"))
                })?;
            let op = self.operations[index];
            let session = ctx.extensions().get::<Session>().cloned().ok_or_else(|| {
                MediationError::internal(format!(
                    "gotowebinar.{operation} ran before gotowebinar.init"
                ))
                .with_detail("call <gotowebinar.init> earlier in the same flow")
            })?;
            if session.organizer_key.is_empty() {
                return Err(args_error(operation));
            }
            let metrics = self.metrics[index].get_or_init(|| {
                let label = ["gotowebinar:", op.name].concat();
                ctx.services().metrics().backend(&label)
            });
            op.run(self.runtime(), &session, &args, ctx, metrics).await
        })
    }
}

fn args_error(operation: &str) -> MediationError {
    MediationError::client(format!("missing required parameter `organizerKey` of operation `init` (needed by `{operation}`)"))
        .with_detail("`organizerKey` evaluated to an empty value; check the request field or property that feeds it")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 36 operations of connector 1.0.3, by template folder.
    const OPERATIONS_1_0_3: [&str; 36] = [
        // gotowebinar-sessions
        "listSessions",
        "getSessionById",
        "listSessionAttendees",
        "getOrganizerSessions",
        "getSessionPerformance",
        "getSessionPolls",
        "getSessionQuestions",
        "getSessionSurveys",
        // gotowebinar-attendees
        "getSessionAttendees",
        "getAttendee",
        "getAttendeePollAnswers",
        "getAttendeeQuestions",
        "getAttendeeSurveyAnswers",
        // gotowebinar-registrants
        "createRegistrant",
        "listRegistrants",
        "getRegistrantById",
        "getRegistrationFields",
        "deleteRegistrant",
        // gotowebinar-webinars
        "listUpcomingWebinars",
        "listHistoricalWebinars",
        "getWebinarById",
        "getAllWebinars",
        "createWebinar",
        "cancelWebinar",
        "updateWebinar",
        "getAttendeesForAllWebinarSessions",
        "getAudioInformation",
        "updateAudioInformation",
        "getWebinarMeetingTimes",
        "getWebinarPanelists",
        "createPanelists",
        "getPerformanceForAllWebinarSessions",
        // gotowebinar-co-organizers
        "createCOOrganizer",
        "listCOOrganizers",
        "deleteCOOrganizer",
        "resendInvitation",
    ];

    #[test]
    fn declares_init_and_every_operation_of_1_0_3_once() {
        let connector = GoToWebinar::new();
        let mut declared: Vec<&str> = connector.operations().iter().map(|o| o.name).collect();
        declared.sort_unstable();
        let mut expected = OPERATIONS_1_0_3.to_vec();
        expected.push("init");
        expected.sort_unstable();
        assert_eq!(declared, expected);
        for op in &connector.operations {
            let mut names: Vec<&str> = op.params.iter().map(|p| p.name).collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                count,
                "{}: a parameter is declared twice",
                op.name
            );
            for param in op.path.split('{').skip(1) {
                let name = param.split('}').next().unwrap_or_default();
                assert!(
                    op.params.iter().any(|p| p.name == name && p.required),
                    "{}: path parameter `{name}` must be a required parameter",
                    op.name
                );
            }
        }
    }
}

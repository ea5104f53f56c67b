//! REST v2 (`/G2W/rest/v2/...`): the same operations as v1 behind a Bearer check, with the
//! v2 differences the connector relies on:
//!
//! * `GET /organizers/{ok}/webinars?fromTime&toTime[&page&size]`: every webinar starting in
//!   the range, in the `_embedded.webinars` wrapper (v1's upcoming and historical lists do
//!   not exist in v2: 404);
//! * session lists (`_embedded.sessionInfoResources`) and a webinar's attendees
//!   (`_embedded.attendeeParticipationResponses`) in the paging wrapper, `page` (0-based) and
//!   `size` (default 20, at most 200);
//! * registrants in `{data,total,page,limit,pageSize}` when `page` or `limit` is sent, else
//!   the bare array as in v1.
//!
//! Every other operation answers exactly what its v1 path answers. Items keep v1's shapes.

use serde_json::Value;

use super::ops::{Op, WebinarPart};
use super::{Ctx, Handled, webinars};
use crate::oauth2::bearer;
use crate::reply::Reply;
use crate::{RecordedRequest, Shared, lock};

/// The Bearer check: 403 `InvalidToken` for a missing, unknown or expired token.
pub(super) fn authorize(shared: &Shared, request: &RecordedRequest) -> Result<(), Reply> {
    let Some(token) = bearer(request) else {
        return Err(Reply::invalid_token());
    };
    let v1_accepted = lock(&shared.auth).is_accepted(token);
    if lock(&shared.bearer).is_valid(token, v1_accepted) {
        Ok(())
    } else {
        Err(Reply::invalid_token())
    }
}

/// True for the v1-only paths, which v2 does not have.
pub(super) fn is_v1_only(op: &Op<'_>) -> bool {
    matches!(op, Op::UpcomingWebinars | Op::HistoricalWebinars)
}

/// Runs `op` the v2 way: the ranged webinar list, or the v1 handler reshaped.
pub(super) fn run(
    ctx: &Ctx<'_>,
    op: Op<'_>,
    v1: impl FnOnce(&Ctx<'_>, Op<'_>) -> Handled,
) -> Handled {
    if op == Op::AllWebinars {
        return webinars::account(ctx);
    }
    let wrapper = match op {
        Op::ListSessions(_) | Op::OrganizerSessions => {
            Some(Wrapper::Embedded("sessionInfoResources"))
        }
        Op::Webinar(WebinarPart::Attendees, _) => {
            Some(Wrapper::Embedded("attendeeParticipationResponses"))
        }
        Op::ListRegistrants(_) if ctx.param("page").is_some() || ctx.param("limit").is_some() => {
            Some(Wrapper::Data)
        }
        _ => None,
    };
    let reply = v1(ctx, op)?;
    match (wrapper, reply) {
        (Some(wrapper), Reply::Ok { status, body }) => Ok(Reply::Ok {
            status,
            body: wrap(ctx, wrapper, &body)?,
        }),
        (_, reply) => Ok(reply),
    }
}

#[derive(Clone, Copy)]
enum Wrapper {
    Embedded(&'static str),
    Data,
}

/// One page of the JSON array `body`, in the wrapper.
fn wrap(ctx: &Ctx<'_>, wrapper: Wrapper, body: &str) -> Result<String, Reply> {
    let items: Vec<Value> = serde_json::from_str(body).unwrap_or_default();
    let size_name = match wrapper {
        Wrapper::Embedded(_) => "size",
        Wrapper::Data => "limit",
    };
    let page = ctx.paging_param("page", 0)?;
    let size = ctx.paging_param(size_name, 20)?.min(200);
    let total = items.len();
    let slice: Vec<Value> = items
        .into_iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .collect();
    let shown = slice.len();
    let slice = Value::Array(slice);
    Ok(match wrapper {
        Wrapper::Embedded(key) => format!(
            r#"{{"_embedded":{{"{key}":{slice}}},"page":{{"size":{size},"totalElements":{total},"totalPages":{},"number":{page}}}}}"#,
            total.div_ceil(size)
        ),
        Wrapper::Data => format!(
            r#"{{"data":{slice},"total":{total},"page":{page},"limit":{size},"pageSize":{shown}}}"#
        ),
    })
}

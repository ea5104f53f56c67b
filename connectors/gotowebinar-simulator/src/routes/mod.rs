//! Dispatch: method + path segments → one v1 operation, with the checks every operation
//! shares (token, organizer key, key syntax), then the handler of its API area.
//!
//! Order of checks (the simulator's choice; the real API's order is not documented): a path
//! outside `/G2W/rest` is 404 at once; then the token (403 `InvalidToken`), the path (404,
//! or 405 for a known path with another method), the organizer key (400 if not a number,
//! 403 `Forbidden` if not [`crate::fixtures::ORGANIZER_KEY`], as for another organizer's
//! data), the other path keys (400 if not a number), then the handler's lookups (404) and
//! body checks (400/409).

mod members;
mod ops;
mod registrants;
mod sessions;
mod v2;
mod webinars;

use std::sync::MutexGuard;

use serde_json::Value;

use crate::fixtures::{ACCOUNT_KEY, ORGANIZER_KEY};
use crate::reply::Reply;
use crate::store::{Session, Store, Webinar};
use crate::text::{decode, is_int64, iso_datetime, param, query_params};
use crate::{RecordedRequest, Shared, lock};
use ops::Op;
pub(crate) use ops::{AttendeePart, SessionPart, WebinarPart};

/// What a handler gets: the request, its decoded query and the shared state.
pub(crate) struct Ctx<'a> {
    shared: &'a Shared,
    pub request: &'a RecordedRequest,
    params: Vec<(String, String)>,
}

/// A handler's answer: `Err` carries an error reply so handlers can use `?`.
pub(crate) type Handled = Result<Reply, Reply>;

impl Ctx<'_> {
    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }

    /// The data, locked. Never held across an `.await` (handlers are synchronous).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.shared.store)
    }

    /// The webinar `wk`, or 404.
    pub fn webinar(&self, wk: &str) -> Result<Webinar, Reply> {
        self.store()
            .webinar(wk)
            .cloned()
            .ok_or_else(|| Reply::not_found(format!("Webinar with key {wk} not found")))
    }

    /// The webinar `wk` and its completed session `sk`, or 404.
    pub fn session(&self, wk: &str, sk: &str) -> Result<(Webinar, Session), Reply> {
        let webinar = self.webinar(wk)?;
        let session = webinar.sessions.iter().find(|s| s.key == sk).cloned();
        match session {
            Some(session) => Ok((webinar, session)),
            None => Err(Reply::not_found(format!(
                "Session with key {sk} not found for webinar {wk}"
            ))),
        }
    }

    /// The body as JSON, or 400.
    pub fn json_body(&self) -> Result<Value, Reply> {
        serde_json::from_slice(&self.request.body)
            .map_err(|_| Reply::bad_request("The request body is not valid JSON"))
    }

    /// A paging query parameter (`page` from 0, a size from 1), `default` when absent, or 400.
    pub fn paging_param(&self, name: &str, default: usize) -> Result<usize, Reply> {
        match self.param(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| name == "page" || *n > 0)
                .ok_or_else(|| Reply::bad_request(format!("Invalid {name}: {v}"))),
        }
    }

    /// The required `fromTime` and `toTime` query parameters as comparable text, or 400.
    pub fn time_range(&self) -> Result<(String, String), Reply> {
        let mut out = Vec::with_capacity(2);
        for name in ["fromTime", "toTime"] {
            let value = self.param(name).unwrap_or("");
            if value.is_empty() {
                return Err(Reply::bad_request(format!(
                    "Required parameter {name} is missing"
                )));
            }
            match iso_datetime(value) {
                Some(time) => out.push(time.to_string()),
                None => {
                    return Err(Reply::bad_request(format!(
                        "Invalid {name}: {value}. Use ISO-8601 UTC, e.g. 2015-07-13T10:00:00Z"
                    )));
                }
            }
        }
        let to = out.pop().unwrap_or_default();
        let from = out.pop().unwrap_or_default();
        if from > to {
            return Err(Reply::bad_request("fromTime must not be after toTime"));
        }
        Ok((from, to))
    }
}

/// Answers one API request (anything but the token endpoint).
pub(crate) fn dispatch(shared: &Shared, request: &RecordedRequest) -> Reply {
    let decoded: Vec<String> = request
        .path
        .split('/')
        .skip(1)
        .map(|segment| decode(segment, false))
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let ["G2W", "rest", rest @ ..] = segments.as_slice() else {
        return unknown_path(request);
    };
    let (is_v2, rest) = match rest {
        ["v2", tail @ ..] => (true, tail),
        _ => (false, rest),
    };
    let authorized = if is_v2 {
        v2::authorize(shared, request)
    } else {
        lock(&shared.auth).authorize(request)
    };
    if let Err(reply) = authorized {
        return reply;
    }
    let method = request.method.as_str();
    let matched = match rest {
        ["organizers", ok, tail @ ..] => Op::organizer(method, tail).map(|op| (Some(*ok), op)),
        ["accounts", ak, "webinars"] if method == "GET" => Some((None, Op::AccountWebinars(ak))),
        _ => None,
    };
    let Some((organizer, op)) = matched.filter(|(_, op)| !(is_v2 && v2::is_v1_only(op))) else {
        return not_matched(request, rest, is_v2);
    };
    let ctx = Ctx {
        shared,
        request,
        params: query_params(request.query.as_deref()),
    };
    check_keys(organizer, &op)
        .and_then(|()| {
            if is_v2 {
                v2::run(&ctx, op, run)
            } else {
                run(&ctx, op)
            }
        })
        .unwrap_or_else(|e| e)
}

/// 405 when the path exists for another method (in this API version), else 404.
fn not_matched(request: &RecordedRequest, rest: &[&str], is_v2: bool) -> Reply {
    let allowed: Vec<&'static str> = ["GET", "POST", "PUT", "DELETE"]
        .into_iter()
        .filter(|m| match rest {
            ["organizers", _, tail @ ..] => {
                Op::organizer(m, tail).is_some_and(|op| !(is_v2 && v2::is_v1_only(&op)))
            }
            ["accounts", _, "webinars"] => *m == "GET",
            _ => false,
        })
        .collect();
    if allowed.is_empty() {
        unknown_path(request)
    } else {
        Reply::method_not_allowed(allowed.join(", "))
    }
}

fn unknown_path(request: &RecordedRequest) -> Reply {
    Reply::not_found(format!("No resource at {}", request.path))
}

/// The organizer (or account) key and the other path keys.
fn check_keys(organizer: Option<&str>, op: &Op<'_>) -> Result<(), Reply> {
    if let Some(ok) = organizer {
        if !is_int64(ok) {
            return Err(Reply::bad_request(format!("Invalid organizerKey: {ok}")));
        }
        if ok != ORGANIZER_KEY {
            return Err(Reply::forbidden(format!(
                "The access token does not grant access to organizer {ok}"
            )));
        }
    }
    for (name, value) in op.keys() {
        if !is_int64(value) {
            return Err(Reply::bad_request(format!("Invalid {name}: {value}")));
        }
    }
    match op {
        Op::AccountWebinars(ak) if *ak != ACCOUNT_KEY => Err(Reply::forbidden(format!(
            "The access token does not grant access to account {ak}"
        ))),
        _ => Ok(()),
    }
}

/// Runs the handler of `op`.
fn run(ctx: &Ctx<'_>, op: Op<'_>) -> Handled {
    use Op::*;
    match op {
        OrganizerSessions => sessions::organizer_sessions(ctx),
        ListSessions(wk) => sessions::list(ctx, wk),
        Session(part, wk, sk) => sessions::session(ctx, part, wk, sk),
        Attendee(part, wk, sk, rk) => sessions::attendee(ctx, part, wk, sk, rk),
        CreateRegistrant(wk) => registrants::create(ctx, wk),
        ListRegistrants(wk) => registrants::list(ctx, wk),
        RegistrationFields(wk) => registrants::fields(ctx, wk),
        GetRegistrant(wk, rk) => registrants::get(ctx, wk, rk),
        DeleteRegistrant(wk, rk) => registrants::delete(ctx, wk, rk),
        UpcomingWebinars => webinars::upcoming(ctx),
        HistoricalWebinars => webinars::historical(ctx),
        AllWebinars => webinars::all(ctx),
        AccountWebinars(_) => webinars::account(ctx),
        CreateWebinar => webinars::create(ctx),
        Webinar(part, wk) => webinars::webinar(ctx, part, wk),
        DeletePanelist(wk, pk) => members::panelist(ctx, wk, pk, true),
        ResendPanelistInvitation(wk, pk) => members::panelist(ctx, wk, pk, false),
        CreateCoorganizers(wk) => members::create(ctx, wk),
        ListCoorganizers(wk) => members::list(ctx, wk),
        DeleteCoorganizer(wk, ck) => members::member(ctx, wk, ck, true),
        ResendCoorganizerInvitation(wk, ck) => members::member(ctx, wk, ck, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_keys_in_order() {
        let session = Op::Session(SessionPart::Polls, "1", "INVALID");
        assert_eq!(
            check_keys(Some("INVALID"), &session).map_err(|e| e.status()),
            Err(400)
        );
        assert_eq!(
            check_keys(Some("1"), &session).map_err(|e| e.status()),
            Err(403)
        );
        assert_eq!(
            check_keys(Some(ORGANIZER_KEY), &session).map_err(|e| e.status()),
            Err(400)
        );
        let good = Op::Session(SessionPart::Polls, "1", "2");
        assert_eq!(check_keys(Some(ORGANIZER_KEY), &good), Ok(()));
    }
}

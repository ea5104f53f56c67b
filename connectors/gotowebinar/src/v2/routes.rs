//! Each operation's v2 request: the same rows as v1 (see the area modules), with the
//! differences of REST v2 (§2 of GoTo's v2 spec):
//!
//! | operation | v2 upstream |
//! |---|---|
//! | `listSessions` | `GET …/webinars/{webinarKey}/sessions[?page&size]`, paged (`sessionInfoResources`) |
//! | `getOrganizerSessions` | `GET …/sessions?fromTime&toTime[&page&size]`, paged (`sessionInfoResources`) |
//! | `listUpcomingWebinars` | `GET …/webinars?fromTime=<now>&toTime=<now + 365 days>[&page&size]`, paged (`webinars`) |
//! | `listHistoricalWebinars` | `GET …/webinars?fromTime&toTime[&page&size]`, paged (`webinars`) |
//! | `getAllWebinars` | `GET …/webinars?fromTime&toTime[&page&size]`; without times, the upcoming range |
//! | `getAttendeesForAllWebinarSessions` | `…/attendees[?page&size]`, paged (`attendeeParticipationResponses`) |
//! | `listRegistrants` | `…/registrants[?page&limit=<size>]`, a bare array unless paged (`data` wrapper) |
//! | `createRegistrant` | `Accept: application/json` (all fields in v2), `?resendConfirmation=` |
//!
//! Every other operation keeps its v1 method, path, query and body below the v2 base.
//! `…` is `{apiUrl}/G2W/rest/v2/organizers/{organizerKey}`.

use chrono::{Duration, Utc};
use oxynapse_engine::MediationError;
use oxynapse_engine::connector::{Args, ParamSpec};

use crate::build::{query_always, query_when_set};
use crate::operation::{Operation, QueryBuilder};

/// The optional paging parameters of the paged lists (v2 only; v1 ignores them).
pub const PAGING: [ParamSpec; 3] = [
    ParamSpec::optional("page"),
    ParamSpec::optional("size"),
    ParamSpec::optional("allPages"),
];

/// A paged list of one webinar (sessions, attendees, registrants).
pub const WEBINAR_PAGED: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    PAGING[0],
    PAGING[1],
    PAGING[2],
];

/// The webinar lists: times (v1 historical, v2 all) and paging.
pub const WEBINAR_LIST: &[ParamSpec] = &[
    ParamSpec::optional("fromTime"),
    ParamSpec::optional("toTime"),
    PAGING[0],
    PAGING[1],
    PAGING[2],
];

/// `Accept` for createRegistrant in v2: in v2 `application/json` keeps every field and the
/// v1.1 media type keeps only names and e-mail (the meaning flipped between the versions).
pub const V2_REGISTRANT_ACCEPT: &str = "application/json";

/// How "upcoming" is turned into a range: from now to this many days ahead.
pub const UPCOMING_DAYS: i64 = 365;

/// How a paged list wraps its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `{"_embedded":{"<key>":[..]},"page":{size,totalElements,totalPages,number}}`.
    Embedded(&'static str),
    /// `{"data":[..],"total","page","limit","pageSize"}` (registrants; size is `limit`).
    Data,
}

/// One operation's v2 request shape.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Below `/organizers/{organizerKey}/`, as in [`Operation::path`].
    pub path: &'static str,
    pub query: Option<QueryBuilder>,
    pub accept: Option<&'static str>,
    pub paging: Option<Paging>,
}

/// The v2 route of `op`.
pub fn route(op: &Operation) -> Route {
    let same = Route {
        path: op.path,
        query: op.query,
        accept: op.accept,
        paging: None,
    };
    let sessions = Some(Paging::Embedded("sessionInfoResources"));
    let webinars = Some(Paging::Embedded("webinars"));
    match op.name {
        "listSessions" => Route {
            query: Some(page_query),
            paging: sessions,
            ..same
        },
        "getOrganizerSessions" => Route {
            query: Some(required_range_query),
            paging: sessions,
            ..same
        },
        "listUpcomingWebinars" => Route {
            path: "webinars",
            query: Some(upcoming_query),
            paging: webinars,
            ..same
        },
        "listHistoricalWebinars" => Route {
            path: "webinars",
            query: Some(given_range_query),
            paging: webinars,
            ..same
        },
        "getAllWebinars" => Route {
            query: Some(all_webinars_query),
            paging: webinars,
            ..same
        },
        "getAttendeesForAllWebinarSessions" => Route {
            query: Some(page_query),
            paging: Some(Paging::Embedded("attendeeParticipationResponses")),
            ..same
        },
        "listRegistrants" => Route {
            query: Some(registrant_page_query),
            paging: Some(Paging::Data),
            ..same
        },
        "createRegistrant" => Route {
            query: Some(resend_query),
            accept: Some(V2_REGISTRANT_ACCEPT),
            ..same
        },
        _ => same,
    }
}

/// A non-negative whole number, or a 400 naming the parameter.
fn number(args: &Args, name: &str) -> Result<Option<u64>, MediationError> {
    match args.non_empty(name) {
        None => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| {
            MediationError::client(format!("invalid paging parameter `{name}`")).with_detail(
                format!("`{name}` must be a whole number of 0 or more, not `{text}`"),
            )
        }),
    }
}

/// `page=..&<size_name>=..`, each when set; `None` when neither is.
fn paging_query(args: &Args, size_name: &str) -> Result<Vec<String>, MediationError> {
    let mut parts = Vec::new();
    if let Some(page) = number(args, "page")? {
        parts.push(format!("page={page}"));
    }
    if let Some(size) = number(args, "size")? {
        parts.push(format!("{size_name}={size}"));
    }
    Ok(parts)
}

fn joined(parts: Vec<String>) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join("&"))
}

fn page_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(joined(paging_query(args, "size")?))
}

fn registrant_page_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(joined(paging_query(args, "limit")?))
}

/// `fromTime=..&toTime=..` always (the API requires both), then paging.
fn required_range_query(args: &Args) -> Result<Option<String>, MediationError> {
    let mut parts = vec![
        query_always(args, "fromTime", "fromTime"),
        query_always(args, "toTime", "toTime"),
    ];
    parts.extend(paging_query(args, "size")?);
    Ok(joined(parts))
}

/// The non-empty times as given (as v1's historical list sends them), then paging.
fn given_range_query(args: &Args) -> Result<Option<String>, MediationError> {
    let mut parts: Vec<String> = ["fromTime", "toTime"]
        .into_iter()
        .filter_map(|name| query_when_set(args, name, name))
        .collect();
    parts.extend(paging_query(args, "size")?);
    Ok(joined(parts))
}

/// Now to [`UPCOMING_DAYS`] ahead, UTC, to the second, then paging.
fn upcoming_query(args: &Args) -> Result<Option<String>, MediationError> {
    let now = Utc::now();
    let format = "%Y-%m-%dT%H:%M:%SZ";
    let mut parts = vec![
        format!("fromTime={}", now.format(format)),
        format!(
            "toTime={}",
            (now + Duration::days(UPCOMING_DAYS)).format(format)
        ),
    ];
    parts.extend(paging_query(args, "size")?);
    Ok(joined(parts))
}

/// The given range, or the upcoming one when neither time is given (v1's getAllWebinars
/// listed the scheduled webinars).
fn all_webinars_query(args: &Args) -> Result<Option<String>, MediationError> {
    if args.non_empty("fromTime").is_none() && args.non_empty("toTime").is_none() {
        upcoming_query(args)
    } else {
        given_range_query(args)
    }
}

/// v2's own name for the flag (v1 sends it as `notifyParticipants`, kept there on purpose).
fn resend_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(query_when_set(
        args,
        "resendConfirmation",
        "resendConfirmation",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::tests::args;
    use crate::init::Session;
    use crate::operation::tests::session;
    use http::HeaderMap;

    fn v2_session() -> Session {
        Session {
            base_url: "http://h/G2W/rest/v2".into(),
            api: crate::v2::ApiVersion::V2,
            ..session()
        }
    }

    /// The v2 URL and Accept of operation `name` of the connector.
    fn sent(name: &'static str, pairs: &[(&'static str, &str)]) -> (String, Option<String>) {
        let connector = crate::GoToWebinar::new();
        let op = connector.operation(name).expect("an operation");
        let request = op
            .request(&v2_session(), &args(name, pairs), &HeaderMap::new())
            .unwrap();
        assert_eq!(request.headers["authorization"], "Bearer t");
        let accept = request
            .headers
            .get("accept")
            .map(|a| a.to_str().unwrap().to_string());
        let url = request
            .url
            .strip_prefix("http://h/G2W/rest/v2/organizers/42")
            .unwrap();
        (url.to_string(), accept)
    }

    #[test]
    fn lists_take_paging_and_ranges() {
        let key = ("webinarKey", "1");
        assert_eq!(sent("listSessions", &[key]).0, "/webinars/1/sessions");
        let paged = [key, ("page", "2"), ("size", "50")];
        assert_eq!(
            sent("listSessions", &paged).0,
            "/webinars/1/sessions?page=2&size=50"
        );
        assert_eq!(
            sent("listRegistrants", &paged).0,
            "/webinars/1/registrants?page=2&limit=50"
        );
        let times = [("fromTime", "A"), ("toTime", "B"), ("page", "0")];
        assert_eq!(
            sent("listHistoricalWebinars", &times).0,
            "/webinars?fromTime=A&toTime=B&page=0"
        );
        assert_eq!(
            sent("getAllWebinars", &times).0,
            "/webinars?fromTime=A&toTime=B&page=0"
        );
        assert_eq!(
            sent("getOrganizerSessions", &times).0,
            "/sessions?fromTime=A&toTime=B&page=0"
        );
        let upcoming = sent("listUpcomingWebinars", &[]).0;
        assert!(upcoming.starts_with("/webinars?fromTime=20"), "{upcoming}");
        assert_eq!(sent("getAllWebinars", &[]).0.len(), upcoming.len());
    }

    #[test]
    fn create_registrant_asks_for_all_fields() {
        let given = [
            ("webinarKey", "1"),
            ("firstName", "A"),
            ("lastName", "L"),
            ("email", "a@example.com"),
            ("resendConfirmation", "false"),
        ];
        let (url, accept) = sent("createRegistrant", &given);
        assert_eq!(url, "/webinars/1/registrants?resendConfirmation=false");
        assert_eq!(accept.as_deref(), Some(V2_REGISTRANT_ACCEPT));
        let (url, _) = sent(
            "getSessionPolls",
            &[("webinarKey", "1"), ("sessionKey", "2")],
        );
        assert_eq!(
            url, "/webinars/1/sessions/2/polls",
            "the rest keeps its v1 path"
        );
    }

    #[test]
    fn bad_paging_is_a_400_before_sending() {
        let connector = crate::GoToWebinar::new();
        let op = connector.operation("listSessions").unwrap();
        for (name, value) in [("page", "-1"), ("size", "ten")] {
            let given = args("listSessions", &[("webinarKey", "1"), (name, value)]);
            let err = op
                .request(&v2_session(), &given, &HeaderMap::new())
                .unwrap_err();
            assert_eq!(err.status, 400);
            assert!(err.message.contains(name), "{err}");
        }
    }
}

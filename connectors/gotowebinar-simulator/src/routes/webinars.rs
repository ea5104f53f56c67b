//! Webinars: the organizer's lists, create, and the operations on one webinar (get,
//! cancel, update, audio, meeting times, attendees, performance), plus the account-wide
//! list the connector does not cover.

use serde_json::{Map, Value};

use super::sessions::{array, attendees, performance_json};
use super::{Ctx, Handled, WebinarPart, members};
use crate::fixtures::ORGANIZER_KEY;
use crate::reply::Reply;
use crate::store::Webinar;
use crate::text::{iso_datetime, js};

/// Created webinar keys count up from here.
const WEBINAR_BASE: u64 = 9_100_000_000_000_000_000;

/// getAudioInformation: the same Hybrid set-up for every webinar.
const AUDIO: &str = concat!(
    r#"{"type":"Hybrid","confCallNumbers":{"#,
    r#""US":{"toll":"+1 (555) 010-4212","tollFree":"1 800 555 0199","#,
    r#""accessCodes":{"organizer":"427-981-263","panelist":"618-332-904","attendee":"913-554-720"}},"#,
    r#""GB":{"toll":"+44 20 7946 0958","#,
    r#""accessCodes":{"organizer":"427-981-263","panelist":"618-332-904","attendee":"913-554-720"}}}}"#
);

/// The webinar shapes of the v1 API, which differ only in which members they carry.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Upcoming,
    Historical,
    /// getAllWebinars' Webinar.
    Listed,
    ByKey,
}

fn webinar_json(w: &Webinar, shape: Shape, registrants: usize) -> String {
    let mut out = format!(
        r#"{{"webinarKey":{},"webinarID":{},"subject":{},"description":{},"organizerKey":{ORGANIZER_KEY}"#,
        w.key,
        js(&w.webinar_id),
        js(&w.subject),
        js(&w.description)
    );
    if shape != Shape::Historical {
        out.push_str(&format!(
            ",\"registrationUrl\":{}",
            js(&registration_url(w))
        ));
    }
    out.push_str(&format!(",\"timeZone\":{}", js(&w.time_zone)));
    if shape != Shape::Historical {
        out.push_str(",\"inSession\":false");
    }
    if matches!(shape, Shape::Listed | Shape::ByKey) {
        out.push_str(&format!(",\"numberOfRegistrants\":{registrants}"));
    }
    if shape == Shape::ByKey {
        out.push_str(",\"numberOfOpenedInvitations\":0,\"numberOfRegistrationLinkClicks\":0");
    }
    out.push_str(&format!(",\"times\":{}}}", times_json(w)));
    out
}

fn registration_url(w: &Webinar) -> String {
    format!("https://attendee.gotowebinar.com/register/{}", w.key)
}

fn times_json(w: &Webinar) -> String {
    array(
        w.times
            .iter()
            .map(|(start, end)| format!(r#"{{"startTime":{},"endTime":{}}}"#, js(start), js(end))),
    )
}

/// True when one of the webinar's times starts within `from..=to`.
fn in_range(w: &Webinar, from: &str, to: &str) -> bool {
    w.times.iter().any(|(start, _)| {
        let start = start.get(..19).unwrap_or(start);
        from <= start && start <= to
    })
}

/// listUpcomingWebinars.
pub(super) fn upcoming(ctx: &Ctx<'_>) -> Handled {
    let store = ctx.store();
    let list = store.webinars.iter().filter(|w| !w.past);
    Ok(Reply::ok(array(
        list.map(|w| webinar_json(w, Shape::Upcoming, 0)),
    )))
}

/// listHistoricalWebinars: `fromTime` and `toTime` are required.
pub(super) fn historical(ctx: &Ctx<'_>) -> Handled {
    let (from, to) = ctx.time_range()?;
    let store = ctx.store();
    let list = store
        .webinars
        .iter()
        .filter(|w| w.past && in_range(w, &from, &to));
    Ok(Reply::ok(array(
        list.map(|w| webinar_json(w, Shape::Historical, 0)),
    )))
}

/// getAllWebinars: the organizer's scheduled webinars.
pub(super) fn all(ctx: &Ctx<'_>) -> Handled {
    let store = ctx.store();
    let registrants = store.registrants.len();
    let list = store.webinars.iter().filter(|w| !w.past);
    Ok(Reply::ok(array(
        list.map(|w| webinar_json(w, Shape::Listed, registrants)),
    )))
}

/// `GET /accounts/{accountKey}/webinars?fromTime&toTime[&page&size]` (not in the connector).
pub(super) fn account(ctx: &Ctx<'_>) -> Handled {
    let (from, to) = ctx.time_range()?;
    let page = ctx.paging_param("page", 0)?;
    let size = ctx.paging_param("size", 20)?.min(200);
    let store = ctx.store();
    let all: Vec<&Webinar> = store
        .webinars
        .iter()
        .filter(|w| in_range(w, &from, &to))
        .collect();
    let items = all.iter().skip(page.saturating_mul(size)).take(size).map(|w| {
        format!(
            r#"{{"webinarKey":"{}","webinarID":{},"subject":{},"description":{},"organizerKey":"{ORGANIZER_KEY}","registrationUrl":{},"timeZone":{},"times":{},"type":"single_session","impromptu":false,"isPasswordProtected":false}}"#,
            w.key,
            js(&w.webinar_id),
            js(&w.subject),
            js(&w.description),
            js(&registration_url(w)),
            js(&w.time_zone),
            times_json(w)
        )
    });
    Ok(Reply::ok(format!(
        r#"{{"_embedded":{{"webinars":{}}},"page":{{"size":{size},"totalElements":{},"totalPages":{},"number":{page}}}}}"#,
        array(items),
        all.len(),
        all.len().div_ceil(size)
    )))
}

/// createWebinar: 201 `{"webinarKey":"<key>"}` (a string, as CreatedWebinar declares).
pub(super) fn create(ctx: &Ctx<'_>) -> Handled {
    let body = ctx.json_body()?;
    let obj = object(&body)?;
    let subject = match obj.get("subject") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err(Reply::bad_request("Required field subject is missing")),
    };
    let times = times(obj.get("times"))?;
    let optional = |name: &str| match obj.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let mut store = ctx.store();
    let key = store.next_key(WEBINAR_BASE);
    store.webinars.push(Webinar {
        webinar_id: format!("6{}", key.get(key.len().saturating_sub(8)..).unwrap_or("0")),
        subject,
        description: optional("description").unwrap_or_default(),
        time_zone: optional("timeZone").unwrap_or_else(|| "America/New_York".into()),
        times,
        past: false,
        sessions: Vec::new(),
        seeded: false,
        key: key.clone(),
    });
    Ok(Reply::created(format!(r#"{{"webinarKey":"{key}"}}"#)))
}

/// The operations on one webinar.
pub(super) fn webinar(ctx: &Ctx<'_>, part: WebinarPart, wk: &str) -> Handled {
    let webinar = ctx.webinar(wk)?;
    let reply = match part {
        WebinarPart::Get => {
            let registrants = ctx.store().registrants.len();
            Reply::ok(webinar_json(&webinar, Shape::ByKey, registrants))
        }
        WebinarPart::Cancel => {
            boolean(ctx, "sendCancellationEmails")?;
            if !webinar.seeded {
                ctx.store().webinars.retain(|w| w.key != wk);
            }
            Reply::no_content()
        }
        WebinarPart::Update => {
            update(ctx)?;
            Reply::Empty { status: 202 }
        }
        WebinarPart::Attendees => {
            let store = ctx.store();
            let all = webinar.sessions.iter().flat_map(|s| attendees(&store, s));
            Reply::ok(array(all))
        }
        WebinarPart::Audio => Reply::ok(AUDIO.to_string()),
        WebinarPart::UpdateAudio => {
            update_audio(ctx)?;
            Reply::no_content()
        }
        WebinarPart::MeetingTimes => Reply::ok(times_json(&webinar)),
        WebinarPart::Panelists => members::panelists(ctx, wk),
        WebinarPart::CreatePanelists => members::create_panelists(ctx, wk)?,
        WebinarPart::Performance => {
            let store = ctx.store();
            let entries = webinar
                .sessions
                .iter()
                .map(|s| format!("\"{}\":{}", s.key, performance_json(&store, s)));
            Reply::ok(format!("{{{}}}", entries.collect::<Vec<_>>().join(",")))
        }
    };
    Ok(reply)
}

/// updateWebinar's checks; the update itself is acknowledged, not applied.
fn update(ctx: &Ctx<'_>) -> Result<(), Reply> {
    boolean(ctx, "notifyParticipants")?;
    let body = ctx.json_body()?;
    let obj = object(&body)?;
    let known = ["subject", "description", "times", "timeZone", "locale"];
    if !known.iter().any(|name| obj.contains_key(*name)) {
        return Err(Reply::bad_request(
            "At least one of subject, description, times, timeZone or locale is required",
        ));
    }
    if let Some(value) = obj.get("times") {
        times(Some(value))?;
    }
    match obj.get("locale") {
        None => Ok(()),
        Some(Value::String(l))
            if ["en_US", "de_DE", "es_ES", "fr_FR", "it_IT", "zh_CN"].contains(&l.as_str()) =>
        {
            Ok(())
        }
        Some(other) => Err(Reply::bad_request(format!("Invalid locale: {other}"))),
    }
}

/// updateAudioInformation's checks, per type.
fn update_audio(ctx: &Ctx<'_>) -> Result<(), Reply> {
    boolean(ctx, "notifyParticipants")?;
    let body = ctx.json_body()?;
    let obj = object(&body)?;
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "VOIP" => Ok(()),
        "PSTN" | "Hybrid" => {
            let pstn = obj.get("pstnInfo").and_then(Value::as_object);
            let lists: Vec<&Vec<Value>> = ["tollFreeCountries", "tollCountries"]
                .iter()
                .filter_map(|name| pstn.and_then(|p| p.get(*name)).and_then(Value::as_array))
                .collect();
            let country = |c: &Value| {
                c.as_str()
                    .is_some_and(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            };
            if lists.is_empty() || !lists.iter().all(|l| l.iter().all(country)) {
                return Err(Reply::bad_request(
                    "pstnInfo needs tollFreeCountries or tollCountries as arrays of country codes",
                ));
            }
            Ok(())
        }
        "Private" => match obj.get("privateInfo").and_then(|p| p.get("attendee")) {
            Some(Value::String(a)) if !a.is_empty() => Ok(()),
            _ => Err(Reply::bad_request(
                "privateInfo.attendee is required for Private audio",
            )),
        },
        _ => Err(Reply::bad_request(format!(
            "Invalid audio type: {kind}. Use PSTN, VOIP, Hybrid or Private"
        ))),
    }
}

/// An optional boolean query parameter, or 400.
fn boolean(ctx: &Ctx<'_>, name: &str) -> Result<(), Reply> {
    match ctx.param(name) {
        None | Some("" | "true" | "false") => Ok(()),
        Some(other) => Err(Reply::bad_request(format!("Invalid {name}: {other}"))),
    }
}

pub(super) fn object(body: &Value) -> Result<&Map<String, Value>, Reply> {
    body.as_object()
        .ok_or_else(|| Reply::bad_request("The request body must be a JSON object"))
}

/// A non-empty `times` array of `{startTime, endTime}` with end after start, or 400.
fn times(value: Option<&Value>) -> Result<Vec<(String, String)>, Reply> {
    let items = match value {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => return Err(Reply::bad_request("Required field times is missing")),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| {
            item.get(name)
                .and_then(Value::as_str)
                .filter(|t| iso_datetime(t).is_some())
                .ok_or_else(|| {
                    Reply::bad_request(format!(
                        "times[{i}].{name} is missing or not an ISO-8601 time"
                    ))
                })
        };
        let (start, end) = (field("startTime")?, field("endTime")?);
        if iso_datetime(end) <= iso_datetime(start) {
            return Err(Reply::bad_request(format!(
                "times[{i}].endTime must be after startTime"
            )));
        }
        out.push((start.to_string(), end.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::WEBINAR_KEY;
    use crate::store::Store;

    #[test]
    fn shapes_carry_their_members() {
        let store = Store::seeded();
        let w = store.webinar(WEBINAR_KEY).expect("fixture webinar");
        let by_key: Value = serde_json::from_str(&webinar_json(w, Shape::ByKey, 2)).expect("json");
        assert_eq!(by_key["webinarKey"].to_string(), WEBINAR_KEY);
        assert_eq!(by_key["organizerKey"].to_string(), ORGANIZER_KEY);
        assert_eq!(by_key["numberOfOpenedInvitations"].to_string(), "0");
        let historical: Value =
            serde_json::from_str(&webinar_json(w, Shape::Historical, 0)).expect("json");
        assert!(
            historical.get("inSession").is_none() && historical.get("registrationUrl").is_none()
        );
        let upcoming: Value =
            serde_json::from_str(&webinar_json(w, Shape::Upcoming, 0)).expect("json");
        assert!(upcoming.get("numberOfRegistrants").is_none());
        assert_eq!(upcoming["times"][1]["startTime"], "2015-07-13T16:00:00Z");
        let audio: Value = serde_json::from_str(AUDIO).expect("json");
        assert_eq!(
            audio["confCallNumbers"]["US"]["accessCodes"]["attendee"],
            "913-554-720"
        );
    }

    #[test]
    fn validates_times() {
        let ok: Value = serde_json::from_str(
            r#"[{"startTime":"2030-01-01T10:00:00Z","endTime":"2030-01-01T11:00:00Z"}]"#,
        )
        .expect("json");
        assert!(times(Some(&ok)).is_ok());
        for bad in [
            r#"[]"#,
            r#"[{"startTime":"2030-01-01T10:00:00Z","endTime":""}]"#,
            r#"[{"startTime":"2030-01-01T10:00:00Z","endTime":"2030-01-01T09:00:00Z"}]"#,
            r#"{"startTime":"2030-01-01T10:00:00Z"}"#,
        ] {
            let value: Value = serde_json::from_str(bad).expect("json");
            assert_eq!(
                times(Some(&value)).map_err(|e| e.status()),
                Err(400),
                "{bad}"
            );
        }
        assert!(times(None).is_err());
    }
}

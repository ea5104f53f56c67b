//! Sessions and attendees: the eight session operations and the four attendee ones.
//!
//! Bodies follow the v1 schemas Session, Attendee, SessionPerformance, Poll,
//! AttendeeQuestion and PollAnswer. Keys are written as JSON numbers.

use super::{AttendeePart, Ctx, Handled, SessionPart, registrants};
use crate::fixtures::{ORGANIZER_KEY, REGISTERED_EMAIL, REGISTRANT_KEY};
use crate::reply::Reply;
use crate::store::{Attendance, Session, Store, Webinar};
use crate::text::js;

/// The poll launched in every fixture session.
const POLLS: &str = concat!(
    r#"[{"question":"How did you hear about this webinar?","numberOfResponses":2,"#,
    r#""responses":[{"text":"Email newsletter","percentage":50.0},"#,
    r#"{"text":"A colleague","percentage":50.0},{"text":"Social media","percentage":0.0}]}]"#
);

/// The survey sent after every fixture session.
const SURVEYS: &str = concat!(
    r#"[{"question":"How would you rate this webinar?","numberOfResponses":2,"#,
    r#""responses":[{"text":"Excellent","percentage":50.0},{"text":"Good","percentage":50.0},"#,
    r#"{"text":"Poor","percentage":0.0}]}]"#
);

/// The question Jane Doe asked in every fixture session, answered by the organizer.
fn question() -> String {
    format!(
        r#"{{"question":"Can the connector refresh tokens by itself?","askedBy":{},"answers":[{{"answer":"Yes, with clientId and refreshToken in init.","answeredBy":"{ORGANIZER_KEY}"}}]}}"#,
        js(REGISTERED_EMAIL)
    )
}

/// getOrganizerSessions: completed sessions of every webinar starting within
/// `fromTime..=toTime` (both required), oldest first.
pub(super) fn organizer_sessions(ctx: &Ctx<'_>) -> Handled {
    let (from, to) = ctx.time_range()?;
    let store = ctx.store();
    let mut rows: Vec<(&str, String)> = store
        .webinars
        .iter()
        .flat_map(|w| w.sessions.iter().map(move |s| (w, s)))
        .filter(|(_, s)| {
            let start = s.start.get(..19).unwrap_or(s.start);
            from.as_str() <= start && start <= to.as_str()
        })
        .map(|(w, s)| (s.start, session_json(w, s)))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    Ok(Reply::ok(array(rows.into_iter().map(|(_, json)| json))))
}

/// listSessions: every completed session of one webinar (none for a scheduled one).
pub(super) fn list(ctx: &Ctx<'_>, wk: &str) -> Handled {
    let webinar = ctx.webinar(wk)?;
    Ok(Reply::ok(array(
        webinar.sessions.iter().map(|s| session_json(&webinar, s)),
    )))
}

/// The GET sub-resources of one session.
pub(super) fn session(ctx: &Ctx<'_>, part: SessionPart, wk: &str, sk: &str) -> Handled {
    let (_, session) = ctx.session(wk, sk)?;
    let body = match part {
        SessionPart::Attendance | SessionPart::Attendees => {
            array(attendees(&ctx.store(), &session))
        }
        SessionPart::Performance => performance_json(&ctx.store(), &session),
        SessionPart::Polls => POLLS.to_string(),
        SessionPart::Questions => format!("[{}]", question()),
        SessionPart::Surveys => SURVEYS.to_string(),
    };
    Ok(Reply::ok(body))
}

/// The GET sub-resources of one attendee of one session.
pub(super) fn attendee(ctx: &Ctx<'_>, part: AttendeePart, wk: &str, sk: &str, rk: &str) -> Handled {
    let (_, session) = ctx.session(wk, sk)?;
    if !session.attendees.iter().any(|a| a.registrant_key == rk) {
        return Err(Reply::not_found(format!(
            "Attendee with registrant key {rk} not found for session {sk}"
        )));
    }
    let jane = rk == REGISTRANT_KEY;
    let body = match part {
        AttendeePart::Registrant => {
            let store = ctx.store();
            let registrant = store
                .registrant(rk)
                .ok_or_else(|| Reply::not_found(format!("Registrant {rk} not found")))?;
            registrants::registrant_json(registrant, wk)
        }
        AttendeePart::Polls => {
            let answer = if jane {
                "Email newsletter"
            } else {
                "A colleague"
            };
            poll_answer("How did you hear about this webinar?", answer)
        }
        AttendeePart::Questions if jane => format!("[{}]", question()),
        AttendeePart::Questions => "[]".to_string(),
        AttendeePart::Surveys => {
            let answer = if jane { "Excellent" } else { "Good" };
            poll_answer("How would you rate this webinar?", answer)
        }
    };
    Ok(Reply::ok(body))
}

fn poll_answer(question: &str, answer: &str) -> String {
    format!(
        r#"[{{"question":{},"answer":{}}}]"#,
        js(question),
        js(answer)
    )
}

/// One Session object.
fn session_json(webinar: &Webinar, session: &Session) -> String {
    format!(
        r#"{{"sessionKey":{},"webinarKey":{},"webinarID":{},"startTime":{},"endTime":{},"registrantsAttended":{}}}"#,
        session.key,
        webinar.key,
        js(&webinar.webinar_id),
        js(session.start),
        js(session.end),
        session.attendees.len()
    )
}

/// The Attendee objects of one session.
pub(super) fn attendees<'a>(
    store: &'a Store,
    session: &'a Session,
) -> impl Iterator<Item = String> + 'a {
    session
        .attendees
        .iter()
        .map(move |a| attendee_json(store, session, a))
}

fn attendee_json(store: &Store, session: &Session, attendance: &Attendance) -> String {
    let registrant = store.registrant(attendance.registrant_key);
    let name = |f: fn(&crate::store::Registrant) -> &str| registrant.map_or("", f);
    let periods =
        array(attendance.periods.iter().map(|(join, leave)| {
            format!(r#"{{"joinTime":{},"leaveTime":{}}}"#, js(join), js(leave))
        }));
    format!(
        r#"{{"registrantKey":{},"firstName":{},"lastName":{},"email":{},"attendanceTimeInSeconds":{},"sessionKey":{},"attendance":{}}}"#,
        attendance.registrant_key,
        js(name(|r| &r.first_name)),
        js(name(|r| &r.last_name)),
        js(name(|r| &r.email)),
        attendance.seconds,
        session.key,
        periods
    )
}

/// One SessionPerformance object, derived from the session's attendance.
pub(super) fn performance_json(store: &Store, session: &Session) -> String {
    let registrants = store.registrants.iter().filter(|r| r.seeded).count().max(1);
    let attended = session.attendees.len();
    let total: u32 = session.attendees.iter().map(|a| a.seconds).sum();
    let average = f64::from(total) / attended.max(1) as f64;
    let percentage = attended as f64 * 100.0 / registrants as f64;
    format!(
        concat!(
            r#"{{"attendance":{{"registrantCount":{},"percentageAttendance":{:.1},"#,
            r#""averageInterestRating":72.5,"averageAttentiveness":81.25,"#,
            r#""averageAttendanceTimeSeconds":{:.1}}},"#,
            r#""pollsAndSurveys":{{"pollCount":1,"surveyCount":1,"questionsAsked":1,"#,
            r#""percentagePollsCompleted":100.0,"percentageSurveysCompleted":50.0}}}}"#
        ),
        registrants, percentage, average
    )
}

/// Joins JSON texts into a JSON array.
pub(super) fn array(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    format!("[{}]", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{SESSION_KEY, WEBINAR_KEY};
    use serde_json::Value;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("valid JSON")
    }

    #[test]
    fn bodies_are_valid_json_with_exact_keys() {
        let store = Store::seeded();
        let webinar = store.webinar(WEBINAR_KEY).expect("fixture webinar");
        let session = &webinar.sessions[0];
        let json = parse(&session_json(webinar, session));
        assert_eq!(json["webinarKey"].to_string(), WEBINAR_KEY);
        assert_eq!(json["sessionKey"].to_string(), SESSION_KEY);
        assert_eq!(json["registrantsAttended"].to_string(), "2");
        let attendees = parse(&array(attendees(&store, session)));
        assert_eq!(attendees[0]["registrantKey"].to_string(), REGISTRANT_KEY);
        assert_eq!(attendees[1]["attendance"].as_array().map(Vec::len), Some(2));
        let performance = parse(&performance_json(&store, session));
        assert_eq!(
            performance["attendance"]["percentageAttendance"].to_string(),
            "100.0"
        );
        assert_eq!(
            performance["attendance"]["averageAttendanceTimeSeconds"].to_string(),
            "3342.0"
        );
        for text in [
            POLLS.to_string(),
            SURVEYS.to_string(),
            question(),
            poll_answer("q", "a"),
        ] {
            parse(&text);
        }
        assert_eq!(
            parse(&question())["answers"][0]["answeredBy"],
            ORGANIZER_KEY
        );
    }
}

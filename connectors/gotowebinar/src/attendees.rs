//! The five attendee operations (connector 1.0.3, `gotowebinar-attendees`): plain GETs.
//!
//! | operation | upstream |
//! |---|---|
//! | `getSessionAttendees` | `GET …/webinars/{webinarKey}/sessions/{sessionKey}/attendees` |
//! | `getAttendee` | `GET …/sessions/{sessionKey}/attendees/{registrantKey}` |
//! | `getAttendeePollAnswers` | `GET …/attendees/{registrantKey}/polls` |
//! | `getAttendeeQuestions` | `GET …/attendees/{registrantKey}/questions` |
//! | `getAttendeeSurveyAnswers` | `GET …/attendees/{registrantKey}/surveys` |
//!
//! `…` is `{apiUrl}/G2W/rest/organizers/{organizerKey}`. Every parameter is required.
//! `getSessionAttendees` calls the same URL as the session operation `listSessionAttendees`;
//! 1.0.3 has both, so both exist here.
//!
//! ```xml
//! <gotowebinar.getAttendee>
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>
//!     <sessionKey>{$ctx:sessionKey}</sessionKey>
//!     <registrantKey>{$ctx:registrantKey}</registrantKey>
//! </gotowebinar.getAttendee>
//! ```

use oxynapse_engine::connector::ParamSpec;

use crate::operation::Operation;

const SESSION: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("sessionKey"),
];
const ATTENDEE: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("sessionKey"),
    ParamSpec::required("registrantKey"),
];

pub const OPERATIONS: &[Operation] = &[
    Operation::get(
        "getSessionAttendees",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}/attendees",
    ),
    Operation::get(
        "getAttendee",
        ATTENDEE,
        "webinars/{webinarKey}/sessions/{sessionKey}/attendees/{registrantKey}",
    ),
    Operation::get(
        "getAttendeePollAnswers",
        ATTENDEE,
        "webinars/{webinarKey}/sessions/{sessionKey}/attendees/{registrantKey}/polls",
    ),
    Operation::get(
        "getAttendeeQuestions",
        ATTENDEE,
        "webinars/{webinarKey}/sessions/{sessionKey}/attendees/{registrantKey}/questions",
    ),
    Operation::get(
        "getAttendeeSurveyAnswers",
        ATTENDEE,
        "webinars/{webinarKey}/sessions/{sessionKey}/attendees/{registrantKey}/surveys",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::tests::args;
    use crate::operation::tests::{find, session};

    #[test]
    fn attendee_urls_name_all_three_keys() {
        let given = [
            ("webinarKey", "1"),
            ("sessionKey", "2"),
            ("registrantKey", "3"),
        ];
        let base = "http://h/G2W/rest/organizers/42/webinars/1/sessions/2/attendees";
        for (name, suffix) in [
            ("getAttendee", "/3"),
            ("getAttendeePollAnswers", "/3/polls"),
            ("getAttendeeQuestions", "/3/questions"),
            ("getAttendeeSurveyAnswers", "/3/surveys"),
        ] {
            let op = find(OPERATIONS, name);
            assert_eq!(
                op.url(&session(), &args(op.name, &given)).unwrap(),
                format!("{base}{suffix}"),
                "{name}"
            );
            let missing = args(op.name, &given[..2]);
            let err = op.url(&session(), &missing).unwrap_err();
            assert!(err.message.contains("`registrantKey`"), "{name}: {err}");
        }
        let op = find(OPERATIONS, "getSessionAttendees");
        assert_eq!(op.url(&session(), &args(op.name, &given)).unwrap(), base);
    }
}

//! The eight session operations (connector 1.0.3, `gotowebinar-sessions`).
//!
//! | operation | upstream |
//! |---|---|
//! | `listSessions` | `GET …/webinars/{webinarKey}/sessions` |
//! | `getSessionById` | `GET …/webinars/{webinarKey}/sessions/{sessionKey}` |
//! | `listSessionAttendees` | `GET …/sessions/{sessionKey}/attendees` |
//! | `getOrganizerSessions` | `GET …/sessions?fromTime=..&toTime=..` |
//! | `getSessionPerformance` | `GET …/sessions/{sessionKey}/performance` |
//! | `getSessionPolls` | `GET …/sessions/{sessionKey}/polls` |
//! | `getSessionQuestions` | `GET …/sessions/{sessionKey}/questions` |
//! | `getSessionSurveys` | `GET …/sessions/{sessionKey}/surveys` |
//!
//! `…` is `{apiUrl}/G2W/rest/organizers/{organizerKey}`.

use oxynapse_engine::connector::ParamSpec;

use crate::build::time_range_query;
use crate::operation::Operation;
use crate::v2::routes::{PAGING, WEBINAR_PAGED};

const SESSION: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("sessionKey"),
];
const TIME_RANGE: &[ParamSpec] = &[
    ParamSpec::required("fromTime"),
    ParamSpec::required("toTime"),
    PAGING[0],
    PAGING[1],
    PAGING[2],
];

pub const OPERATIONS: &[Operation] = &[
    Operation::get(
        "listSessions",
        WEBINAR_PAGED,
        "webinars/{webinarKey}/sessions",
    ),
    Operation::get(
        "getSessionById",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}",
    ),
    Operation::get(
        "listSessionAttendees",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}/attendees",
    ),
    Operation::get("getOrganizerSessions", TIME_RANGE, "sessions").with_query(time_range_query),
    Operation::get(
        "getSessionPerformance",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}/performance",
    ),
    Operation::get(
        "getSessionPolls",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}/polls",
    ),
    Operation::get(
        "getSessionQuestions",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}/questions",
    ),
    Operation::get(
        "getSessionSurveys",
        SESSION,
        "webinars/{webinarKey}/sessions/{sessionKey}/surveys",
    ),
];

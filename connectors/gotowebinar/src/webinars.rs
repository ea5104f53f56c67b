//! The fourteen webinar operations (connector 1.0.3, `gotowebinar-webinars`), panelists
//! included.
//!
//! | operation | upstream |
//! |---|---|
//! | `listUpcomingWebinars` | `GET …/upcomingWebinars` |
//! | `listHistoricalWebinars` | `GET …/historicalWebinars[?fromTime=..][&toTime=..]` |
//! | `getWebinarById` | `GET …/webinars/{webinarKey}` |
//! | `getAllWebinars` | `GET …/webinars` |
//! | `createWebinar` | `POST …/webinars`, JSON body |
//! | `cancelWebinar` | `DELETE …/webinars/{webinarKey}[?sendCancellationEmails=..]` |
//! | `updateWebinar` | `PUT …/webinars/{webinarKey}[?notifyParticipants=..]`, JSON body |
//! | `getAttendeesForAllWebinarSessions` | `GET …/webinars/{webinarKey}/attendees` |
//! | `getAudioInformation` | `GET …/webinars/{webinarKey}/audio` |
//! | `updateAudioInformation` | `POST …/webinars/{webinarKey}/audio[?notifyParticipants=..]`, JSON body |
//! | `getWebinarMeetingTimes` | `GET …/webinars/{webinarKey}/meetingtimes` |
//! | `getWebinarPanelists` | `GET …/webinars/{webinarKey}/panelists` |
//! | `createPanelists` | `POST …/webinars/{webinarKey}/panelists`, `[{"email","name"}]` |
//! | `getPerformanceForAllWebinarSessions` | `GET …/webinars/{webinarKey}/performance` |
//!
//! `…` is `{apiUrl}/G2W/rest/organizers/{organizerKey}`; `[..]` is sent only when the
//! parameter is non-empty. `webinarKey`, createWebinar's `subject` and times, createPanelists'
//! `email` and `name`, and updateAudioInformation's `type` are required; the rest is optional:
//!
//! ```xml
//! <gotowebinar.updateAudioInformation>   <!-- type: PSTN, VOIP, Hybrid or Private -->
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>
//!     <type>{$ctx:type}</type>
//!     <notifyParticipants>{$ctx:notifyParticipants}</notifyParticipants>
//!     <tollFreeCountries>["US"]</tollFreeCountries>  <!-- JSON text, for PSTN and Hybrid -->
//!     <tollCountries>{$ctx:tollCountries}</tollCountries>
//!     <attendee/> <organizer/> <panelist/>           <!-- privateInfo, for Private -->
//! </gotowebinar.updateAudioInformation>
//! ```
//!
//! The others take the parameters 1.0.3 names: createWebinar `subject webinarStartTime
//! webinarEndTime description timeZone`; updateWebinar `webinarKey notifyParticipants subject
//! description webinarStartTime webinarEndTime timeZone locale`; cancelWebinar `webinarKey
//! sendCancellationEmails`; listHistoricalWebinars `fromTime toTime`.

use oxynapse_engine::MediationError;
use oxynapse_engine::connector::{Args, ParamSpec};
use serde_json::{Map, Value, json};

use crate::build::{add_non_empty, json_parameter, query_when_set, text};
use crate::operation::Operation;
use crate::v2::routes::{PAGING, WEBINAR_LIST as LIST, WEBINAR_PAGED};

const WEBINAR: &[ParamSpec] = &[ParamSpec::required("webinarKey")];
const UPCOMING: &[ParamSpec] = &PAGING;
const CREATE: &[ParamSpec] = &[
    ParamSpec::required("subject"),
    ParamSpec::optional("description"),
    ParamSpec::required("webinarStartTime"),
    ParamSpec::required("webinarEndTime"),
    ParamSpec::optional("timeZone"),
];
const CANCEL: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::optional("sendCancellationEmails"),
];
const UPDATE: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::optional("notifyParticipants"),
    ParamSpec::optional("subject"),
    ParamSpec::optional("description"),
    ParamSpec::optional("webinarStartTime"),
    ParamSpec::optional("webinarEndTime"),
    ParamSpec::optional("timeZone"),
    ParamSpec::optional("locale"),
];
const AUDIO: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::optional("notifyParticipants"),
    ParamSpec::required("type"),
    ParamSpec::optional("tollFreeCountries"),
    ParamSpec::optional("tollCountries"),
    ParamSpec::optional("attendee"),
    ParamSpec::optional("organizer"),
    ParamSpec::optional("panelist"),
];
const PANELIST: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("email"),
    ParamSpec::required("name"),
];

pub const OPERATIONS: &[Operation] = &[
    Operation::get("listUpcomingWebinars", UPCOMING, "upcomingWebinars"),
    Operation::get("listHistoricalWebinars", LIST, "historicalWebinars")
        .with_query(historical_query),
    Operation::get("getWebinarById", WEBINAR, "webinars/{webinarKey}"),
    Operation::get("getAllWebinars", LIST, "webinars"),
    Operation::post("createWebinar", CREATE, "webinars").with_body(create_body),
    Operation::delete("cancelWebinar", CANCEL, "webinars/{webinarKey}")
        .with_query(cancellation_query),
    Operation::put("updateWebinar", UPDATE, "webinars/{webinarKey}")
        .with_query(notify_query)
        .with_body(update_body),
    Operation::get(
        "getAttendeesForAllWebinarSessions",
        WEBINAR_PAGED,
        "webinars/{webinarKey}/attendees",
    ),
    Operation::get(
        "getAudioInformation",
        WEBINAR,
        "webinars/{webinarKey}/audio",
    ),
    Operation::post(
        "updateAudioInformation",
        AUDIO,
        "webinars/{webinarKey}/audio",
    )
    .with_query(notify_query)
    .with_body(audio_body),
    Operation::get(
        "getWebinarMeetingTimes",
        WEBINAR,
        "webinars/{webinarKey}/meetingtimes",
    ),
    Operation::get(
        "getWebinarPanelists",
        WEBINAR,
        "webinars/{webinarKey}/panelists",
    ),
    Operation::post(
        "createPanelists",
        PANELIST,
        "webinars/{webinarKey}/panelists",
    )
    .with_body(panelist_body),
    Operation::get(
        "getPerformanceForAllWebinarSessions",
        WEBINAR,
        "webinars/{webinarKey}/performance",
    ),
];

/// 1.0.3's script: `fromTime=..&toTime=..` from the non-empty ones, in that order; no
/// query when both are empty.
fn historical_query(args: &Args) -> Result<Option<String>, MediationError> {
    let parts: Vec<String> = ["fromTime", "toTime"]
        .into_iter()
        .filter_map(|name| query_when_set(args, name, name))
        .collect();
    Ok((!parts.is_empty()).then(|| parts.join("&")))
}

fn cancellation_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(query_when_set(
        args,
        "sendCancellationEmails",
        "sendCancellationEmails",
    ))
}

fn notify_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(query_when_set(
        args,
        "notifyParticipants",
        "notifyParticipants",
    ))
}

/// `{"subject","times":[{"startTime","endTime"}]}`, then description and timeZone when set.
fn create_body(args: &Args) -> Result<Value, MediationError> {
    let mut body = Map::new();
    body.insert("subject".into(), text(args, "subject"));
    body.insert("times".into(), times(args));
    add_non_empty(&mut body, args, &["description", "timeZone"]);
    Ok(Value::Object(body))
}

/// `times` only when both times are set (1.0.3 deletes it otherwise), then subject,
/// description, timeZone and locale when set. Nothing set gives `{}`, as in 1.0.3.
fn update_body(args: &Args) -> Result<Value, MediationError> {
    let mut body = Map::new();
    if args.non_empty("webinarStartTime").is_some() && args.non_empty("webinarEndTime").is_some() {
        body.insert("times".into(), times(args));
    }
    add_non_empty(
        &mut body,
        args,
        &["subject", "description", "timeZone", "locale"],
    );
    Ok(Value::Object(body))
}

fn times(args: &Args) -> Value {
    json!([{
        "startTime": text(args, "webinarStartTime"),
        "endTime": text(args, "webinarEndTime"),
    }])
}

/// 1.0.3's format `{"type","pstnInfo":{..},"privateInfo":{..}}`, pruned by `type` as its
/// script does: VOIP keeps neither part, Private only privateInfo, PSTN and Hybrid only
/// pstnInfo; any other type keeps both (the API then rejects the type). The country lists
/// are JSON text inserted as JSON, so they are checked only when pstnInfo is sent.
/// privateInfo's members are always sent, empty or not: the script's deletes never run.
fn audio_body(args: &Args) -> Result<Value, MediationError> {
    let kind = args.get("type").unwrap_or_default();
    let (pstn, private) = match kind {
        "VOIP" => (false, false),
        "Private" => (false, true),
        "PSTN" | "Hybrid" => (true, false),
        _ => (true, true),
    };
    let mut body = Map::new();
    body.insert("type".into(), text(args, "type"));
    if pstn {
        let countries =
            |name: &str| json_parameter("updateAudioInformation", args, name, r#"["US","GB"]"#);
        body.insert(
            "pstnInfo".into(),
            json!({
                "tollFreeCountries": countries("tollFreeCountries")?,
                "tollCountries": countries("tollCountries")?,
            }),
        );
    }
    if private {
        body.insert(
            "privateInfo".into(),
            json!({
                "attendee": text(args, "attendee"),
                "organizer": text(args, "organizer"),
                "panelist": text(args, "panelist"),
            }),
        );
    }
    Ok(Value::Object(body))
}

/// `[{"email","name"}]`: exactly one panelist, as 1.0.3's format.
fn panelist_body(args: &Args) -> Result<Value, MediationError> {
    Ok(json!([{ "email": text(args, "email"), "name": text(args, "name") }]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::tests::{built, find};

    const BASE: &str = "http://h/G2W/rest/organizers/42";

    fn url_and_body(name: &str, given: &[(&'static str, &str)]) -> (String, String) {
        let (_, url, body) = built(find(OPERATIONS, name), given).unwrap();
        let url = url.strip_prefix(BASE).unwrap().to_string();
        (url, body.map(|b| b.to_string()).unwrap_or_default())
    }

    #[test]
    fn historical_query_takes_the_non_empty_times_in_order() {
        let (from, to) = ("fromTime", "toTime");
        for (given, expected) in [
            (
                vec![(from, "A"), (to, "B")],
                "/historicalWebinars?fromTime=A&toTime=B",
            ),
            (vec![(to, "B"), (from, "")], "/historicalWebinars?toTime=B"),
            (vec![(from, "A")], "/historicalWebinars?fromTime=A"),
            (vec![(from, ""), (to, "")], "/historicalWebinars"),
        ] {
            assert_eq!(url_and_body("listHistoricalWebinars", &given).0, expected);
        }
    }

    #[test]
    fn optional_query_flags_only_when_set() {
        let key = ("webinarKey", "1");
        let notify = "notifyParticipants";
        let cases = [
            ("cancelWebinar", "sendCancellationEmails", "/webinars/1"),
            ("updateWebinar", notify, "/webinars/1"),
            ("updateAudioInformation", notify, "/webinars/1/audio"),
        ];
        for (name, flag, path) in cases {
            let given = [key, ("type", "VOIP"), (flag, "true")];
            assert_eq!(url_and_body(name, &given).0, format!("{path}?{flag}=true"));
            let given = [key, ("type", "VOIP"), (flag, "")];
            assert_eq!(url_and_body(name, &given).0, path, "{name}");
        }
    }

    #[test]
    fn create_bodies_add_optional_fields_when_set() {
        let times = r#""times":[{"startTime":"S","endTime":"E"}]"#;
        let required = [
            ("subject", "Rust"),
            ("webinarStartTime", "S"),
            ("webinarEndTime", "E"),
        ];
        let (url, body) = url_and_body("createWebinar", &required);
        assert_eq!(url, "/webinars");
        assert_eq!(body, format!(r#"{{"subject":"Rust",{times}}}"#));
        let mut given = required.to_vec();
        given.extend([("timeZone", "Europe/Paris"), ("description", "d")]);
        assert_eq!(
            url_and_body("createWebinar", &given).1,
            format!(r#"{{"subject":"Rust",{times},"description":"d","timeZone":"Europe/Paris"}}"#)
        );
        let panelist = [
            ("webinarKey", "1"),
            ("email", "p@example.com"),
            ("name", "P"),
        ];
        assert_eq!(
            url_and_body("createPanelists", &panelist).1,
            r#"[{"email":"p@example.com","name":"P"}]"#
        );
    }

    #[test]
    fn update_webinar_drops_times_unless_both_are_set() {
        let key = ("webinarKey", "1");
        let (start, end) = ("webinarStartTime", "webinarEndTime");
        let both = [
            key,
            (start, "S"),
            (end, "E"),
            ("locale", "de_DE"),
            ("subject", "x"),
        ];
        assert_eq!(
            url_and_body("updateWebinar", &both).1,
            r#"{"times":[{"startTime":"S","endTime":"E"}],"subject":"x","locale":"de_DE"}"#
        );
        let one = [key, (start, "S"), (end, ""), ("timeZone", "UTC")];
        assert_eq!(
            url_and_body("updateWebinar", &one).1,
            r#"{"timeZone":"UTC"}"#
        );
        assert_eq!(url_and_body("updateWebinar", &[key]).1, "{}");
    }

    #[test]
    fn audio_body_is_pruned_by_type() {
        let all = |kind| {
            [
                ("webinarKey", "1"),
                ("type", kind),
                ("tollFreeCountries", r#"["US"]"#),
                ("tollCountries", r#"["GB","DE"]"#),
                ("attendee", "a"),
                ("organizer", ""),
                ("panelist", "p"),
            ]
        };
        let pstn = r#""pstnInfo":{"tollFreeCountries":["US"],"tollCountries":["GB","DE"]}"#;
        let private = r#""privateInfo":{"attendee":"a","organizer":"","panelist":"p"}"#;
        for (kind, expected) in [
            ("VOIP", r#"{"type":"VOIP"}"#.to_string()),
            ("Private", format!(r#"{{"type":"Private",{private}}}"#)),
            ("PSTN", format!(r#"{{"type":"PSTN",{pstn}}}"#)),
            ("Hybrid", format!(r#"{{"type":"Hybrid",{pstn}}}"#)),
            ("voip", format!(r#"{{"type":"voip",{pstn},{private}}}"#)),
        ] {
            assert_eq!(
                url_and_body("updateAudioInformation", &all(kind)).1,
                expected
            );
        }
    }

    #[test]
    fn audio_country_lists_must_be_json_only_when_sent() {
        let op = find(OPERATIONS, "updateAudioInformation");
        let given = |kind| {
            [
                ("webinarKey", "1"),
                ("type", kind),
                ("tollFreeCountries", "US"),
            ]
        };
        let err = built(op, &given("PSTN")).unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (
                400,
                "invalid parameter `tollFreeCountries` of operation `updateAudioInformation`"
            )
        );
        assert!(built(op, &given("VOIP")).is_ok());
        assert!(built(op, &given("Private")).is_ok());
        let err = built(op, &[("webinarKey", "1"), ("type", "Hybrid")]).unwrap_err();
        assert!(err.message.contains("`tollFreeCountries`"), "{err}");
        assert!(err.detail.contains("is empty"), "{err}");
        let err = built(op, &[("webinarKey", "1")]).unwrap_err();
        assert!(
            err.message.contains("missing required parameter `type`"),
            "{err}"
        );
    }
}

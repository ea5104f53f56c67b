//! The four co-organizer operations (connector 1.0.3, `gotowebinar-co-organizers`).
//!
//! | operation | upstream |
//! |---|---|
//! | `createCOOrganizer` | `POST …/webinars/{webinarKey}/coorganizers`, `[{"external","organizerKey","givenName","email"}]` |
//! | `listCOOrganizers` | `GET …/webinars/{webinarKey}/coorganizers` |
//! | `deleteCOOrganizer` | `DELETE …/webinars/{webinarKey}/coorganizers/{coorganizerKey}?external={external}` |
//! | `resendInvitation` | `POST …/webinars/{webinarKey}/coorganizers/{coorganizerKey}/resendInvitation?external={external}` |
//!
//! `…` is `{apiUrl}/G2W/rest/organizers/{organizerKey}`, where `organizerKey` is always the
//! one `init` was given (see below). `webinarKey` and `coorganizerKey` are required;
//! `external` is required by createCOOrganizer and must be `true` or `false` there. The
//! `?external=` query of delete and resend is always sent, empty when `external` is.
//!
//! ```xml
//! <gotowebinar.createCOOrganizer>
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>
//!     <external>true</external>                      <!-- true: no GoToWebinar account -->
//!     <organizerKey>{$ctx:coorganizerKey}</organizerKey>  <!-- for external=false -->
//!     <givenName>{$ctx:givenName}</givenName>        <!-- for external=true -->
//!     <email>{$ctx:email}</email>                    <!-- for external=true -->
//! </gotowebinar.createCOOrganizer>
//! <gotowebinar.resendInvitation>
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>
//!     <coorganizerKey>{$ctx:coorganizerKey}</coorganizerKey>
//!     <external>{$ctx:external}</external>
//! </gotowebinar.resendInvitation>
//! ```
//!
//! Where this module deliberately differs from 1.0.3:
//! * **createCOOrganizer's `organizerKey` goes in the body only.** 1.0.3 copies it into the
//!   same property as init's organizer key, so it also replaces the organizer in the URL
//!   (and in every later call of the flow). Its own test proxy passes init's key, for which
//!   both behaviours send the same request. For an internal co-organizer's key the 1.0.3
//!   URL names an organizer whose webinar it is not, and without the parameter the URL has
//!   an empty segment: neither can be relied on, so the URL keeps init's organizer.
//! * **createCOOrganizer's body is the 1.0.3 format with all four members**, empty strings
//!   for the ones not given (its script's deletes act on the array, not the element, and
//!   never run). `external` is sent unquoted, as a JSON boolean; a value other than `true`
//!   or `false` (which 1.0.3 would paste into the JSON as it is) is a 400 naming it.
//! * **resendInvitation sends no body.** 1.0.3 has no payloadFactory there, so it sends
//!   whatever the message holds: usually the client's own request, tokens included. The
//!   API reads nothing from that body.

use oxynapse_engine::MediationError;
use oxynapse_engine::connector::{Args, ParamSpec};
use serde_json::{Value, json};

use crate::build::{invalid_parameter, query_always, text};
use crate::operation::Operation;

const CREATE: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("external"),
    ParamSpec::optional("organizerKey"),
    ParamSpec::optional("givenName"),
    ParamSpec::optional("email"),
];
const WEBINAR: &[ParamSpec] = &[ParamSpec::required("webinarKey")];
const MEMBER: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("coorganizerKey"),
    ParamSpec::optional("external"),
];

pub const OPERATIONS: &[Operation] = &[
    Operation::post(
        "createCOOrganizer",
        CREATE,
        "webinars/{webinarKey}/coorganizers",
    )
    .with_body(coorganizer_body),
    Operation::get(
        "listCOOrganizers",
        WEBINAR,
        "webinars/{webinarKey}/coorganizers",
    ),
    Operation::delete(
        "deleteCOOrganizer",
        MEMBER,
        "webinars/{webinarKey}/coorganizers/{coorganizerKey}",
    )
    .with_query(external_query),
    // No body builder: the message's body (the client's request) is not forwarded.
    Operation::post(
        "resendInvitation",
        MEMBER,
        "webinars/{webinarKey}/coorganizers/{coorganizerKey}/resendInvitation",
    )
    .with_query(external_query),
];

/// `external={external}`, always: it is part of 1.0.3's uri-template.
fn external_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(Some(query_always(args, "external", "external")))
}

/// `[{"external":<bool>,"organizerKey":"..","givenName":"..","email":".."}]`.
fn coorganizer_body(args: &Args) -> Result<Value, MediationError> {
    let raw = args.get("external").unwrap_or_default();
    let external = match raw.trim() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(invalid_parameter(
                "createCOOrganizer",
                "external",
                format!(
                    "`external` is `{raw}`, but it is sent as a JSON boolean; give true \
                     (no GoToWebinar account) or false"
                ),
            ));
        }
    };
    Ok(json!([{
        "external": external,
        "organizerKey": text(args, "organizerKey"),
        "givenName": text(args, "givenName"),
        "email": text(args, "email"),
    }]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::tests::{built, find};
    use http::Method;

    const BASE: &str = "http://h/G2W/rest/organizers/42/webinars/1/coorganizers";

    #[test]
    fn create_sends_one_element_with_external_unquoted() {
        let op = find(OPERATIONS, "createCOOrganizer");
        let given = [
            ("webinarKey", "1"),
            ("external", "true"),
            ("givenName", "Grace"),
            ("email", "grace@example.com"),
        ];
        let (method, url, body) = built(op, &given).unwrap();
        assert_eq!((method, url.as_str()), (Method::POST, BASE));
        assert_eq!(
            body.unwrap().to_string(),
            r#"[{"external":true,"organizerKey":"","givenName":"Grace","email":"grace@example.com"}]"#
        );
    }

    #[test]
    fn create_keeps_inits_organizer_in_the_url() {
        let op = find(OPERATIONS, "createCOOrganizer");
        let given = [
            ("webinarKey", "1"),
            ("external", "false"),
            ("organizerKey", "4478127716432179459"),
        ];
        let (_, url, body) = built(op, &given).unwrap();
        assert_eq!(url, BASE, "the organizer of the path is init's (42)");
        assert_eq!(
            body.unwrap().to_string(),
            r#"[{"external":false,"organizerKey":"4478127716432179459","givenName":"","email":""}]"#
        );
    }

    #[test]
    fn create_needs_a_boolean_external() {
        let op = find(OPERATIONS, "createCOOrganizer");
        let err = built(op, &[("webinarKey", "1"), ("external", "yes")]).unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (
                400,
                "invalid parameter `external` of operation `createCOOrganizer`"
            )
        );
        let err = built(op, &[("webinarKey", "1"), ("external", "")]).unwrap_err();
        assert!(
            err.message
                .contains("missing required parameter `external`"),
            "{err}"
        );
    }

    #[test]
    fn delete_and_resend_always_carry_external_and_no_body() {
        for (name, method, suffix) in [
            ("deleteCOOrganizer", Method::DELETE, "/9"),
            ("resendInvitation", Method::POST, "/9/resendInvitation"),
        ] {
            let op = find(OPERATIONS, name);
            let given = [
                ("webinarKey", "1"),
                ("coorganizerKey", "9"),
                ("external", "true"),
            ];
            let (m, url, body) = built(op, &given).unwrap();
            assert_eq!(m, method, "{name}");
            assert_eq!(url, format!("{BASE}{suffix}?external=true"));
            assert_eq!(body, None, "{name} sends no body");
            let (_, url, _) = built(op, &given[..2]).unwrap();
            assert_eq!(url, format!("{BASE}{suffix}?external="), "{name}");
        }
        let (m, url, body) =
            built(find(OPERATIONS, "listCOOrganizers"), &[("webinarKey", "1")]).unwrap();
        assert_eq!((m, url.as_str(), body), (Method::GET, BASE, None));
    }
}

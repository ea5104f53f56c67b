//! The five registrant operations (connector 1.0.3, `gotowebinar-registrants`).
//!
//! | operation | upstream |
//! |---|---|
//! | `createRegistrant` | `POST …/webinars/{webinarKey}/registrants[?notifyParticipants={resendConfirmation}]`, JSON body |
//! | `listRegistrants` | `GET …/webinars/{webinarKey}/registrants` |
//! | `getRegistrantById` | `GET …/webinars/{webinarKey}/registrants/{registrantKey}` |
//! | `getRegistrationFields` | `GET …/webinars/{webinarKey}/registrants/fields` |
//! | `deleteRegistrant` | `DELETE …/webinars/{webinarKey}/registrants/{registrantKey}` |
//!
//! `…` is `{apiUrl}/G2W/rest/organizers/{organizerKey}`. The keys are required.
//!
//! `createRegistrant` takes `webinarKey`, `firstName`, `lastName` and `email` (required) and
//! the optional fields below; an empty optional field is left out of the body.
//!
//! ```xml
//! <gotowebinar.createRegistrant>
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>
//!     <firstName>{$ctx:firstName}</firstName>
//!     <lastName>{$ctx:lastName}</lastName>
//!     <email>{$ctx:email}</email>
//!     <!-- optional, sent as strings: address city state zipCode country phone source
//!          industry organization jobTitle purchasingTimeFrame roleInPurchaseProcess
//!          numberOfEmployees questionsAndComments -->
//!     <organization>{$ctx:organization}</organization>
//!     <!-- optional, JSON array text sent as JSON: [{"questionKey":..,"responseText":..}] -->
//!     <responses>{$ctx:responses}</responses>
//!     <!-- optional, sent as ?notifyParticipants= (sic, see below) -->
//!     <resendConfirmation>{$ctx:resendConfirmation}</resendConfirmation>
//! </gotowebinar.createRegistrant>
//! ```
//!
//! Like 1.0.3, createRegistrant sends `Accept: application/vnd.citrix.g2wapi-v1.1+json`,
//! which selects the API version that keeps every field (without it, only the names and the
//! e-mail are stored).
//!
//! **Kept on purpose:** 1.0.3 sends `resendConfirmation` under the query name
//! `notifyParticipants`, although the API calls it `resendConfirmation`. A flow may rely on
//! what the API does with that request today, so the request stays the same.

use oxynapse_engine::MediationError;
use oxynapse_engine::connector::{Args, ParamSpec};
use serde_json::{Map, Value};

use crate::build::{add_non_empty, json_parameter, query_when_set, text};
use crate::operation::Operation;
use crate::v2::routes::WEBINAR_PAGED;

/// The `Accept` value createRegistrant sends (the template's header mediator).
pub const REGISTRANT_ACCEPT: &str = "application/vnd.citrix.g2wapi-v1.1+json";

/// The optional string fields, in the order 1.0.3's script adds them.
const OPTIONAL_FIELDS: [&str; 14] = [
    "source",
    "address",
    "city",
    "state",
    "zipCode",
    "country",
    "phone",
    "industry",
    "organization",
    "jobTitle",
    "purchasingTimeFrame",
    "roleInPurchaseProcess",
    "numberOfEmployees",
    "questionsAndComments",
];

const CREATE: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("firstName"),
    ParamSpec::required("lastName"),
    ParamSpec::required("email"),
    ParamSpec::optional("address"),
    ParamSpec::optional("city"),
    ParamSpec::optional("state"),
    ParamSpec::optional("zipCode"),
    ParamSpec::optional("country"),
    ParamSpec::optional("phone"),
    ParamSpec::optional("source"),
    ParamSpec::optional("industry"),
    ParamSpec::optional("organization"),
    ParamSpec::optional("jobTitle"),
    ParamSpec::optional("purchasingTimeFrame"),
    ParamSpec::optional("roleInPurchaseProcess"),
    ParamSpec::optional("numberOfEmployees"),
    ParamSpec::optional("questionsAndComments"),
    ParamSpec::optional("responses"),
    ParamSpec::optional("resendConfirmation"),
];
const WEBINAR: &[ParamSpec] = &[ParamSpec::required("webinarKey")];

const REGISTRANT: &[ParamSpec] = &[
    ParamSpec::required("webinarKey"),
    ParamSpec::required("registrantKey"),
];

pub const OPERATIONS: &[Operation] = &[
    Operation::post(
        "createRegistrant",
        CREATE,
        "webinars/{webinarKey}/registrants",
    )
    .with_query(resend_confirmation)
    .with_body(registrant_body)
    .with_accept(REGISTRANT_ACCEPT),
    Operation::get(
        "listRegistrants",
        WEBINAR_PAGED,
        "webinars/{webinarKey}/registrants",
    ),
    Operation::get(
        "getRegistrantById",
        REGISTRANT,
        "webinars/{webinarKey}/registrants/{registrantKey}",
    ),
    Operation::get(
        "getRegistrationFields",
        WEBINAR,
        "webinars/{webinarKey}/registrants/fields",
    ),
    Operation::delete(
        "deleteRegistrant",
        REGISTRANT,
        "webinars/{webinarKey}/registrants/{registrantKey}",
    ),
];

/// `?notifyParticipants=<resendConfirmation>` when given: 1.0.3's query name, kept.
fn resend_confirmation(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(query_when_set(
        args,
        "notifyParticipants",
        "resendConfirmation",
    ))
}

/// `{"firstName","lastName","email"}`, then each optional field that is non-empty, then
/// `responses` parsed as JSON (1.0.3: `eval('(' + responses + ')')`).
fn registrant_body(args: &Args) -> Result<Value, MediationError> {
    let mut body = Map::new();
    for name in ["firstName", "lastName", "email"] {
        body.insert(name.to_string(), text(args, name));
    }
    add_non_empty(&mut body, args, &OPTIONAL_FIELDS);
    if args.non_empty("responses").is_some() {
        let responses = json_parameter(
            "createRegistrant",
            args,
            "responses",
            r#"[{"questionKey":17023550,"responseText":"A colleague"}]"#,
        )?;
        body.insert("responses".to_string(), responses);
    }
    Ok(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::tests::{built, find};
    use http::Method;

    const REQUIRED: [(&str, &str); 4] = [
        ("webinarKey", "1"),
        ("firstName", "Ada"),
        ("lastName", "Lovelace"),
        ("email", "ada@example.com"),
    ];

    #[test]
    fn create_sends_the_names_and_only_non_empty_optional_fields() {
        let op = find(OPERATIONS, "createRegistrant");
        assert_eq!(op.accept, Some(REGISTRANT_ACCEPT));
        let (method, url, body) = built(op, &REQUIRED).unwrap();
        assert_eq!(method, Method::POST);
        assert_eq!(
            url,
            "http://h/G2W/rest/organizers/42/webinars/1/registrants"
        );
        assert_eq!(
            body.unwrap().to_string(),
            r#"{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com"}"#
        );

        let mut given = REQUIRED.to_vec();
        given.extend([
            ("organization", "WSO2"),
            ("city", ""),
            ("numberOfEmployees", "50"),
            ("source", "web"),
            (
                "responses",
                r#"[{"questionKey":17023550,"answerKey":17023554}]"#,
            ),
            ("resendConfirmation", "false"),
        ]);
        let (_, url, body) = built(op, &given).unwrap();
        assert_eq!(
            url,
            "http://h/G2W/rest/organizers/42/webinars/1/registrants?notifyParticipants=false"
        );
        assert_eq!(
            body.unwrap().to_string(),
            concat!(
                r#"{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","#,
                r#""source":"web","organization":"WSO2","numberOfEmployees":"50","#,
                r#""responses":[{"questionKey":17023550,"answerKey":17023554}]}"#
            )
        );
    }

    #[test]
    fn create_rejects_responses_that_are_not_json() {
        let op = find(OPERATIONS, "createRegistrant");
        let mut given = REQUIRED.to_vec();
        given.push(("responses", "[{questionKey: 17023550}]"));
        let err = built(op, &given).unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(
            err.message,
            "invalid parameter `responses` of operation `createRegistrant`"
        );
        let err = built(op, &REQUIRED[..3]).unwrap_err();
        assert!(err.message.contains("`email`"), "{err}");
    }

    #[test]
    fn the_other_operations_are_plain_requests() {
        let given = [("webinarKey", "1"), ("registrantKey", "3")];
        for (name, method, suffix) in [
            ("listRegistrants", Method::GET, "registrants"),
            ("getRegistrantById", Method::GET, "registrants/3"),
            ("getRegistrationFields", Method::GET, "registrants/fields"),
            ("deleteRegistrant", Method::DELETE, "registrants/3"),
        ] {
            let (m, url, body) = built(find(OPERATIONS, name), &given).unwrap();
            assert_eq!(m, method, "{name}");
            assert_eq!(
                url,
                format!("http://h/G2W/rest/organizers/42/webinars/1/{suffix}")
            );
            assert_eq!(body, None, "{name}");
        }
    }
}

//! Registrants: create, list, get, delete, and the registration form's fields.
//!
//! createRegistrant follows the swagger's two versions: with
//! `Accept: application/vnd.citrix.g2wapi-v1.1+json` (what connector 1.0.3 sends) every
//! field is kept; without it only firstName, lastName and email are, as in version 1.

use serde_json::{Map, Value};

use super::sessions::array;
use super::{Ctx, Handled};
use crate::reply::Reply;
use crate::store::Registrant;
use crate::text::{is_email, js, now_utc};

/// Created registrant keys count up from here.
const REGISTRANT_BASE: u64 = 8_100_000_000_000_000_000;

/// The Accept value that selects version 2 of createRegistrant.
const V11_ACCEPT: &str = "application/vnd.citrix.g2wapi-v1.1+json";

/// RegistrantDetailed string fields, in output order.
const DETAIL_FIELDS: [&str; 16] = [
    "address",
    "city",
    "state",
    "zipCode",
    "country",
    "phone",
    "organization",
    "jobTitle",
    "industry",
    "numberOfEmployees",
    "employeeCount",
    "purchasingTimeFrame",
    "implementationTimeFrame",
    "purchasingRole",
    "questionsAndComments",
    "source",
];

/// A custom question of the registration form: (questionKey, question, answers as
/// (answerKey, answer)).
type Question = (u64, &'static str, &'static [(u64, &'static str)]);

/// The custom questions of the registration form (the same as in [`FIELDS`]).
const QUESTIONS: [Question; 2] = [
    (17023549, "What is your main integration platform?", &[]),
    (
        17023550,
        "How did you hear about us?",
        &[(17023553, "Email"), (17023554, "A colleague")],
    ),
];

/// getRegistrationFields: the same form for every webinar.
const FIELDS: &str = concat!(
    r#"{"fields":["#,
    r#"{"field":"firstName","required":true,"maxSize":128},"#,
    r#"{"field":"lastName","required":true,"maxSize":128},"#,
    r#"{"field":"email","required":true,"maxSize":128},"#,
    r#"{"field":"organization","required":false,"maxSize":128},"#,
    r#"{"field":"jobTitle","required":false,"maxSize":128},"#,
    r#"{"field":"industry","required":false,"maxSize":128,"answers":["Computer Software","Education","Telecommunications","Other"]},"#,
    r#"{"field":"numberOfEmployees","required":false,"maxSize":128,"answers":["1-20","20-99","100-499","500-999","1000+"]}],"#,
    r#""questions":["#,
    r#"{"questionKey":17023549,"question":"What is your main integration platform?","required":false,"type":"shortAnswer","maxSize":128},"#,
    r#"{"questionKey":17023550,"question":"How did you hear about us?","required":false,"type":"multipleChoice","maxSize":128,"#,
    r#""answers":[{"answerKey":17023553,"answer":"Email"},{"answerKey":17023554,"answer":"A colleague"}]}]}"#
);

/// The join URL of a registrant of a webinar.
pub(super) fn join_url(wk: &str, rk: &str) -> String {
    format!("https://global.gotowebinar.com/join/{wk}/{rk}")
}

/// One Registrant object (listRegistrants, getAttendee).
pub(super) fn registrant_json(r: &Registrant, wk: &str) -> String {
    format!(
        r#"{{"registrantKey":{},"firstName":{},"lastName":{},"email":{},"registrationDate":{},"status":"APPROVED","joinUrl":{},"timeZone":{}}}"#,
        r.key,
        js(&r.first_name),
        js(&r.last_name),
        js(&r.email),
        js(&r.registration_date),
        js(&join_url(wk, &r.key)),
        js(&r.time_zone)
    )
}

/// One RegistrantDetailed object (getRegistrantById).
fn detailed_json(r: &Registrant, wk: &str) -> String {
    let mut out = registrant_json(r, wk);
    out.pop(); // reopen the object to append the detail members
    for name in DETAIL_FIELDS {
        out.push_str(&format!(",{}:{}", js(name), js(r.detail(name))));
    }
    let responses = array(
        r.responses
            .iter()
            .map(|(q, a)| format!(r#"{{"question":{},"answer":{}}}"#, js(q), js(a))),
    );
    out.push_str(&format!(
        r#","responses":{responses},"type":"REGULAR","unsubscribed":false}}"#
    ));
    out
}

/// createRegistrant: 201 `{registrantKey, joinUrl}`; 409 for an e-mail already registered.
pub(super) fn create(ctx: &Ctx<'_>, wk: &str) -> Handled {
    let webinar = ctx.webinar(wk)?;
    let body = ctx.json_body()?;
    let obj = body
        .as_object()
        .ok_or_else(|| Reply::bad_request("The request body must be a JSON object"))?;
    let mut required = Vec::with_capacity(3);
    for name in ["firstName", "lastName", "email"] {
        match text(obj, name) {
            Some(value) if !value.trim().is_empty() => required.push(value),
            _ => {
                return Err(Reply::bad_request(format!(
                    "Required field {name} is missing"
                )));
            }
        }
    }
    let [first_name, last_name, email] = <[String; 3]>::try_from(required)
        .map_err(|_| Reply::bad_request("Required fields are missing"))?;
    if !is_email(&email) {
        return Err(Reply::bad_request(format!(
            "Invalid email address: {email}"
        )));
    }
    let v11 = ctx
        .request
        .header("accept")
        .is_some_and(|accept| accept.contains(V11_ACCEPT));
    let mut store = ctx.store();
    if let Some(existing) = store
        .registrants
        .iter()
        .find(|r| r.email.eq_ignore_ascii_case(&email))
    {
        return Err(Reply::duplicate_registrant(
            &existing.key,
            &join_url(wk, &existing.key),
        ));
    }
    let (details, responses) = if v11 {
        (details(obj), responses(obj))
    } else {
        (Vec::new(), Vec::new())
    };
    let key = store.next_key(REGISTRANT_BASE);
    let created = format!(
        r#"{{"registrantKey":{key},"joinUrl":{}}}"#,
        js(&join_url(wk, &key))
    );
    store.registrants.push(Registrant {
        key,
        first_name,
        last_name,
        email,
        registration_date: now_utc(),
        time_zone: webinar.time_zone,
        details,
        responses,
        seeded: false,
    });
    Ok(Reply::created(created))
}

/// A member as text: strings as they are, other scalars in their JSON form; absent,
/// null and empty values count as not given.
fn text(obj: &Map<String, Value>, name: &str) -> Option<String> {
    match obj.get(name)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The optional fields given, under their RegistrantDetailed names. The connector sends
/// `roleInPurchaseProcess`, which the API knows as `purchasingRole`.
fn details(obj: &Map<String, Value>) -> Vec<(&'static str, String)> {
    DETAIL_FIELDS
        .iter()
        .filter_map(|&name| {
            let value = text(obj, name).or_else(|| match name {
                "purchasingRole" => text(obj, "roleInPurchaseProcess"),
                _ => None,
            })?;
            (!value.is_empty()).then_some((name, value))
        })
        .collect()
}

/// Custom answers `[{questionKey, responseText | answerKey}]` as (question, answer) text.
fn responses(obj: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(Value::Array(items)) = obj.get("responses") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let question_key = item.get("questionKey")?.to_string();
            let question = QUESTIONS.iter().find(|q| q.0.to_string() == question_key);
            let answer = match (item.get("responseText"), item.get("answerKey")) {
                (Some(Value::String(text)), _) => text.clone(),
                (_, Some(key)) => {
                    let key = key.to_string().trim_matches('"').to_string();
                    question
                        .and_then(|q| q.2.iter().find(|a| a.0.to_string() == key))
                        .map_or(key, |a| a.1.to_string())
                }
                _ => String::new(),
            };
            Some((question.map_or(question_key, |q| q.1.to_string()), answer))
        })
        .collect()
}

/// listRegistrants.
pub(super) fn list(ctx: &Ctx<'_>, wk: &str) -> Handled {
    ctx.webinar(wk)?;
    let store = ctx.store();
    Ok(Reply::ok(array(
        store.registrants.iter().map(|r| registrant_json(r, wk)),
    )))
}

/// getRegistrationFields.
pub(super) fn fields(ctx: &Ctx<'_>, wk: &str) -> Handled {
    ctx.webinar(wk)?;
    Ok(Reply::ok(FIELDS.to_string()))
}

/// getRegistrantById.
pub(super) fn get(ctx: &Ctx<'_>, wk: &str, rk: &str) -> Handled {
    ctx.webinar(wk)?;
    let store = ctx.store();
    let registrant = store.registrant(rk).ok_or_else(|| not_found(rk))?;
    Ok(Reply::ok(detailed_json(registrant, wk)))
}

/// deleteRegistrant: 204; a created registrant is removed, a fixture one stays.
pub(super) fn delete(ctx: &Ctx<'_>, wk: &str, rk: &str) -> Handled {
    ctx.webinar(wk)?;
    let mut store = ctx.store();
    let seeded = store.registrant(rk).ok_or_else(|| not_found(rk))?.seeded;
    if !seeded {
        store.registrants.retain(|r| r.key != rk);
    }
    Ok(Reply::no_content())
}

fn not_found(rk: &str) -> Reply {
    Reply::not_found(format!("Registrant with key {rk} not found"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{REGISTRANT_KEY, WEBINAR_KEY};
    use crate::store::Store;

    #[test]
    fn bodies_are_valid_json() {
        let store = Store::seeded();
        let jane = store
            .registrant(REGISTRANT_KEY)
            .expect("fixture registrant");
        let detailed: Value =
            serde_json::from_str(&detailed_json(jane, WEBINAR_KEY)).expect("json");
        assert_eq!(detailed["registrantKey"].to_string(), REGISTRANT_KEY);
        assert_eq!(detailed["purchasingRole"], "Decision Maker");
        assert_eq!(detailed["responses"][0]["answer"], "WSO2 Micro Integrator");
        assert_eq!(detailed["unsubscribed"], false);
        let fields: Value = serde_json::from_str(FIELDS).expect("json");
        assert_eq!(
            fields["questions"][1]["answers"][0]["answerKey"].to_string(),
            "17023553"
        );
    }

    #[test]
    fn maps_optional_fields_and_responses() {
        let body: Value = serde_json::from_str(
            r#"{"roleInPurchaseProcess":"Evaluator","city":"","jobTitle":"CTO","numberOfEmployees":50,
               "responses":[{"questionKey":17023550,"answerKey":17023554},{"questionKey":1,"responseText":"x"}]}"#,
        )
        .expect("json");
        let obj = body.as_object().expect("object");
        assert_eq!(
            details(obj),
            vec![
                ("jobTitle", "CTO".to_string()),
                ("numberOfEmployees", "50".to_string()),
                ("purchasingRole", "Evaluator".to_string())
            ]
        );
        assert_eq!(
            responses(obj),
            vec![
                (
                    "How did you hear about us?".to_string(),
                    "A colleague".to_string()
                ),
                ("1".to_string(), "x".to_string())
            ]
        );
    }
}

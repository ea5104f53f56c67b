//! Panelists and co-organizers: the people attached to a webinar besides registrants.
//!
//! Bodies follow Panelist, CreatedPanelist and Coorganizer. Panelist ids are numbers;
//! `panelistKey` and `memberKey` are strings, as the swagger declares them.

use serde_json::Value;

use super::sessions::array;
use super::{Ctx, Handled};
use crate::reply::Reply;
use crate::store::{Coorganizer, Panelist};
use crate::text::{is_email, is_int64, js};

/// Created panelist and external co-organizer keys count up from here.
const MEMBER_BASE: u64 = 5_200_000_000_000_000_000;

fn join_link(wk: &str, key: &str) -> String {
    format!("https://global.gotowebinar.com/join/{wk}/{key}")
}

/// getWebinarPanelists.
pub(super) fn panelists(ctx: &Ctx<'_>, wk: &str) -> Reply {
    let store = ctx.store();
    Reply::ok(array(store.panelists.iter().map(|p| {
        let (first, last) = p.name.split_once(' ').unwrap_or((&p.name, ""));
        format!(
            r#"{{"panelistId":{},"name":{},"email":{},"joinLink":{},"firstName":{},"lastName":{}}}"#,
            p.key,
            js(&p.name),
            js(&p.email),
            js(&join_link(wk, &p.key)),
            js(first),
            js(last)
        )
    })))
}

/// createPanelists: a JSON array of `{name, email}`; 201 with an array of CreatedPanelist.
pub(super) fn create_panelists(ctx: &Ctx<'_>, wk: &str) -> Handled {
    let body = ctx.json_body()?;
    let items = match &body {
        Value::Array(items) if !items.is_empty() => items,
        _ => {
            return Err(Reply::bad_request(
                "The request body must be a non-empty JSON array of panelists",
            ));
        }
    };
    let mut wanted = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
        let email = item.get("email").and_then(Value::as_str).unwrap_or("");
        if name.trim().is_empty() {
            return Err(Reply::bad_request(format!(
                "Panelist {i}: name is required"
            )));
        }
        if !is_email(email) {
            return Err(Reply::bad_request(format!(
                "Panelist {i}: invalid email address: {email}"
            )));
        }
        wanted.push((name.to_string(), email.to_string()));
    }
    let mut store = ctx.store();
    let mut created = Vec::with_capacity(wanted.len());
    for (name, email) in wanted {
        let key = store.next_key(MEMBER_BASE);
        created.push(format!(
            r#"{{"panelistKey":"{key}","name":{},"email":{},"joinLink":{}}}"#,
            js(&name),
            js(&email),
            js(&join_link(wk, &key))
        ));
        store.panelists.push(Panelist {
            key,
            name,
            email,
            seeded: false,
        });
    }
    Ok(Reply::created(array(created.into_iter())))
}

/// Delete a panelist (`delete`) or resend their invitation: 204 either way.
pub(super) fn panelist(ctx: &Ctx<'_>, wk: &str, pk: &str, delete: bool) -> Handled {
    ctx.webinar(wk)?;
    let mut store = ctx.store();
    let seeded = store
        .panelist(pk)
        .ok_or_else(|| Reply::not_found(format!("Panelist with key {pk} not found")))?
        .seeded;
    if delete && !seeded {
        store.panelists.retain(|p| p.key != pk);
    }
    Ok(Reply::no_content())
}

fn coorganizer_json(c: &Coorganizer, wk: &str) -> String {
    // External co-organizers have no account, so the API returns no surname for them.
    let surname = if c.external {
        String::new()
    } else {
        format!(",\"surname\":{}", js(&c.surname))
    };
    format!(
        r#"{{"memberKey":"{}","external":{},"givenName":{}{surname},"email":{},"joinLink":{}}}"#,
        c.member_key,
        c.external,
        js(&c.given_name),
        js(&c.email),
        js(&join_link(wk, &c.member_key))
    )
}

/// listCOOrganizers.
pub(super) fn list(ctx: &Ctx<'_>, wk: &str) -> Handled {
    ctx.webinar(wk)?;
    let store = ctx.store();
    Ok(Reply::ok(array(
        store.coorganizers.iter().map(|c| coorganizer_json(c, wk)),
    )))
}

/// createCOOrganizer: a JSON array of CoorganizerReqCreate; 201 with the Coorganizers.
/// External ones need a valid `email`; internal ones an `organizerKey`, which becomes
/// their `memberKey`.
pub(super) fn create(ctx: &Ctx<'_>, wk: &str) -> Handled {
    ctx.webinar(wk)?;
    let body = ctx.json_body()?;
    let items = match &body {
        Value::Array(items) if !items.is_empty() => items,
        _ => {
            return Err(Reply::bad_request(
                "The request body must be a non-empty JSON array of co-organizers",
            ));
        }
    };
    let text = |item: &Value, name: &str| match item.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let mut wanted = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let external = match item.get("external") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
            _ => {
                return Err(Reply::bad_request(format!(
                    "Co-organizer {i}: external is required (true or false)"
                )));
            }
        };
        let (email, organizer_key) = (text(item, "email"), text(item, "organizerKey"));
        if external && !is_email(&email) {
            return Err(Reply::bad_request(format!(
                "Invalid email address: {email}"
            )));
        }
        if !external && !is_int64(&organizer_key) {
            return Err(Reply::bad_request(format!(
                "Co-organizer {i}: organizerKey is required for an internal co-organizer"
            )));
        }
        wanted.push((external, organizer_key, text(item, "givenName"), email));
    }
    let mut store = ctx.store();
    let mut created = Vec::with_capacity(wanted.len());
    for (external, organizer_key, given_name, email) in wanted {
        let member_key = if external {
            store.next_key(MEMBER_BASE)
        } else {
            organizer_key
        };
        let coorganizer = Coorganizer {
            member_key,
            external,
            given_name,
            surname: String::new(),
            email,
            seeded: false,
        };
        created.push(coorganizer_json(&coorganizer, wk));
        if store.coorganizer(&coorganizer.member_key).is_none() {
            store.coorganizers.push(coorganizer);
        }
    }
    Ok(Reply::created(array(created.into_iter())))
}

/// deleteCOOrganizer (`delete`) or resendInvitation: 204. `external`, when given, must be
/// `true` or `false`.
pub(super) fn member(ctx: &Ctx<'_>, wk: &str, ck: &str, delete: bool) -> Handled {
    ctx.webinar(wk)?;
    match ctx.param("external") {
        None | Some("" | "true" | "false") => {}
        Some(other) => return Err(Reply::bad_request(format!("Invalid external: {other}"))),
    }
    let mut store = ctx.store();
    let seeded = store
        .coorganizer(ck)
        .ok_or_else(|| Reply::not_found(format!("Co-organizer with key {ck} not found")))?
        .seeded;
    if delete && !seeded {
        store.coorganizers.retain(|c| c.member_key != ck);
    }
    Ok(Reply::no_content())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{COORGANIZER_KEY, INTERNAL_COORGANIZER_KEY, WEBINAR_KEY};
    use crate::store::Store;

    #[test]
    fn coorganizer_bodies() {
        let store = Store::seeded();
        let external: Value = serde_json::from_str(&coorganizer_json(
            store.coorganizer(COORGANIZER_KEY).expect("fixture"),
            WEBINAR_KEY,
        ))
        .expect("json");
        assert_eq!(external["memberKey"], COORGANIZER_KEY);
        assert_eq!(external["external"], true);
        assert!(external.get("surname").is_none());
        let internal: Value = serde_json::from_str(&coorganizer_json(
            store
                .coorganizer(INTERNAL_COORGANIZER_KEY)
                .expect("fixture"),
            WEBINAR_KEY,
        ))
        .expect("json");
        assert_eq!(internal["surname"], "Turing");
    }
}

//! The simulator's v2 side over HTTP: Bearer checks with expiring tokens, the OAuth 2.0
//! token endpoint, `/admin/rest/v1/me`, the paging wrappers and the optional 429.

mod common;

use std::time::Duration;

use common::{Answer, client, send};
use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::*;
use reqwest::Method;

fn v2(tail: &str) -> String {
    format!("/G2W/rest/v2/organizers/{ORGANIZER_KEY}{tail}")
}

async fn bearer_get(sim: &Simulator, path: &str, token: &str) -> Answer {
    send(
        sim,
        Method::GET,
        path,
        Some(&format!("Bearer {token}")),
        None,
    )
    .await
}

async fn grant(sim: &Simulator, form: &str, secret: &str) -> Answer {
    let response = client()
        .post(format!("{}/oauth/token", sim.url()))
        .basic_auth(CLIENT_ID, Some(secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap();
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

#[tokio::test]
async fn bearer_tokens_are_checked_and_expire() {
    let sim = Simulator::start().await.unwrap();
    let sessions = v2(&format!("/webinars/{WEBINAR_KEY}/sessions"));
    assert_eq!(bearer_get(&sim, &sessions, ACCESS_TOKEN).await.status, 200);
    let raw = send(&sim, Method::GET, &sessions, Some(ACCESS_TOKEN), None).await;
    assert_eq!(raw.status, 403, "v2 wants the Bearer scheme");
    assert_eq!(raw.json()["int_err_code"], "InvalidToken");

    sim.set_token_ttl(Duration::from_millis(300));
    let pat = format!("grant_type=personal_access_token&pat={PERSONAL_ACCESS_TOKEN}");
    let issued = grant(&sim, &pat, CLIENT_SECRET).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    assert_eq!(issued.json()["access_token"], FIRST_BEARER_TOKEN);
    assert_eq!(issued.json()["expires_in"], 1);
    assert_eq!(
        bearer_get(&sim, &sessions, FIRST_BEARER_TOKEN).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        bearer_get(&sim, &sessions, FIRST_BEARER_TOKEN).await.status,
        403
    );
    assert_eq!(grant(&sim, &pat, "wrong").await.status, 401);
    assert_eq!(sim.token_calls(), 2);
}

#[tokio::test]
async fn refresh_tokens_rotate_unless_omitted() {
    let sim = Simulator::start().await.unwrap();
    let refresh = |token: &str| format!("grant_type=refresh_token&refresh_token={token}");
    let first = grant(&sim, &refresh(REFRESH_TOKEN), CLIENT_SECRET).await;
    assert_eq!(first.json()["refresh_token"], FIRST_BEARER_REFRESH_TOKEN);
    let reused = grant(&sim, &refresh(REFRESH_TOKEN), CLIENT_SECRET).await;
    assert_eq!(reused.status, 400);
    sim.omit_refresh_token(true);
    for _ in 0..2 {
        let again = grant(&sim, &refresh(FIRST_BEARER_REFRESH_TOKEN), CLIENT_SECRET).await;
        assert_eq!(again.status, 200);
        assert!(
            again.json().get("refresh_token").is_none(),
            "{}",
            again.body
        );
    }
}

#[tokio::test]
async fn me_wrappers_and_the_rate_limit() {
    let sim = Simulator::start().await.unwrap();
    let me = bearer_get(&sim, "/admin/rest/v1/me", ACCESS_TOKEN).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["key"].to_string(), ORGANIZER_KEY);
    assert_eq!(
        bearer_get(&sim, "/admin/rest/v1/me", "nope").await.status,
        401
    );

    let path = v2(&format!(
        "/webinars/{WEBINAR_KEY}/registrants?page=1&limit=1"
    ));
    let page = bearer_get(&sim, &path, ACCESS_TOKEN).await.json();
    assert_eq!(
        (page["total"].clone(), page["pageSize"].clone()),
        (2.into(), 1.into())
    );
    let upcoming = bearer_get(&sim, &v2("/upcomingWebinars"), ACCESS_TOKEN).await;
    assert_eq!(upcoming.status, 404, "v2 has no upcoming list");

    sim.set_rate_limit(Some(2));
    let sessions = v2(&format!("/webinars/{WEBINAR_KEY}/sessions"));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(bearer_get(&sim, &sessions, ACCESS_TOKEN).await);
    }
    let codes: Vec<u16> = statuses.iter().map(|a| a.status).collect();
    assert_eq!(codes, [200, 200, 429]);
    assert_eq!(statuses[2].header("retry-after"), Some("1"));
}

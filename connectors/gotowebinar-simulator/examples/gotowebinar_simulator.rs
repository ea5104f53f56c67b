//! Runs the GoToWebinar simulator (REST v1 and v2, both token endpoints) until Ctrl-C, for demos and manual testing.
//!
//! ```text
//! cargo run -p gotowebinar-simulator --example gotowebinar_simulator [PORT]
//! ```
//! Listens on `127.0.0.1:8280` unless a port is given, then prints the `apiUrl` to use,
//! the fixture keys and a curl line to try.

use std::net::{Ipv4Addr, SocketAddr};

use gotowebinar_simulator::{Simulator, fixtures};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::args().nth(1) {
        None => 8280,
        Some(arg) => arg.parse::<u16>().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("not a port number: {arg}"),
            )
        })?,
    };
    let sim = Simulator::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let url = sim.url();
    println!("GoToWebinar simulator (v1 and v2) listening on {url}");
    println!("  apiUrl               {url}");
    println!("  accessToken          {}", fixtures::ACCESS_TOKEN);
    println!("  refreshToken         {}", fixtures::REFRESH_TOKEN);
    println!("  clientId             {}", fixtures::CLIENT_ID);
    println!("  clientSecret         {} (v2)", fixtures::CLIENT_SECRET);
    println!(
        "  personalAccessToken  {} (v2)",
        fixtures::PERSONAL_ACCESS_TOKEN
    );
    println!("  tokenEndpoint        {url}/oauth/token (v2)");
    println!("  organizerKey         {}", fixtures::ORGANIZER_KEY);
    println!(
        "  webinarKey           {} (past; sessions {} and {})",
        fixtures::WEBINAR_KEY,
        fixtures::SESSION_KEY,
        fixtures::SECOND_SESSION_KEY
    );
    println!(
        "  webinarKey           {} (past; session {})",
        fixtures::SECOND_WEBINAR_KEY,
        fixtures::SECOND_SESSION_KEY
    );
    println!("  upcoming webinarKey  {}", fixtures::UPCOMING_WEBINAR_KEY);
    println!(
        "  registrantKey        {} ({}), {}",
        fixtures::REGISTRANT_KEY,
        fixtures::REGISTERED_EMAIL,
        fixtures::SECOND_REGISTRANT_KEY
    );
    println!(
        "  coorganizerKey       {} (external), {} (internal)",
        fixtures::COORGANIZER_KEY,
        fixtures::INTERNAL_COORGANIZER_KEY
    );
    println!("  panelistKey          {}", fixtures::PANELIST_KEY);
    println!("  accountKey           {}", fixtures::ACCOUNT_KEY);
    println!();
    println!(
        "try: curl -H 'Authorization: {}' {url}/G2W/rest/organizers/{}/webinars/{}/sessions",
        fixtures::ACCESS_TOKEN,
        fixtures::ORGANIZER_KEY,
        fixtures::WEBINAR_KEY
    );
    println!(
        "v2:  curl -H 'Authorization: Bearer {}' {url}/G2W/rest/v2/organizers/{}/webinars/{}/sessions",
        fixtures::ACCESS_TOKEN,
        fixtures::ORGANIZER_KEY,
        fixtures::WEBINAR_KEY
    );
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    drop(sim);
    Ok(())
}

//! Well-known keys and credentials the simulator serves data for.
//!
//! The first block comes from the WSO2 connector documentation's sample requests (the seed);
//! the rest are invented so that every operation has something to answer with. All keys are
//! plain-digit 64-bit integers; the 19-digit ones do not fit in an `f64` without loss, which
//! is the point of serving them.
//!
//! What exists where:
//! - [`WEBINAR_KEY`] is a past webinar with sessions [`SESSION_KEY`] and
//!   [`SECOND_SESSION_KEY`]; [`SECOND_WEBINAR_KEY`] is a past webinar with session
//!   [`SECOND_SESSION_KEY`] (the seed pairs them that way). [`UPCOMING_WEBINAR_KEY`] is a
//!   scheduled webinar with no sessions yet.
//! - The registrants [`REGISTRANT_KEY`] (e-mail [`REGISTERED_EMAIL`]) and
//!   [`SECOND_REGISTRANT_KEY`] are registered for every webinar and attended the sessions of
//!   the past ones, so they are also valid `registrantKey`s for the attendee operations.
//! - Every webinar has the panelist [`PANELIST_KEY`], the external co-organizer
//!   [`COORGANIZER_KEY`] and the internal co-organizer [`INTERNAL_COORGANIZER_KEY`].
//! - Fixture records are permanent: deleting or cancelling one answers 204 but it stays, so
//!   calls made later in the same test still find it. Records created through the API can
//!   be deleted for real.

/// The organizer of every fixture webinar (seed).
pub const ORGANIZER_KEY: &str = "3697511743350317068";
/// A past webinar with two sessions (seed).
pub const WEBINAR_KEY: &str = "6487648931392511233";
/// The first session of [`WEBINAR_KEY`] (seed).
pub const SESSION_KEY: &str = "2167614";
/// A second past webinar (seed, used by the getSessionPerformance sample).
pub const SECOND_WEBINAR_KEY: &str = "2458336850084791299";
/// A session of both [`WEBINAR_KEY`] and [`SECOND_WEBINAR_KEY`] (seed).
pub const SECOND_SESSION_KEY: &str = "6571792";
/// The access token accepted from the start (seed).
pub const ACCESS_TOKEN: &str = "UEGGrwswKRwB07lTOr0EoppdaxKo";
/// The refresh token the token endpoint accepts until the first successful refresh (seed).
pub const REFRESH_TOKEN: &str = "MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm";
/// The only client id the token endpoint accepts (seed).
pub const CLIENT_ID: &str = "IJfcaqp3xC034WXD1GGlstejnJS41huo";

/// A scheduled (future) webinar: no sessions, open for registration.
pub const UPCOMING_WEBINAR_KEY: &str = "8346513770958372620";
/// Registrant "Jane Doe", who attended every fixture session and asked a question.
pub const REGISTRANT_KEY: &str = "5744207385328738316";
/// Registrant "John Smith", who attended [`SESSION_KEY`] and the session of
/// [`SECOND_WEBINAR_KEY`].
pub const SECOND_REGISTRANT_KEY: &str = "6120889414387624462";
/// The e-mail of [`REGISTRANT_KEY`]: creating a registrant with it answers 409.
pub const REGISTERED_EMAIL: &str = "jane.doe@example.com";
/// An external co-organizer (no GoToWebinar account): delete/resend with `external=true`.
pub const COORGANIZER_KEY: &str = "7259032457154410508";
/// An internal co-organizer (has an account): delete/resend with `external=false`.
pub const INTERNAL_COORGANIZER_KEY: &str = "4478127716432179459";
/// A panelist of every fixture webinar.
pub const PANELIST_KEY: &str = "1129371820583737861";
/// The account of [`ORGANIZER_KEY`], for `GET /G2W/rest/accounts/{accountKey}/webinars`
/// and the token response's `account_key`.
pub const ACCOUNT_KEY: &str = "6329418725514308101";
/// The access token issued by the first successful refresh; later ones count up
/// (`SimAccessToken0002`, ...).
pub const FIRST_REFRESHED_ACCESS_TOKEN: &str = "SimAccessToken0001";
/// The refresh token issued by the first successful refresh; later ones count up.
pub const FIRST_REFRESHED_REFRESH_TOKEN: &str = "SimRefreshToken0001";

/// The client secret the OAuth 2.0 token endpoint (`POST /oauth/token`) checks in the Basic
/// header, with [`CLIENT_ID`].
pub const CLIENT_SECRET: &str = "sim-client-secret-2f8c41d7";
/// The personal access token the `personal_access_token` grant accepts.
pub const PERSONAL_ACCESS_TOKEN: &str = "sim-pat-5b0e9a13c7d24f68";
/// The first Bearer token `POST /oauth/token` issues; later ones count up
/// (`SimBearer0002`, ...).
pub const FIRST_BEARER_TOKEN: &str = "SimBearer0001";
/// The first refresh token `POST /oauth/token` issues; later ones count up.
pub const FIRST_BEARER_REFRESH_TOKEN: &str = "SimBearerRefresh0001";

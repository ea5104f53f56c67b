//! The simulator's data: webinars with their past sessions, registrants, panelists and
//! co-organizers, seeded from [`crate::fixtures`].
//!
//! Registrants, panelists and co-organizers are shared by all webinars (one list each), which
//! keeps the model small while every operation still has consistent data to answer with.
//! Records created through the API are kept and can be deleted; seeded ones are permanent.

use crate::fixtures::*;

/// A webinar, past or scheduled.
#[derive(Debug, Clone)]
pub(crate) struct Webinar {
    pub key: String,
    /// The 9-digit ID shown to attendees (a string in the API).
    pub webinar_id: String,
    pub subject: String,
    pub description: String,
    pub time_zone: String,
    /// `(startTime, endTime)` pairs.
    pub times: Vec<(String, String)>,
    /// Completed webinars have sessions and appear in historicalWebinars.
    pub past: bool,
    pub sessions: Vec<Session>,
    pub seeded: bool,
}

/// A completed session of a webinar, with who attended it.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub key: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub attendees: Vec<Attendance>,
}

/// One registrant's attendance of one session.
#[derive(Debug, Clone)]
pub(crate) struct Attendance {
    pub registrant_key: &'static str,
    pub seconds: u32,
    /// `(joinTime, leaveTime)` pairs.
    pub periods: &'static [(&'static str, &'static str)],
}

/// A registrant; `details` holds the RegistrantDetailed string fields that were given.
#[derive(Debug, Clone)]
pub(crate) struct Registrant {
    pub key: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub registration_date: String,
    pub time_zone: String,
    pub details: Vec<(&'static str, String)>,
    /// Custom question answers `(question, answer)`.
    pub responses: Vec<(String, String)>,
    pub seeded: bool,
}

impl Registrant {
    /// The value of a detail field, `""` when it was not given.
    pub fn detail(&self, name: &str) -> &str {
        self.details
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A panelist.
#[derive(Debug, Clone)]
pub(crate) struct Panelist {
    pub key: String,
    pub name: String,
    pub email: String,
    pub seeded: bool,
}

/// A co-organizer; external ones have no GoToWebinar account and no surname.
#[derive(Debug, Clone)]
pub(crate) struct Coorganizer {
    pub member_key: String,
    pub external: bool,
    pub given_name: String,
    pub surname: String,
    pub email: String,
    pub seeded: bool,
}

/// All simulator data plus the counter that numbers created records.
#[derive(Debug)]
pub(crate) struct Store {
    pub webinars: Vec<Webinar>,
    pub registrants: Vec<Registrant>,
    pub panelists: Vec<Panelist>,
    pub coorganizers: Vec<Coorganizer>,
    created: u64,
}

impl Default for Store {
    fn default() -> Self {
        Store::seeded()
    }
}

impl Store {
    /// The fixture data.
    pub fn seeded() -> Store {
        Store {
            webinars: seed_webinars(),
            registrants: seed_registrants(),
            panelists: vec![Panelist {
                key: PANELIST_KEY.into(),
                name: "Grace Hopper".into(),
                email: "grace.hopper@example.com".into(),
                seeded: true,
            }],
            coorganizers: vec![
                Coorganizer {
                    member_key: COORGANIZER_KEY.into(),
                    external: true,
                    given_name: "Ada Lovelace".into(),
                    surname: String::new(),
                    email: "ada.lovelace@example.com".into(),
                    seeded: true,
                },
                Coorganizer {
                    member_key: INTERNAL_COORGANIZER_KEY.into(),
                    external: false,
                    given_name: "Alan".into(),
                    surname: "Turing".into(),
                    email: "alan.turing@example.com".into(),
                    seeded: true,
                },
            ],
            created: 0,
        }
    }

    /// A fresh key for a created record: `base` plus a running number, so keys are
    /// deterministic, distinct and still 19 digits.
    pub fn next_key(&mut self, base: u64) -> String {
        self.created += 1;
        (base + self.created).to_string()
    }

    pub fn webinar(&self, key: &str) -> Option<&Webinar> {
        self.webinars.iter().find(|w| w.key == key)
    }

    pub fn registrant(&self, key: &str) -> Option<&Registrant> {
        self.registrants.iter().find(|r| r.key == key)
    }

    pub fn coorganizer(&self, key: &str) -> Option<&Coorganizer> {
        self.coorganizers.iter().find(|c| c.member_key == key)
    }

    pub fn panelist(&self, key: &str) -> Option<&Panelist> {
        self.panelists.iter().find(|p| p.key == key)
    }
}

fn seed_webinars() -> Vec<Webinar> {
    let jane = REGISTRANT_KEY;
    let john = SECOND_REGISTRANT_KEY;
    vec![
        Webinar {
            key: WEBINAR_KEY.into(),
            webinar_id: "178450971".into(),
            subject: "Mediation patterns with Apache Synapse".into(),
            description: "Proxies, sequences and connectors, from XML to production.".into(),
            time_zone: "America/New_York".into(),
            times: vec![
                ("2015-06-10T16:00:00Z".into(), "2015-06-10T17:00:00Z".into()),
                ("2015-07-13T16:00:00Z".into(), "2015-07-13T17:00:00Z".into()),
            ],
            past: true,
            sessions: vec![
                Session {
                    key: SESSION_KEY,
                    start: "2015-06-10T16:00:00Z",
                    end: "2015-06-10T17:02:11Z",
                    attendees: vec![
                        Attendance {
                            registrant_key: jane,
                            seconds: 3448,
                            periods: &[("2015-06-10T16:01:12Z", "2015-06-10T16:58:40Z")],
                        },
                        Attendance {
                            registrant_key: john,
                            seconds: 3236,
                            periods: &[
                                ("2015-06-10T16:03:05Z", "2015-06-10T16:30:00Z"),
                                ("2015-06-10T16:35:10Z", "2015-06-10T17:02:11Z"),
                            ],
                        },
                    ],
                },
                Session {
                    key: SECOND_SESSION_KEY,
                    start: "2015-07-13T16:00:00Z",
                    end: "2015-07-13T16:58:40Z",
                    attendees: vec![Attendance {
                        registrant_key: jane,
                        seconds: 3490,
                        periods: &[("2015-07-13T16:00:30Z", "2015-07-13T16:58:40Z")],
                    }],
                },
            ],
            seeded: true,
        },
        Webinar {
            key: SECOND_WEBINAR_KEY.into(),
            webinar_id: "512083446".into(),
            subject: "Routing and transformation deep dive".into(),
            description: "Content-based routing, payload factories and JSON paths.".into(),
            time_zone: "Europe/London".into(),
            times: vec![("2015-09-22T15:00:00Z".into(), "2015-09-22T16:30:00Z".into())],
            past: true,
            sessions: vec![Session {
                key: SECOND_SESSION_KEY,
                start: "2015-09-22T15:00:00Z",
                end: "2015-09-22T16:30:00Z",
                attendees: vec![
                    Attendance {
                        registrant_key: jane,
                        seconds: 4980,
                        periods: &[("2015-09-22T15:02:00Z", "2015-09-22T16:25:00Z")],
                    },
                    Attendance {
                        registrant_key: john,
                        seconds: 5355,
                        periods: &[("2015-09-22T15:00:45Z", "2015-09-22T16:30:00Z")],
                    },
                ],
            }],
            seeded: true,
        },
        Webinar {
            key: UPCOMING_WEBINAR_KEY.into(),
            webinar_id: "930517268".into(),
            subject: "Oxynapse: Synapse configurations on a small Rust binary".into(),
            description: "Running unchanged WSO2 proxies and connectors natively.".into(),
            time_zone: "America/New_York".into(),
            times: vec![("2030-03-12T15:00:00Z".into(), "2030-03-12T16:00:00Z".into())],
            past: false,
            sessions: Vec::new(),
            seeded: true,
        },
    ]
}

fn seed_registrants() -> Vec<Registrant> {
    let jane_details = [
        ("address", "1 Main Street"),
        ("city", "Springfield"),
        ("state", "MA"),
        ("zipCode", "01101"),
        ("country", "United States"),
        ("phone", "+1 555 0100"),
        ("organization", "Example Corp"),
        ("jobTitle", "Integration Architect"),
        ("industry", "Computer Software"),
        ("numberOfEmployees", "100-499"),
        ("employeeCount", "100-499"),
        ("purchasingTimeFrame", "1-3 months"),
        ("implementationTimeFrame", "1-3 months"),
        ("purchasingRole", "Decision Maker"),
        ("questionsAndComments", "Looking forward to it."),
        ("source", "Newsletter 123"),
    ];
    vec![
        Registrant {
            key: REGISTRANT_KEY.into(),
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            email: REGISTERED_EMAIL.into(),
            registration_date: "2015-05-20T09:14:07Z".into(),
            time_zone: "America/New_York".into(),
            details: jane_details
                .iter()
                .map(|(n, v)| (*n, v.to_string()))
                .collect(),
            responses: vec![(
                "What is your main integration platform?".into(),
                "WSO2 Micro Integrator".into(),
            )],
            seeded: true,
        },
        Registrant {
            key: SECOND_REGISTRANT_KEY.into(),
            first_name: "John".into(),
            last_name: "Smith".into(),
            email: "john.smith@example.org".into(),
            registration_date: "2015-05-28T17:42:51Z".into(),
            time_zone: "Europe/London".into(),
            details: vec![("organization", "Example Org".into())],
            responses: Vec::new(),
            seeded: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::is_int64;

    #[test]
    fn seed_is_consistent() {
        let store = Store::seeded();
        for w in &store.webinars {
            assert!(is_int64(&w.key));
            assert_eq!(w.webinar_id.len(), 9);
            for s in &w.sessions {
                for a in &s.attendees {
                    assert!(store.registrant(a.registrant_key).is_some());
                }
            }
        }
        assert!(store.webinar(UPCOMING_WEBINAR_KEY).is_some_and(|w| !w.past));
        assert!(
            store
                .coorganizer(COORGANIZER_KEY)
                .is_some_and(|c| c.external)
        );
        assert!(store.panelist(PANELIST_KEY).is_some());
        assert_eq!(
            store
                .registrant(SECOND_REGISTRANT_KEY)
                .map(|r| r.detail("city")),
            Some("")
        );
    }

    #[test]
    fn created_keys_are_distinct_int64s() {
        let mut store = Store::seeded();
        let a = store.next_key(8_100_000_000_000_000_000);
        let b = store.next_key(8_100_000_000_000_000_000);
        assert_ne!(a, b);
        assert!(is_int64(&a) && a.len() == 19);
    }
}

//! The route table: which method and path segments name which of the 36 operations (and
//! the three v1 calls the connector does not cover), and which path keys each one takes.

/// One operation, with the path keys it was called with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op<'a> {
    // Sessions and attendees.
    OrganizerSessions,
    ListSessions(&'a str),
    Session(SessionPart, &'a str, &'a str),
    Attendee(AttendeePart, &'a str, &'a str, &'a str),
    // Registrants.
    CreateRegistrant(&'a str),
    ListRegistrants(&'a str),
    RegistrationFields(&'a str),
    GetRegistrant(&'a str, &'a str),
    DeleteRegistrant(&'a str, &'a str),
    // Webinars and panelists.
    UpcomingWebinars,
    HistoricalWebinars,
    AllWebinars,
    AccountWebinars(&'a str),
    CreateWebinar,
    Webinar(WebinarPart, &'a str),
    DeletePanelist(&'a str, &'a str),
    ResendPanelistInvitation(&'a str, &'a str),
    // Co-organizers.
    CreateCoorganizers(&'a str),
    ListCoorganizers(&'a str),
    DeleteCoorganizer(&'a str, &'a str),
    ResendCoorganizerInvitation(&'a str, &'a str),
}

/// The GET sub-resources of a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SessionPart {
    /// getSessionById: the attendance of the session (an array of Attendee, per the swagger).
    Attendance,
    Attendees,
    Performance,
    Polls,
    Questions,
    Surveys,
}

/// The GET sub-resources of an attendee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AttendeePart {
    Registrant,
    Polls,
    Questions,
    Surveys,
}

/// The operations on one webinar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum WebinarPart {
    Get,
    Cancel,
    Update,
    Attendees,
    Audio,
    UpdateAudio,
    MeetingTimes,
    Panelists,
    CreatePanelists,
    Performance,
}

impl<'a> Op<'a> {
    /// Matches a method and the path segments after `/G2W/rest/organizers/{organizerKey}`.
    pub(super) fn organizer(method: &str, tail: &[&'a str]) -> Option<Op<'a>> {
        use Op::*;
        let op = match (method, tail) {
            ("GET", ["sessions"]) => OrganizerSessions,
            ("GET", ["upcomingWebinars"]) => UpcomingWebinars,
            ("GET", ["historicalWebinars"]) => HistoricalWebinars,
            ("GET", ["webinars"]) => AllWebinars,
            ("POST", ["webinars"]) => CreateWebinar,
            (_, ["webinars", wk, rest @ ..]) => return Op::webinar(method, wk, rest),
            _ => return None,
        };
        Some(op)
    }

    /// Matches what follows `/webinars/{webinarKey}`.
    fn webinar(method: &str, wk: &'a str, rest: &[&'a str]) -> Option<Op<'a>> {
        use Op::*;
        use WebinarPart as W;
        let op = match (method, rest) {
            ("GET", []) => Webinar(W::Get, wk),
            ("DELETE", []) => Webinar(W::Cancel, wk),
            ("PUT", []) => Webinar(W::Update, wk),
            ("GET", ["attendees"]) => Webinar(W::Attendees, wk),
            ("GET", ["audio"]) => Webinar(W::Audio, wk),
            ("POST", ["audio"]) => Webinar(W::UpdateAudio, wk),
            ("GET", ["meetingtimes"]) => Webinar(W::MeetingTimes, wk),
            ("GET", ["panelists"]) => Webinar(W::Panelists, wk),
            ("POST", ["panelists"]) => Webinar(W::CreatePanelists, wk),
            ("DELETE", ["panelists", pk]) => DeletePanelist(wk, pk),
            ("POST", ["panelists", pk, "resendInvitation"]) => ResendPanelistInvitation(wk, pk),
            ("GET", ["performance"]) => Webinar(W::Performance, wk),
            ("GET", ["sessions"]) => ListSessions(wk),
            ("GET", ["sessions", sk, part @ ..]) => return Op::session(wk, sk, part),
            ("POST", ["registrants"]) => CreateRegistrant(wk),
            ("GET", ["registrants"]) => ListRegistrants(wk),
            // "fields" is matched before the key pattern below.
            ("GET", ["registrants", "fields"]) => RegistrationFields(wk),
            ("GET", ["registrants", rk]) => GetRegistrant(wk, rk),
            ("DELETE", ["registrants", rk]) if *rk != "fields" => DeleteRegistrant(wk, rk),
            ("POST", ["coorganizers"]) => CreateCoorganizers(wk),
            ("GET", ["coorganizers"]) => ListCoorganizers(wk),
            ("DELETE", ["coorganizers", ck]) => DeleteCoorganizer(wk, ck),
            ("POST", ["coorganizers", ck, "resendInvitation"]) => {
                ResendCoorganizerInvitation(wk, ck)
            }
            _ => return None,
        };
        Some(op)
    }

    /// Matches the GET sub-resources of `/sessions/{sessionKey}`.
    fn session(wk: &'a str, sk: &'a str, part: &[&'a str]) -> Option<Op<'a>> {
        use AttendeePart as A;
        use SessionPart as S;
        let op = match part {
            [] => Op::Session(S::Attendance, wk, sk),
            ["attendees"] => Op::Session(S::Attendees, wk, sk),
            ["performance"] => Op::Session(S::Performance, wk, sk),
            ["polls"] => Op::Session(S::Polls, wk, sk),
            ["questions"] => Op::Session(S::Questions, wk, sk),
            ["surveys"] => Op::Session(S::Surveys, wk, sk),
            ["attendees", rk] => Op::Attendee(A::Registrant, wk, sk, rk),
            ["attendees", rk, "polls"] => Op::Attendee(A::Polls, wk, sk, rk),
            ["attendees", rk, "questions"] => Op::Attendee(A::Questions, wk, sk, rk),
            ["attendees", rk, "surveys"] => Op::Attendee(A::Surveys, wk, sk, rk),
            _ => return None,
        };
        Some(op)
    }

    /// The path keys to check for syntax, with their parameter names.
    pub(super) fn keys(&self) -> Vec<(&'static str, &'a str)> {
        use Op::*;
        match *self {
            OrganizerSessions | UpcomingWebinars | HistoricalWebinars | AllWebinars
            | CreateWebinar => vec![],
            AccountWebinars(ak) => vec![("accountKey", ak)],
            ListSessions(wk)
            | CreateRegistrant(wk)
            | ListRegistrants(wk)
            | RegistrationFields(wk)
            | Webinar(_, wk)
            | CreateCoorganizers(wk)
            | ListCoorganizers(wk) => vec![("webinarKey", wk)],
            Session(_, wk, sk) => vec![("webinarKey", wk), ("sessionKey", sk)],
            Attendee(_, wk, sk, rk) => {
                vec![
                    ("webinarKey", wk),
                    ("sessionKey", sk),
                    ("registrantKey", rk),
                ]
            }
            GetRegistrant(wk, rk) | DeleteRegistrant(wk, rk) => {
                vec![("webinarKey", wk), ("registrantKey", rk)]
            }
            DeletePanelist(wk, pk) | ResendPanelistInvitation(wk, pk) => {
                vec![("webinarKey", wk), ("panelistKey", pk)]
            }
            DeleteCoorganizer(wk, ck) | ResendCoorganizerInvitation(wk, ck) => {
                vec![("webinarKey", wk), ("coorganizerKey", ck)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op<'a>(method: &str, path: &'a [&'a str]) -> Option<Op<'a>> {
        Op::organizer(method, path)
    }

    #[test]
    fn matches_every_area() {
        use SessionPart as S;
        assert_eq!(op("GET", &["sessions"]), Some(Op::OrganizerSessions));
        assert_eq!(
            op("GET", &["webinars", "1", "sessions", "2"]),
            Some(Op::Session(S::Attendance, "1", "2"))
        );
        assert_eq!(
            op(
                "GET",
                &["webinars", "1", "sessions", "2", "attendees", "3", "polls"]
            ),
            Some(Op::Attendee(AttendeePart::Polls, "1", "2", "3"))
        );
        assert_eq!(
            op("GET", &["webinars", "1", "registrants", "fields"]),
            Some(Op::RegistrationFields("1"))
        );
        assert_eq!(
            op("DELETE", &["webinars", "1", "registrants", "fields"]),
            None
        );
        assert_eq!(
            op("PUT", &["webinars", "1"]),
            Some(Op::Webinar(WebinarPart::Update, "1"))
        );
        assert_eq!(
            op(
                "POST",
                &["webinars", "1", "coorganizers", "9", "resendInvitation"]
            ),
            Some(Op::ResendCoorganizerInvitation("1", "9"))
        );
        assert_eq!(op("GET", &["webinars", "1", "nothing"]), None);
        assert_eq!(op("PATCH", &["webinars"]), None);
    }
}

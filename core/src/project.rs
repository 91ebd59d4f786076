//! Projects: members of one tenant deciding things together.
//!
//! A [`Project`] has members and [`Proposal`]s. A proposal is a question of
//! one [`ProposalKind`]: pick one option, pick several, pick a day, or
//! split tasks among the members. Each member's twin recommends on it
//! (kept as a [`Recommended`]), each member records their own [`Choice`],
//! and coordination decides for the group. All of it lives in the
//! relational store ([`crate::backend::Projects`]); the reasoning lives in
//! the serving crate's twin.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::{ProjectId, ProposalId, UserId};

/// A group of members of one tenant working on something together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Its id, chosen by whoever creates it.
    pub id: ProjectId,
    /// What it is called.
    pub title: String,
    /// Who is in it, in the order given.
    pub members: Vec<UserId>,
    /// What the members share about it, as given through the API.
    pub context: String,
    /// When it was created, RFC 3339 UTC.
    pub created_at: String,
}

impl Project {
    /// Whether `user` is one of its members.
    pub fn has_member(&self, user: &UserId) -> bool {
        self.members.contains(user)
    }
}

/// What a proposal asks the members to decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// Pick one option.
    Choice,
    /// Pick several options (a menu).
    Subset,
    /// Pick a day: from options, or from a window of allowed weekdays.
    Schedule,
    /// Give each task to a member.
    Assignment,
}

impl ProposalKind {
    /// Every kind, in the order the API lists them.
    pub const ALL: [ProposalKind; 4] = [
        ProposalKind::Choice,
        ProposalKind::Subset,
        ProposalKind::Schedule,
        ProposalKind::Assignment,
    ];

    /// The kind as stored: `choice`, `subset`, `schedule`, `assignment`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalKind::Choice => "choice",
            ProposalKind::Subset => "subset",
            ProposalKind::Schedule => "schedule",
            ProposalKind::Assignment => "assignment",
        }
    }

    /// The kind named `name`; None for one this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Open for recommendations, choices and coordination.
    Open,
    /// Coordinated: it has a decision.
    Decided,
    /// Put away without a decision.
    Closed,
}

impl ProposalStatus {
    /// The status as stored: `open`, `decided`, `closed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalStatus::Open => "open",
            ProposalStatus::Decided => "decided",
            ProposalStatus::Closed => "closed",
        }
    }

    /// The status stored as `name`; None for one this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        [
            ProposalStatus::Open,
            ProposalStatus::Decided,
            ProposalStatus::Closed,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// An option of a proposal, or a task to assign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its id within the proposal.
    pub id: String,
    /// What it is, in a few words.
    pub label: String,
    /// More about it, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The day it is on, for a schedule's options (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The hours it takes that day, for a schedule's option that is a
    /// slot rather than a whole day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeSlot>,
    /// Where it came from, when the twins drafted it from their members'
    /// memories because the question came without options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ItemSource>,
}

/// Hours of a day, in the zone of each member's own calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSlot {
    /// When it starts (`HH:MM`).
    pub from: NaiveTime,
    /// When it ends (`HH:MM`), later the same day.
    pub to: NaiveTime,
}

/// A member's memory a drafted option comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSource {
    /// Whose memory.
    pub user: UserId,
    /// The memory.
    pub memory_id: String,
    /// What it says.
    pub text: String,
    /// The episode it was distilled from.
    pub episode_id: String,
}

impl Item {
    /// An item of `id` and `label`, nothing more known of it.
    pub fn new(id: impl Into<String>, label: impl Into<String>) -> Self {
        Item {
            id: id.into(),
            label: label.into(),
            details: None,
            date: None,
            time: None,
            sources: Vec::new(),
        }
    }

    /// Its label and details, the words a twin weighs it by.
    pub fn text(&self) -> String {
        match &self.details {
            Some(details) => format!("{}: {}", self.label, details),
            None => self.label.clone(),
        }
    }
}

/// A span of days to schedule in, on some weekdays only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayWindow {
    /// The first day.
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// The weekdays allowed (`mon` … `sun`, or full names); every day when
    /// empty.
    #[serde(default)]
    pub days: Vec<String>,
}

/// The most days a window may span: a schedule weighs each one.
pub const WINDOW_DAYS: i64 = 92;

impl DayWindow {
    /// The allowed weekdays; an error names a day this does not know.
    pub fn weekdays(&self) -> Result<Vec<Weekday>, InvalidProposal> {
        self.days
            .iter()
            .map(|d| {
                d.trim().parse::<Weekday>().map_err(|_| {
                    InvalidProposal::new(
                        "window.days",
                        format!("{d:?} is not a weekday (mon … sun)"),
                    )
                })
            })
            .collect()
    }

    /// The allowed days of the window, in order.
    pub fn dates(&self) -> Result<Vec<NaiveDate>, InvalidProposal> {
        let allowed = self.weekdays()?;
        Ok(self
            .from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .filter(|d| allowed.is_empty() || allowed.contains(&d.weekday()))
            .collect())
    }
}

/// A question of a project for its members to decide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Its id.
    pub id: ProposalId,
    /// The project it belongs to.
    pub project: ProjectId,
    /// What is asked.
    pub question: String,
    /// What kind of answer it takes.
    pub kind: ProposalKind,
    /// The options, for every kind but assignment.
    #[serde(default)]
    pub options: Vec<Item>,
    /// The tasks, for an assignment.
    #[serde(default)]
    pub tasks: Vec<Item>,
    /// The days a schedule may pick from, instead of options.
    #[serde(default)]
    pub window: Option<DayWindow>,
    /// Where it stands.
    pub status: ProposalStatus,
    /// When it stops taking choices, RFC 3339, if set.
    #[serde(default)]
    pub closes_at: Option<String>,
    /// The coordinated decision, once decided.
    #[serde(default)]
    pub decision: Option<serde_json::Value>,
    /// When it was made, RFC 3339 UTC.
    pub created_at: String,
}

/// What is wrong with a proposal, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidProposal {
    /// The request field at fault (`options`, `window.days`).
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl InvalidProposal {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        InvalidProposal {
            field,
            message: message.into(),
        }
    }
}

/// The most options or tasks a proposal may hold.
pub const MOST_ITEMS: usize = 50;

impl Proposal {
    /// Checks that the proposal holds what its kind needs: options (or a
    /// schedule's window with at least one allowed day), or tasks for an
    /// assignment; unique, non-empty item ids.
    pub fn check(&self) -> Result<(), InvalidProposal> {
        if self.question.trim().is_empty() {
            return Err(InvalidProposal::new("question", "must not be empty"));
        }
        let (field, items) = match self.kind {
            ProposalKind::Assignment => {
                if !self.options.is_empty() {
                    return Err(InvalidProposal::new(
                        "options",
                        "an assignment takes tasks, not options",
                    ));
                }
                ("tasks", &self.tasks)
            }
            _ if !self.tasks.is_empty() => {
                return Err(InvalidProposal::new(
                    "tasks",
                    format!(
                        "only an assignment takes tasks, not a {}",
                        self.kind.as_str()
                    ),
                ));
            }
            ProposalKind::Schedule if self.options.is_empty() => {
                let window = self.window.as_ref().ok_or_else(|| {
                    InvalidProposal::new("window", "a schedule needs options or a window")
                })?;
                if window.to < window.from {
                    return Err(InvalidProposal::new(
                        "window.to",
                        "comes before window.from",
                    ));
                }
                if (window.to - window.from).num_days() >= WINDOW_DAYS {
                    return Err(InvalidProposal::new(
                        "window",
                        format!("spans more than {WINDOW_DAYS} days"),
                    ));
                }
                if window.dates()?.is_empty() {
                    return Err(InvalidProposal::new(
                        "window.days",
                        "no day of the window is an allowed weekday",
                    ));
                }
                return Ok(());
            }
            _ => ("options", &self.options),
        };
        if items.is_empty() {
            return Err(InvalidProposal::new(
                field,
                format!("a {} needs at least one", self.kind.as_str()),
            ));
        }
        if items.len() > MOST_ITEMS {
            return Err(InvalidProposal::new(
                field,
                format!("at most {MOST_ITEMS}, not {}", items.len()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for item in items {
            if item.id.trim().is_empty() || item.label.trim().is_empty() {
                return Err(InvalidProposal::new(
                    field,
                    "every one needs an id and a label",
                ));
            }
            if !seen.insert(item.id.as_str()) {
                return Err(InvalidProposal::new(
                    field,
                    format!("id {:?} is given twice", item.id),
                ));
            }
        }
        if self.kind == ProposalKind::Schedule && items.iter().any(|i| i.date.is_none()) {
            return Err(InvalidProposal::new(
                "options",
                "a schedule's options each need a date (YYYY-MM-DD)",
            ));
        }
        if let Some(item) = items.iter().find(|i| i.time.is_some() && i.date.is_none()) {
            return Err(InvalidProposal::new(
                "options",
                format!("{:?} has a time but no date", item.id),
            ));
        }
        if let Some(item) = items
            .iter()
            .find(|i| i.time.is_some_and(|t| t.to <= t.from))
        {
            return Err(InvalidProposal::new(
                "options",
                format!("{:?} ends (time.to) before it starts (time.from)", item.id),
            ));
        }
        Ok(())
    }

    /// What the members weigh: the tasks of an assignment, a schedule's
    /// allowed days when it has a window and no options, else the options.
    pub fn candidates(&self) -> Vec<Item> {
        match (&self.kind, &self.window) {
            (ProposalKind::Assignment, _) => self.tasks.clone(),
            (ProposalKind::Schedule, Some(window)) if self.options.is_empty() => window
                .dates()
                .unwrap_or_default()
                .into_iter()
                .map(|date| Item {
                    date: Some(date),
                    ..Item::new(date.to_string(), date.format("%A %-d %B %Y").to_string())
                })
                .collect(),
            _ => self.options.clone(),
        }
    }
}

/// A member's own choice on a proposal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Who chose.
    pub user: UserId,
    /// The candidates chosen: one, or several for a subset.
    pub options: Vec<String>,
    /// When, RFC 3339 UTC.
    pub created_at: String,
}

/// What a member's twin last recommended on a proposal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommended {
    /// Whose twin.
    pub user: UserId,
    /// The candidate it put first, unless it vetoed them all.
    pub top: Option<String>,
    /// The whole ranking as returned (scores and reasons).
    pub ranking: serde_json::Value,
    /// When, RFC 3339 UTC.
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(kind: ProposalKind) -> Proposal {
        Proposal {
            id: ProposalId::new("p1").unwrap(),
            project: ProjectId::new("harbor").unwrap(),
            question: "What?".into(),
            kind,
            options: vec![],
            tasks: vec![],
            window: None,
            status: ProposalStatus::Open,
            closes_at: None,
            decision: None,
            created_at: "2026-12-01T00:00:00Z".into(),
        }
    }

    fn item(id: &str) -> Item {
        Item::new(id, id.to_uppercase())
    }

    #[test]
    fn each_kind_needs_what_it_decides_on() {
        let p = proposal(ProposalKind::Choice);
        assert_eq!(p.check().unwrap_err().field, "options");
        let mut p = proposal(ProposalKind::Assignment);
        p.options = vec![item("a")];
        assert_eq!(p.check().unwrap_err().field, "options");
        p.options.clear();
        p.tasks = vec![item("a"), item("a")];
        assert!(p.check().unwrap_err().message.contains("twice"));
        p.tasks = vec![item("a"), item("b")];
        p.check().unwrap();
        let mut p = proposal(ProposalKind::Subset);
        p.tasks = vec![item("a")];
        assert_eq!(p.check().unwrap_err().field, "tasks");
        let mut p = proposal(ProposalKind::Schedule);
        assert_eq!(p.check().unwrap_err().field, "window");
        p.options = vec![item("sat")];
        assert!(p.check().unwrap_err().message.contains("date"));
    }

    #[test]
    fn a_slot_is_hours_of_a_dated_option() {
        let slot: Item = serde_json::from_value(serde_json::json!({
            "id": "fri-eve", "label": "Friday evening", "date": "2026-12-11",
            "time": {"from": "18:00", "to": "22:30"}
        }))
        .unwrap();
        let time = slot.time.unwrap();
        assert_eq!(
            (time.from.to_string(), time.to.to_string()),
            ("18:00:00".to_string(), "22:30:00".to_string())
        );
        let mut p = proposal(ProposalKind::Schedule);
        p.options = vec![slot.clone()];
        p.check().unwrap();
        p.options[0].time = Some(TimeSlot {
            from: time.to,
            to: time.from,
        });
        let err = p.check().unwrap_err();
        assert_eq!(err.field, "options");
        assert!(err.message.contains("time.to"), "{err}");
        let mut p = proposal(ProposalKind::Choice);
        p.options = vec![Item { date: None, ..slot }];
        assert!(p.check().unwrap_err().message.contains("no date"));
    }

    #[test]
    fn a_window_gives_its_allowed_days() {
        let mut p = proposal(ProposalKind::Schedule);
        p.window = Some(DayWindow {
            from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            days: vec!["sat".into(), "Sunday".into()],
        });
        p.check().unwrap();
        let days: Vec<String> = p.candidates().into_iter().map(|c| c.id).collect();
        assert_eq!(
            days,
            ["2026-12-05", "2026-12-06", "2026-12-12", "2026-12-13"]
        );
        assert_eq!(
            p.candidates()
                .into_iter()
                .find(|c| c.id == "2026-12-12")
                .unwrap()
                .label,
            "Saturday 12 December 2026"
        );
        // A window whose allowed weekdays never fall in it is refused.
        p.window = Some(DayWindow {
            from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            days: vec!["sat".into()],
        });
        assert_eq!(p.check().unwrap_err().field, "window.days");
        p.window.as_mut().unwrap().days = vec!["caturday".into()];
        assert!(p.check().unwrap_err().message.contains("caturday"));
    }
}

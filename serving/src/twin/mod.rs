//! The twin: retrieval and grounded answers for one user's questions,
//! what it remembers about them ([`memories`], [`profile`]), and how it
//! learns from what they tell it ([`learn`]); and its part in projects:
//! drafting options for a question asked without any ([`candidates`]),
//! recommending on proposals ([`recommend`]), deciding with the other
//! members' twins ([`coordinate`]) and recording its member's own choice
//! ([`choice`]).

pub mod answer;
pub mod answerer;
pub mod assign;
pub mod availability;
pub mod candidates;
pub mod chat;
pub mod choice;
pub mod coordinate;
pub mod cues;
pub mod expansion;
pub mod feedback;
pub mod learn;
pub mod memories;
pub mod plan;
pub mod profile;
pub mod projects;
pub mod prompt;
pub mod recommend;
pub mod search;
pub mod stance;
pub mod summary;
pub mod terms;

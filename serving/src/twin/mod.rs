//! The twin: retrieval and grounded answers for one user's questions, and
//! what it remembers about them ([`memories`], [`profile`]).

pub mod answer;
pub mod chat;
pub mod cues;
pub mod expansion;
pub mod memories;
pub mod profile;
pub mod search;
pub mod terms;

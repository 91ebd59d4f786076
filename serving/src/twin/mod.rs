//! The twin: retrieval and grounded answers for one user's questions,
//! what it remembers about them ([`memories`], [`profile`]), and how it
//! learns from what they tell it ([`learn`]).

pub mod answer;
pub mod answerer;
pub mod chat;
pub mod cues;
pub mod expansion;
pub mod feedback;
pub mod learn;
pub mod memories;
pub mod plan;
pub mod profile;
pub mod prompt;
pub mod search;
pub mod summary;
pub mod terms;

//! The twin: retrieval and grounded answers for one user's questions.

pub mod answer;
pub mod chat;
pub mod cues;
pub mod search;
pub mod terms;

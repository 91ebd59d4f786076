//! Evaluation harnesses: each measures one ability of the twin on a
//! labelled file and prints its figures in the shared [`table`] style (a
//! table to the terminal, JSON with `--json`) so runs can be compared over
//! time.

pub mod alignment;
pub mod locomo;
pub mod memories;
pub mod table;

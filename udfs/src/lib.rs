//! # twinlake-udfs
//!
//! Pure per-record functions, the steps of the ingest pipeline:
//!
//! 1. [`parse`]: bytes of a TXT, Markdown, HTML or PDF file into text, with an
//!    [`offsets::OffsetMap`] from every text byte back to the source;
//! 2. [`normalize`]: line endings, control characters and runs of blank space
//!    tidied, the map carried along;
//! 3. [`chunk`]: token-bounded passages cut at paragraph and sentence
//!    boundaries, each with its source byte range;
//! 4. [`embed`]: batched sentence embeddings from the ONNX model ([`model`]
//!    finds and loads the model files and runtime).
//!
//! 5. [`extract`]: typed memories (preferences, dealbreakers, skills, ...)
//!    from an episode's words and structured fields; session summaries and
//!    the voice profile.
//!
//! Hashing for dedup is [`twinlake_core::ContentHash`]. None of these touch a
//! store, so each is tested on its own and reused by any engine (the
//! in-process pipeline today, Arroyo UDFs later).

#[cfg(feature = "model")]
pub mod chunk;
#[cfg(feature = "model")]
pub mod embed;
pub mod extract;
pub mod identity;
pub mod in_turn;
pub mod lexicon;
#[cfg(feature = "model")]
pub mod model;
pub mod normalize;
pub mod offsets;
pub mod parse;
pub mod stop_words;

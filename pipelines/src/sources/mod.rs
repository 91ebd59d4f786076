//! Sources: where footprint enters the pipeline.
//!
//! Each source turns its input into [`files::FileEnvelope`]s on the bus;
//! the ingest pipeline consumes them and reads each as one or more
//! [`Input`]s: a file's bytes ([`files`]), or the pages of a website
//! fetched over HTTP ([`website`]). A Kafka topic of envelopes is one more
//! source of the same records, and the turns a person says to their twin
//! are one more ([`chat_turns`]), and so are the choices they record on
//! their projects' proposals ([`decisions`]).

pub mod chat_turns;
pub mod decisions;
pub mod files;
pub mod website;

use std::path::PathBuf;

/// The bytes of one input, read from a file or fetched from a URL.
#[derive(Clone, Debug)]
pub struct Input {
    /// Where it came from: an absolute path or a URL.
    pub uri: String,
    /// The path its format is detected from (for URLs, the URL's path).
    pub name: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// When it was last modified, in µs since the epoch, UTC.
    pub modified_us: i64,
    /// The format name its source implies (`website` for fetched pages).
    pub format: Option<String>,
}

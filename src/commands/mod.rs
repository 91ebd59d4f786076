//! One module per subcommand.

pub mod bench;
pub mod episodes;
pub mod ingest;
pub mod job;
pub mod pipeline;
pub mod query;
pub mod serve;
pub mod stats;

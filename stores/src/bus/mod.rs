//! The bus between producers (ingest commands, uploads, chat turns) and
//! the ingest pipeline, chosen by URL: `embedded:///abs/dir` is a durable
//! log in the data directory ([`embedded`]); `kafka://host:port` is a Kafka
//! cluster ([`kafka`], with the `kafka` feature). See
//! [`twinlake_core::backend::Source`] for the consumer-group semantics
//! every bus keeps.

pub mod embedded;
#[cfg(feature = "kafka")]
pub mod kafka;

use std::path::PathBuf;
use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::Bus;
use twinlake_core::config::split_url;

use self::embedded::EmbeddedBus;
use crate::StoreError;

/// Opens the bus named by `url`.
pub fn open(url: &str) -> Result<Arc<dyn Bus>, StoreError> {
    match split_url(url) {
        Some(("embedded", path)) if path.starts_with('/') => {
            Ok(Arc::new(EmbeddedBus::open(&PathBuf::from(path))?))
        }
        #[cfg(feature = "kafka")]
        Some(("kafka", _)) => Ok(Arc::new(kafka::KafkaBus::open(url)?)),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "bus",
            url: url.into(),
            supported: if cfg!(feature = "kafka") {
                "embedded:///abs/dir, kafka://host:port"
            } else {
                "embedded:///abs/dir (this build has no kafka feature)"
            },
        }
        .into()),
    }
}

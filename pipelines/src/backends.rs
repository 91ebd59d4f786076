//! Opening every store from the configuration.
//!
//! The embedded engines (Qdrant edge shard, tantivy writer, bus log) are
//! single-process, so a process that opens them first takes an exclusive
//! lock on the data directory. A second process gets one clear error naming
//! the holder, instead of two writers corrupting an index.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::{BackendError, TextIndex, VectorIndex};
use twinlake_core::config::{Config, split_url};
use twinlake_core::lake::Lake;
use twinlake_udfs::embed::Embedder;
use twinlake_udfs::model::ModelFiles;
use twinlake_udfs::parse::dates;

use crate::PipelineError;
use crate::bus::embedded::EmbeddedBus;
use crate::sinks::{text, vectors};

/// An exclusive lock on a data directory, held while the value lives.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock on `dir`, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<Self, BackendError> {
        std::fs::create_dir_all(dir).map_err(|source| BackendError::Io {
            backend: "data dir",
            context: format!("create {}", dir.display()),
            source,
        })?;
        let path = dir.join("twinlake.lock");
        let io = |source| BackendError::Io {
            backend: "data dir",
            context: format!("lock {}", path.display()),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        if file.try_lock().is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(BackendError::Locked {
                backend: "data dir",
                path: dir.display().to_string(),
                holder: if holder.trim().is_empty() {
                    "unknown".into()
                } else {
                    holder.trim().to_string()
                },
            });
        }
        let me = format!(
            "pid {}: {}",
            std::process::id(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(me.as_bytes()).map_err(io)?;
        Ok(DataDirLock { _file: file })
    }
}

/// Every store a twinlake process uses, opened from one configuration.
pub struct Backends {
    /// The configuration they were opened from.
    pub config: Config,
    /// The lake (source of truth).
    pub lake: Lake,
    /// The vector index.
    pub vectors: Arc<dyn VectorIndex>,
    /// The full-text index.
    pub text: Arc<dyn TextIndex>,
    /// The embedding model.
    pub embedder: Arc<Embedder>,
    /// The zone of times an export gives without one (`ingest.time_zone`).
    pub local_zone: Option<dates::Tz>,
    /// Whether an index on disk had an older layout and is closed: run
    /// `twinlake_jobs::rebuild_indexes` before searching or ingesting.
    pub indexes_outdated: bool,
    _lock: DataDirLock,
}

impl Backends {
    /// Locks the data directory, loads the model and opens lake and indexes.
    pub fn open(config: &Config) -> Result<Self, PipelineError> {
        let local_zone = dates::zone_named(&config.ingest.time_zone).map_err(|message| {
            CoreError::ConfigValue {
                key: "ingest.time_zone".into(),
                message,
            }
        })?;
        let lock = DataDirLock::acquire(&config.data_dir)?;
        let files = ModelFiles::locate(&config.model)?;
        let embedder = Arc::new(Embedder::load(
            &files,
            config.model.effective_threads(),
            config.model.batch_size,
        )?);
        let lake = Lake::open(&config.lake)?;
        let vectors = vectors::open(&config.vectors.url, embedder.dim())?;
        let (text, indexes_outdated): (Arc<dyn TextIndex>, bool) =
            match text::open(&config.text.url) {
                Ok(text) => (text, false),
                Err(PipelineError::Backend(BackendError::Outdated { .. })) => {
                    (Arc::new(NoIndex), true)
                }
                Err(other) => return Err(other),
            };
        Ok(Backends {
            config: config.clone(),
            lake,
            vectors,
            text,
            embedder,
            local_zone,
            indexes_outdated,
            _lock: lock,
        })
    }

    /// The embedded bus named by `bus.url`.
    pub fn bus(&self) -> Result<EmbeddedBus, PipelineError> {
        Ok(EmbeddedBus::open(&bus_dir(&self.config)?)?)
    }

    /// The folders of the embedded indexes.
    pub fn index_dirs(&self) -> Vec<PathBuf> {
        [&self.config.vectors.url, &self.config.text.url]
            .into_iter()
            .filter_map(|url| split_url(url).map(|(_, p)| PathBuf::from(p)))
            .collect()
    }

    /// Drops and recreates both indexes, empty.
    pub fn reset_indexes(&mut self) -> Result<(), PipelineError> {
        // Close the engines before removing their files.
        self.vectors = Arc::new(NoIndex);
        self.text = Arc::new(NoIndex);
        for dir in self.index_dirs() {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| PipelineError::Input {
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
            }
        }
        self.reopen_indexes()?;
        self.indexes_outdated = false;
        Ok(())
    }

    /// Reopens both indexes from their URLs.
    pub fn reopen_indexes(&mut self) -> Result<(), PipelineError> {
        self.vectors = Arc::new(NoIndex);
        self.text = Arc::new(NoIndex);
        self.vectors = vectors::open(&self.config.vectors.url, self.embedder.dim())?;
        self.text = text::open(&self.config.text.url)?;
        Ok(())
    }
}

fn bus_dir(config: &Config) -> Result<PathBuf, PipelineError> {
    match split_url(&config.bus.url) {
        Some(("embedded", path)) if path.starts_with('/') => Ok(PathBuf::from(path)),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "bus",
            url: config.bus.url.clone(),
            supported: "embedded:///abs/dir (Kafka comes with the Kafka source)",
        }
        .into()),
    }
}

/// A placeholder index held while the real one is closed for a rebuild.
struct NoIndex;

impl twinlake_core::backend::ChunkIndex for NoIndex {
    fn upsert(&self, _: &[twinlake_core::record::Chunk]) -> Result<(), BackendError> {
        Err(BackendError::Engine {
            backend: "index",
            message: "closed for rebuild".into(),
        })
    }
    fn commit(&self) -> Result<(), BackendError> {
        Ok(())
    }
    fn count(&self, _: &twinlake_core::Scope) -> Result<u64, BackendError> {
        Ok(0)
    }
}

impl VectorIndex for NoIndex {
    fn search(
        &self,
        _: &twinlake_core::Scope,
        _: &[f32],
        _: usize,
    ) -> Result<Vec<twinlake_core::backend::ChunkHit>, BackendError> {
        Ok(Vec::new())
    }
}

impl TextIndex for NoIndex {
    fn search(
        &self,
        _: &twinlake_core::Scope,
        _: &str,
        _: usize,
    ) -> Result<Vec<twinlake_core::backend::ChunkHit>, BackendError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_data_dir_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = DataDirLock::acquire(dir.path()).unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("in use by another twinlake process") && err.contains("pid"),
            "{err}"
        );
        drop(held);
        DataDirLock::acquire(dir.path()).unwrap();
    }
}

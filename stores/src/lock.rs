//! The data directory's lock.
//!
//! The embedded engines (Qdrant edge shard, tantivy writer, bus log, SQLite)
//! are single-process, so a process that opens one first takes an
//! exclusive lock on the data directory. A second process gets one clear
//! error naming the holder, instead of two writers corrupting an index.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

use twinlake_core::backend::BackendError;

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

//! The file source: files and folders given to `twinlake ingest`.
//!
//! Folders are walked recursively in name order (hidden entries skipped), so
//! the same tree always yields the same envelopes in the same order. Each
//! file becomes one [`FileEnvelope`] naming its owner and absolute path.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, Producer};

use crate::PipelineError;
use crate::bus::FILES_TOPIC;

/// A request to ingest one file for one user: the bus message of the files topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEnvelope {
    /// Whose file it is.
    pub scope: Scope,
    /// Its absolute path.
    pub path: PathBuf,
    /// A forced format name (`--format`), else detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl FileEnvelope {
    /// Encodes the envelope as a bus payload.
    pub fn to_payload(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("envelopes serialise")
    }

    /// Decodes a bus payload.
    pub fn from_payload(payload: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(payload)
    }
}

/// Lists the files under `paths` (files as given, folders walked), each
/// made absolute. A path that does not exist is an error naming it.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PipelineError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| PipelineError::Input {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let abs = std::path::absolute(path).map_err(|e| PipelineError::Input {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_file() {
            files.push(abs);
            continue;
        }
        let walker = walkdir::WalkDir::new(&abs)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|e| PipelineError::Input {
                path: e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| abs.clone()),
                message: e.to_string(),
            })?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    Ok(files)
}

/// Publishes one envelope per file to the files topic; returns how many.
pub async fn publish(
    producer: &dyn Producer,
    scope: &Scope,
    files: &[PathBuf],
    format: Option<&str>,
) -> Result<usize, BackendError> {
    for path in files {
        let envelope = FileEnvelope {
            scope: scope.clone(),
            path: path.clone(),
            format: format.map(str::to_string),
        };
        let key = format!("{scope}");
        producer
            .send(FILES_TOPIC, key.as_bytes(), &envelope.to_payload())
            .await?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_in_order_without_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/sub")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for f in [
            "b/sub/z.txt",
            "b/a.md",
            "c.txt",
            ".hidden.txt",
            ".git/config",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let found = discover(&[root.to_path_buf()]).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_str().unwrap())
            .collect();
        assert_eq!(rel, ["b/a.md", "b/sub/z.txt", "c.txt"]);
        let err = discover(&[root.join("missing.txt")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.txt"), "{err}");
    }

    #[test]
    fn envelopes_round_trip() {
        let e = FileEnvelope {
            scope: Scope::parse("t", "u").unwrap(),
            path: "/a/b.txt".into(),
            format: Some("pdf".into()),
        };
        assert_eq!(FileEnvelope::from_payload(&e.to_payload()).unwrap(), e);
        assert!(
            FileEnvelope::from_payload(br#"{"scope":{"tenant":"../x","user":"u"},"path":"/a"}"#)
                .is_err()
        );
    }
}

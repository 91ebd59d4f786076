//! The file source: files, folders and URLs given to `twinlake ingest`.
//!
//! Folders are walked recursively in name order (hidden entries skipped), so
//! the same tree always yields the same envelopes in the same order. Each
//! file (or website URL) becomes one [`FileEnvelope`] naming its owner, its
//! absolute path or URL, and the names the owner goes by in it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, Producer};

use super::Input;
use crate::PipelineError;
use crate::bus::FILES_TOPIC;
use crate::error::FileError;

/// How the files of one ingest are to be read (`--format`, `--me`,
/// `--strict`): the same for each file it names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// A forced format name (`--format`), else detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Names the owner goes by in this input (`--me`), besides those configured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub me: Vec<String>,
    /// Refuse an export at its first bad record instead of skipping the
    /// record with a warning (`--strict`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
}

impl ReadOptions {
    /// Options that force `format` and change nothing else.
    pub fn format(format: &str) -> Self {
        ReadOptions {
            format: Some(format.to_string()),
            ..ReadOptions::default()
        }
    }
}

/// A request to ingest one file for one user: the bus message of the files topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEnvelope {
    /// Whose file it is.
    pub scope: Scope,
    /// Its absolute path.
    pub path: PathBuf,
    /// How to read it.
    #[serde(flatten)]
    pub options: ReadOptions,
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

    /// The URL, when the envelope names a website rather than a file.
    pub fn url(&self) -> Option<&str> {
        self.path.to_str().filter(|p| is_url(p))
    }
}

/// Whether an ingest argument is an HTTP(S) URL rather than a path.
pub fn is_url(arg: &str) -> bool {
    arg.starts_with("http://") || arg.starts_with("https://")
}

/// Reads one file, refusing it when over `max_bytes`.
pub fn read(path: &Path, max_bytes: u64) -> Result<Input, FileError> {
    let meta = std::fs::metadata(path).map_err(FileError::Read)?;
    if meta.len() > max_bytes {
        return Err(FileError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(FileError::Read)?;
    let modified_us = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_micros() as i64);
    Ok(Input {
        uri: path.display().to_string(),
        name: path.to_path_buf(),
        bytes,
        modified_us,
        format: None,
    })
}

/// Lists the files under `paths` (files as given, folders walked), each
/// made absolute; URLs pass through as they are. A path that does not exist
/// is an error naming it.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PipelineError> {
    let mut files = Vec::new();
    for path in paths {
        if path.to_str().is_some_and(is_url) {
            files.push(path.clone());
            continue;
        }
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
    options: &ReadOptions,
) -> Result<usize, BackendError> {
    for path in files {
        let envelope = FileEnvelope {
            scope: scope.clone(),
            path: path.clone(),
            options: options.clone(),
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
        let url = PathBuf::from("https://alice.example/");
        assert_eq!(discover(std::slice::from_ref(&url)).unwrap(), [url]);
    }

    #[test]
    fn envelopes_round_trip() {
        let e = FileEnvelope {
            scope: Scope::parse("t", "u").unwrap(),
            path: "/a/b.txt".into(),
            options: ReadOptions {
                format: Some("pdf".into()),
                me: vec!["Alice Martin".into()],
                strict: true,
            },
        };
        assert_eq!(e.url(), None);
        assert_eq!(FileEnvelope::from_payload(&e.to_payload()).unwrap(), e);
        // Envelopes written before `strict` existed still read, as lenient.
        let old = FileEnvelope::from_payload(
            br#"{"scope":{"tenant":"t","user":"u"},"path":"/a","format":"pdf"}"#,
        )
        .unwrap();
        assert_eq!(old.options.format.as_deref(), Some("pdf"));
        assert!(!old.options.strict);
        assert!(
            FileEnvelope::from_payload(br#"{"scope":{"tenant":"../x","user":"u"},"path":"/a"}"#)
                .is_err()
        );
    }
}

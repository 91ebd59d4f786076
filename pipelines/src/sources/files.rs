//! The file source: files, folders and URLs given to `twinlake ingest`,
//! and files posted to the API.
//!
//! Folders are walked recursively in name order (hidden entries skipped), so
//! the same tree always yields the same envelopes in the same order. Each
//! file (or website URL) becomes one [`FileEnvelope`] naming its owner,
//! where it came from, and how to read it. A file's bytes travel through
//! the lake, never as a local path: they are stored under the owner's
//! `raw/<tenant>/<user>/` prefix and the envelope names that object, so a
//! worker on another machine reads them. Producers without access to the
//! lake may put small files in the envelope itself (`content_base64`).
//! `schemas/file-envelope.schema.json` documents the envelope for
//! producers in other languages.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use twinlake_core::backend::Producer;
use twinlake_core::lake::Lake;
use twinlake_core::{ContentHash, Scope};

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

/// A request to ingest one file (or website) for one user: the bus
/// message of the files topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEnvelope {
    /// Whose file it is.
    pub scope: Scope,
    /// Where it came from, as its producer names it (an absolute path, an
    /// upload's lake URL, a website's URL): every episode of it cites this.
    /// Envelopes from before the lake carried bytes called it `path`.
    #[serde(alias = "path")]
    pub uri: String,
    /// The lake object holding its bytes, under `raw/<tenant>/<user>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Or its bytes themselves, in standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// Its size in bytes, so an oversized file is refused unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// When it was last modified, µs since the epoch (calendar recurrences
    /// are expanded from it); the time it is read when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_us: Option<i64>,
    /// How to read it.
    #[serde(flatten)]
    pub options: ReadOptions,
}

impl FileEnvelope {
    /// An envelope of `scope`'s file from `uri`, carrying no bytes yet,
    /// read with default options.
    pub fn new(scope: Scope, uri: impl Into<String>) -> Self {
        FileEnvelope {
            scope,
            uri: uri.into(),
            object: None,
            content_base64: None,
            size: None,
            modified_us: None,
            options: ReadOptions::default(),
        }
    }

    /// An envelope of `scope`'s entries from `uri` carrying `bytes` of
    /// format `format` itself: what the server publishes of its own
    /// records (chat turns, choices).
    pub fn carrying(scope: Scope, uri: impl Into<String>, format: &str, bytes: &[u8]) -> Self {
        FileEnvelope {
            size: Some(bytes.len() as u64),
            content_base64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            options: ReadOptions::format(format),
            ..FileEnvelope::new(scope, uri)
        }
    }

    /// The format and the one entry an envelope of the server's own records
    /// carries, as the pipeline will read it.
    #[cfg(test)]
    pub(crate) fn only_entry(&self) -> (twinlake_udfs::parse::Format, twinlake_udfs::parse::Entry) {
        use twinlake_udfs::parse::{self, Format, ParseContext, Parsed};
        let format = Format::from_name(self.options.format.as_deref().unwrap()).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.content_base64.as_deref().unwrap())
            .unwrap();
        let Parsed::Export(export) =
            parse::parse(&bytes, format, &ParseContext::default()).unwrap()
        else {
            panic!("{} is not an export of entries", self.uri);
        };
        let [entry] = &export.entries[..] else {
            panic!("{:?}", export.entries);
        };
        (format, entry.clone())
    }

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
        let no_bytes = self.object.is_none() && self.content_base64.is_none();
        Some(self.uri.as_str()).filter(|u| no_bytes && is_url(u))
    }

    /// The key partitioning the files topic: the owner, so one person's
    /// files stay in order.
    pub fn key(&self) -> String {
        self.scope.to_string()
    }
}

/// The lake object a file of `scope` with these bytes is kept in:
/// `raw/<tenant>/<user>/<content hash, 16 hex>/<name>`.
pub fn raw_object(scope: &Scope, bytes: &[u8], name: &str) -> String {
    let hash = ContentHash::of(bytes).to_hex();
    format!("raw/{}/{}/{}/{name}", scope.tenant, scope.user, &hash[..16])
}

/// Reads the bytes an envelope carries or names: its lake object (which
/// must lie under its owner's `raw/` prefix), its inline content, or, for
/// envelopes from older producers, the local file its `uri` names.
pub async fn read_envelope(
    lake: &Lake,
    envelope: &FileEnvelope,
    max_bytes: u64,
) -> Result<Input, FileError> {
    if let Some(size) = envelope.size.filter(|&size| size > max_bytes) {
        return Err(FileError::TooLarge {
            size,
            limit: max_bytes,
        });
    }
    let bytes = match (&envelope.object, &envelope.content_base64) {
        (Some(object), _) => {
            let owner = format!("raw/{}/{}/", envelope.scope.tenant, envelope.scope.user);
            let parts: Vec<&str> = object.split('/').collect();
            if !object.starts_with(&owner)
                || parts
                    .iter()
                    .any(|p| p.is_empty() || *p == "." || *p == "..")
            {
                return Err(FileError::Envelope(format!(
                    "object {object:?} is not under its owner's {owner} prefix"
                )));
            }
            let bytes = lake
                .get(&lake.child(&parts))
                .await
                .map_err(|e| FileError::Read(std::io::Error::other(e.to_string())))?;
            bytes.to_vec()
        }
        (None, Some(content)) => base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|e| FileError::Envelope(format!("content_base64: {e}")))?,
        (None, None) => {
            let path = PathBuf::from(&envelope.uri);
            return tokio::task::spawn_blocking(move || read(&path, max_bytes))
                .await
                .map_err(|e| FileError::Read(std::io::Error::other(e.to_string())))?;
        }
    };
    if bytes.len() as u64 > max_bytes {
        return Err(FileError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    let modified_us = envelope
        .modified_us
        .unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
    Ok(Input {
        uri: envelope.uri.clone(),
        name: PathBuf::from(&envelope.uri),
        bytes,
        modified_us,
        format: None,
    })
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

/// A file (or URL) found by [`discover`]: where to read it on this
/// machine, and the name its episodes cite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundFile {
    /// The absolute path (or the URL).
    pub path: PathBuf,
    /// What citations call it: its path below the parent of the folder it
    /// was found in (`alice/notes/trip.md` for `ingest ~/alice`), the
    /// file's own name when it was named alone, or the URL. Never an
    /// absolute path: the name is shown to whoever reads the twin, on
    /// whatever server it runs.
    pub name: String,
}

impl FoundFile {
    /// A file named alone: cited by its file name.
    pub fn alone(path: PathBuf) -> Self {
        let name = if path.to_str().is_some_and(is_url) {
            path.display().to_string()
        } else {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into())
        };
        FoundFile { path, name }
    }

    /// A file found walking the folder `root`: cited by its path below
    /// `root`'s parent, so the folder's own name is kept.
    fn below(path: PathBuf, root: &Path) -> Self {
        let base = root.parent().unwrap_or(root);
        let name = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        FoundFile { path, name }
    }
}

/// Lists the files under `paths` (files as given, folders walked), each
/// with its absolute path and the name it is cited by ([`FoundFile`]);
/// URLs pass through as they are. A path that does not exist is an error
/// naming it.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<FoundFile>, PipelineError> {
    let mut files = Vec::new();
    for path in paths {
        if path.to_str().is_some_and(is_url) {
            files.push(FoundFile::alone(path.clone()));
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
            files.push(FoundFile::alone(abs));
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
                files.push(FoundFile::below(entry.into_path(), &abs));
            }
        }
    }
    Ok(files)
}

/// Publishes one envelope per file (or URL) to the files topic; returns
/// how many. Each file's bytes are first kept in the lake under its
/// owner's `raw/` prefix (once per content); a file over `max_bytes` is
/// sent by name and size alone, for the pipeline to refuse.
pub async fn publish(
    producer: &dyn Producer,
    lake: &Lake,
    scope: &Scope,
    files: &[FoundFile],
    options: &ReadOptions,
    max_bytes: u64,
) -> Result<usize, PipelineError> {
    for FoundFile { path, name } in files {
        let mut envelope = FileEnvelope {
            options: options.clone(),
            ..FileEnvelope::new(scope.clone(), name.clone())
        };
        if !is_url(name) {
            let unreadable = |e: std::io::Error| PipelineError::Input {
                path: path.clone(),
                message: e.to_string(),
            };
            let meta = tokio::fs::metadata(path).await.map_err(unreadable)?;
            envelope.size = Some(meta.len());
            envelope.modified_us = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_micros() as i64);
            if meta.len() <= max_bytes {
                let bytes = tokio::fs::read(path).await.map_err(unreadable)?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "file".into());
                envelope.object = Some(keep_raw(lake, scope, &name, bytes.into()).await?.key);
            }
        }
        producer
            .send(
                FILES_TOPIC,
                envelope.key().as_bytes(),
                &envelope.to_payload(),
            )
            .await?;
    }
    Ok(files.len())
}

/// A file's bytes kept in the lake by [`keep_raw`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawObject {
    /// The object's key under the lake.
    pub key: String,
    /// Whether this call wrote it (false: the same bytes under the same
    /// name were already kept, perhaps by an ingest that stored them).
    pub created: bool,
}

/// Keeps a file's bytes in the lake under its owner's `raw/` prefix (once
/// per content).
pub async fn keep_raw(
    lake: &Lake,
    scope: &Scope,
    name: &str,
    bytes: bytes::Bytes,
) -> Result<RawObject, PipelineError> {
    let key = raw_object(scope, &bytes, name);
    let path = lake.child(&key.split('/').collect::<Vec<_>>());
    let created = !lake.exists(&path).await?;
    if created {
        lake.put(&path, bytes).await?;
    }
    Ok(RawObject { key, created })
}

/// Deletes a kept file that was refused, if this ingest is the one that
/// kept it: bytes an earlier ingest stored stay for its episodes.
pub async fn drop_refused_raw(lake: &Lake, raw: &RawObject) -> Result<(), PipelineError> {
    if raw.created {
        lake.delete(&lake.child(&raw.key.split('/').collect::<Vec<_>>()))
            .await?;
    }
    Ok(())
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
            .map(|f| f.path.strip_prefix(root).unwrap().to_str().unwrap())
            .collect();
        assert_eq!(rel, ["b/a.md", "b/sub/z.txt", "c.txt"]);
        // Cited below the folder's parent; a file named alone by its name.
        let folder = root.file_name().unwrap().to_str().unwrap();
        let names: Vec<_> = found.iter().map(|f| f.name.clone()).collect();
        assert_eq!(
            names,
            ["b/a.md", "b/sub/z.txt", "c.txt"].map(|n| format!("{folder}/{n}"))
        );
        let alone = discover(&[root.join("b/a.md")]).unwrap();
        assert_eq!(alone[0].name, "a.md");
        let err = discover(&[root.join("missing.txt")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.txt"), "{err}");
        let url = PathBuf::from("https://alice.example/");
        let site = discover(std::slice::from_ref(&url)).unwrap();
        assert_eq!(
            (site[0].path.clone(), site[0].name.as_str()),
            (url, "https://alice.example/")
        );
    }

    #[test]
    fn envelopes_round_trip() {
        let e = FileEnvelope {
            scope: Scope::parse("t", "u").unwrap(),
            uri: "/a/b.txt".into(),
            object: Some("raw/t/u/0123456789abcdef/b.txt".into()),
            size: Some(3),
            modified_us: Some(7),
            options: ReadOptions {
                format: Some("pdf".into()),
                me: vec!["Alice Martin".into()],
                strict: true,
            },
            content_base64: None,
        };
        assert_eq!(e.url(), None);
        assert_eq!(FileEnvelope::from_payload(&e.to_payload()).unwrap(), e);
        let site = FileEnvelope::new(Scope::parse("t", "u").unwrap(), "https://alice.example/");
        assert_eq!(site.url(), Some("https://alice.example/"));
        // Envelopes written before `strict` existed still read, as lenient.
        let old = FileEnvelope::from_payload(
            br#"{"scope":{"tenant":"t","user":"u"},"path":"/a","format":"pdf"}"#,
        )
        .unwrap();
        assert_eq!(old.options.format.as_deref(), Some("pdf"));
        assert_eq!((old.uri.as_str(), old.object.as_deref()), ("/a", None));
        assert!(!old.options.strict);
        assert!(
            FileEnvelope::from_payload(br#"{"scope":{"tenant":"../x","user":"u"},"path":"/a"}"#)
                .is_err()
        );
    }
}

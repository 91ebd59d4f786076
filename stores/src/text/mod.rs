//! The full-text index, chosen by URL: `tantivy:///abs/dir` is the embedded
//! tantivy index in the data directory.

pub mod tantivy;

use std::path::PathBuf;
use std::sync::Arc;

use twinlake_core::CoreError;
use twinlake_core::backend::TextIndex;
use twinlake_core::config::split_url;

use crate::StoreError;

/// Opens the text index named by `url`; queries are read for typos with
/// the lexicon of the tokenizer at `lexicon_file`, if given.
pub fn open(url: &str, lexicon_file: Option<PathBuf>) -> Result<Arc<dyn TextIndex>, StoreError> {
    match split_url(url) {
        Some(("tantivy", path)) if path.starts_with('/') => Ok(Arc::new(
            tantivy::TantivyTextIndex::open(std::path::Path::new(path), lexicon_file)?,
        )),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "text",
            url: url.into(),
            supported: "tantivy:///abs/dir",
        }
        .into()),
    }
}

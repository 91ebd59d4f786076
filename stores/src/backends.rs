//! Opening every store from the configuration.
//!
//! The embedding model loads on first use ([`Backends::embedder`]): jobs
//! that only read the lake (stats, episodes, distillation) never load it.
//! The embedding width they need for the chunk tables is recorded in the
//! lake ([`Lake::embedding_width`]) when a store first opens on it.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokenizers::Tokenizer;
use tokio::sync::OnceCell;
use twinlake_core::CoreError;
use twinlake_core::backend::{
    ApiKeys, BackendError, Bus, ChatLog, Embedder, GraphStore, Projects, TextIndex, VectorIndex,
};
use twinlake_core::config::{Config, split_url};
use twinlake_core::lake::Lake;
use twinlake_udfs::model::{ModelFiles, load_tokenizer};
use twinlake_udfs::parse::dates;

use crate::closed::Closed;
use crate::lock::DataDirLock;
use crate::{StoreError, bus, chat_log, embedder, graph, text, vectors};

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
    /// The chat log, in the relational store.
    pub chat_log: Arc<dyn ChatLog>,
    /// The API keys, in the relational store.
    pub api_keys: Arc<dyn ApiKeys>,
    /// Projects and their proposals, in the relational store.
    pub projects: Arc<dyn Projects>,
    /// The knowledge graph.
    pub graph: Arc<dyn GraphStore>,
    /// The zone of times an export gives without one (`ingest.time_zone`).
    pub local_zone: Option<dates::Tz>,
    /// Whether an index on disk had an older layout and is closed: rebuild
    /// the indexes from the lake before searching or ingesting.
    pub indexes_outdated: bool,
    dim: usize,
    embedder: OnceCell<Arc<dyn Embedder>>,
    tokenizer: OnceLock<Arc<Tokenizer>>,
    bus: OnceLock<Arc<dyn Bus>>,
    _lock: Option<DataDirLock>,
}

impl Backends {
    /// Opens lake, indexes and chat log; locks the data directory when an
    /// embedded engine lives there.
    pub async fn open(config: &Config) -> Result<Self, StoreError> {
        let local_zone = dates::zone_named(&config.ingest.time_zone).map_err(|message| {
            CoreError::ConfigValue {
                key: "ingest.time_zone".into(),
                message,
            }
        })?;
        let lock = uses_data_dir(config)
            .then(|| DataDirLock::acquire(&config.data_dir))
            .transpose()?;
        let lake = Lake::open(&config.lake)?;
        let loaded = OnceCell::new();
        let dim = match lake.embedding_width().await? {
            Some(dim) => dim,
            None => {
                let model = embedder::open(&config.model).await?;
                let dim = model.dim();
                lake.record_embedding_width(dim).await?;
                let _ = loaded.set(model);
                dim
            }
        };
        let vectors = vectors::open(&config.vectors.url, dim)?;
        let (text, indexes_outdated): (Arc<dyn TextIndex>, bool) =
            match text::open(&config.text.url, lexicon_file(config)) {
                Ok(text) => (text, false),
                Err(StoreError::Backend(BackendError::Outdated { .. })) => (Arc::new(Closed), true),
                Err(other) => return Err(other),
            };
        let relational = chat_log::open_relational(&config.relational.url).await?;
        let graph = graph::open(&config.graph.url, &lake)?;
        Ok(Backends {
            config: config.clone(),
            lake,
            vectors,
            text,
            chat_log: relational.chat_log,
            api_keys: relational.api_keys,
            projects: relational.projects,
            graph,
            local_zone,
            indexes_outdated,
            dim,
            embedder: loaded,
            tokenizer: OnceLock::new(),
            bus: OnceLock::new(),
            _lock: lock,
        })
    }

    /// The width of every embedding in the lake and the vector index.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The embedder `model.url` names, loaded on first use. Refuses a
    /// model whose width differs from the lake's.
    pub async fn embedder(&self) -> Result<Arc<dyn Embedder>, StoreError> {
        let model = self
            .embedder
            .get_or_try_init(|| embedder::open(&self.config.model))
            .await?;
        if model.dim() != self.dim {
            return Err(CoreError::ConfigValue {
                key: "model".into(),
                message: format!(
                    "the model gives {}-float embeddings but the lake holds {}: \
                     use the lake's model, or start a new lake",
                    model.dim(),
                    self.dim
                ),
            }
            .into());
        }
        Ok(model.clone())
    }

    /// The model's tokenizer, which the chunker counts tokens with (loaded
    /// on first use; the model itself is not needed).
    pub fn tokenizer(&self) -> Result<Arc<Tokenizer>, StoreError> {
        if let Some(t) = self.tokenizer.get() {
            return Ok(t.clone());
        }
        let path = ModelFiles::locate_tokenizer(&self.config.model)?;
        let loaded = Arc::new(load_tokenizer(&path)?);
        Ok(self.tokenizer.get_or_init(|| loaded).clone())
    }

    /// The bus named by `bus.url`, opened on first use and shared by
    /// every caller (one producer and its connections per process).
    pub fn bus(&self) -> Result<Arc<dyn Bus>, StoreError> {
        if let Some(bus) = self.bus.get() {
            return Ok(bus.clone());
        }
        let opened = bus::open(&self.config.bus.url)?;
        Ok(self.bus.get_or_init(|| opened).clone())
    }

    /// Opens empty indexes beside the live ones, for a rebuild that leaves
    /// the live ones answering until [`Backends::swap_indexes`]. Embedded
    /// indexes are built in `<dir>.rebuild`; a leftover one from an
    /// interrupted rebuild is removed first.
    pub fn open_aside(&self) -> Result<AsideIndexes, StoreError> {
        let vectors_url = aside_url(&self.config.vectors.url)?;
        let text_url = aside_url(&self.config.text.url)?;
        for url in [&vectors_url, &text_url] {
            remove_dir_of(url)?;
        }
        Ok(AsideIndexes {
            vectors: vectors::open(&vectors_url, self.dim)?,
            text: text::open(&text_url, lexicon_file(&self.config))?,
            urls: [vectors_url, text_url],
        })
    }

    /// Puts the indexes built aside in the live ones' place: each live
    /// index is closed, its folder replaced by the aside one, and reopened.
    pub fn swap_indexes(&mut self, aside: AsideIndexes) -> Result<(), StoreError> {
        let AsideIndexes {
            vectors: built_vectors,
            text: built_text,
            urls,
        } = aside;
        // Close every handle on the folders before moving them.
        drop((built_vectors, built_text));
        self.vectors = Arc::new(Closed);
        self.text = Arc::new(Closed);
        let live = [
            self.config.vectors.url.clone(),
            self.config.text.url.clone(),
        ];
        for (aside_url, live_url) in urls.iter().zip(&live) {
            let (from, to) = (dir_of(aside_url)?, dir_of(live_url)?);
            let old = to.with_extension("old");
            let io = |context: String| {
                move |source| BackendError::Io {
                    backend: "index swap",
                    context,
                    source,
                }
            };
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(io(format!("remove {}", old.display())))?;
            }
            if to.exists() {
                std::fs::rename(&to, &old).map_err(io(format!("move {} aside", to.display())))?;
            }
            std::fs::rename(&from, &to)
                .map_err(io(format!("move {} into place", from.display())))?;
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(io(format!("remove {}", old.display())))?;
            }
        }
        self.vectors = vectors::open(&self.config.vectors.url, self.dim)?;
        self.text = text::open(&self.config.text.url, lexicon_file(&self.config))?;
        self.indexes_outdated = false;
        Ok(())
    }
}

/// Indexes opened beside the live ones by [`Backends::open_aside`].
pub struct AsideIndexes {
    /// The vector index being built.
    pub vectors: Arc<dyn VectorIndex>,
    /// The text index being built.
    pub text: Arc<dyn TextIndex>,
    urls: [String; 2],
}

/// The folder of an embedded index's URL.
fn dir_of(url: &str) -> Result<PathBuf, StoreError> {
    match split_url(url) {
        Some(("edge" | "tantivy", path)) if path.starts_with('/') => Ok(PathBuf::from(path)),
        _ => Err(CoreError::UnsupportedUrl {
            concern: "index rebuild",
            url: url.into(),
            supported: "edge:///abs/dir, tantivy:///abs/dir",
        }
        .into()),
    }
}

/// The URL of the folder an embedded index is rebuilt in.
fn aside_url(url: &str) -> Result<String, StoreError> {
    let dir = dir_of(url)?;
    let (scheme, _) = split_url(url).expect("dir_of checked it");
    Ok(format!("{scheme}://{}.rebuild", dir.display()))
}

fn remove_dir_of(url: &str) -> Result<(), StoreError> {
    let dir = dir_of(url)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|source| BackendError::Io {
            backend: "index rebuild",
            context: format!("remove {}", dir.display()),
            source,
        })?;
    }
    Ok(())
}

/// Whether any store of `config` keeps its files in the data directory
/// (an embedded engine), so the process must hold the directory's lock.
fn uses_data_dir(config: &Config) -> bool {
    [
        &config.vectors.url,
        &config.text.url,
        &config.bus.url,
        &config.relational.url,
    ]
    .into_iter()
    .any(|url| {
        matches!(
            split_url(url).map(|(scheme, _)| scheme),
            Some("edge" | "tantivy" | "embedded" | "sqlite")
        )
    })
}

/// The tokenizer file whose vocabulary tells typos from words, if this
/// machine has it (it is read only when a query holds an unknown word).
fn lexicon_file(config: &Config) -> Option<PathBuf> {
    ModelFiles::locate_tokenizer(&config.model).ok()
}

//! The embedded full-text index: tantivy, BM25 over chunk text.
//!
//! Text is analysed for English: lower-cased, stop words removed, stemmed
//! (Snowball), so "allergic" finds "allergy". A chunk's neighbour context
//! (the messages around it) is a second field searched with a lower
//! boost ([`CONTEXT_BOOST`]): a query term found in both adds both fields'
//! BM25 scores, so a reply is found by the question it answers, yet a
//! chunk that says the words itself ranks higher. Tenant and user are raw
//! keyword fields that every query must match. Queries are parsed
//! leniently (any term matches, syntax errors ignored): a user's question is
//! not a query language.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use twinlake_core::Scope;
use twinlake_core::backend::{BackendError, ChunkHit, ChunkIndex, TextIndex, on_blocking_pool};
use twinlake_core::record::{Chunk, SourceKind, SourceRef};

const BACKEND: &str = "tantivy";
const ANALYZER: &str = "twinlake_en";

/// Weight of a match in the neighbour context against one in the text
/// itself; 0.7 was best of 0.2-1.0 on the LoCoMo dev file (`twinlake eval
/// locomo`), and anything from 0.5 to 0.9 was within a point of it.
pub const CONTEXT_BOOST: f32 = 0.7;

fn engine(e: impl std::fmt::Display) -> BackendError {
    BackendError::Engine {
        backend: BACKEND,
        message: e.to_string(),
    }
}

struct Fields {
    chunk_id: Field,
    episode_id: Field,
    tenant: Field,
    user: Field,
    text: Field,
    context: Field,
    author: Field,
    is_self: Field,
    source_kind: Field,
    source_uri: Field,
    byte_start: Field,
    byte_end: Field,
    page: Field,
    line: Field,
    message_id: Field,
    occurred_at_us: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text_options = TextOptions::default()
        .set_stored()
        .set_indexing_options(indexing.clone());
    let context_options = TextOptions::default().set_indexing_options(indexing);
    let fields = Fields {
        chunk_id: b.add_text_field("chunk_id", STRING | STORED),
        episode_id: b.add_text_field("episode_id", STORED),
        tenant: b.add_text_field("tenant", STRING),
        user: b.add_text_field("user", STRING),
        text: b.add_text_field("text", text_options),
        context: b.add_text_field("context", context_options),
        author: b.add_text_field("author", STORED),
        is_self: b.add_u64_field("is_self", STORED),
        source_kind: b.add_text_field("source_kind", STORED),
        source_uri: b.add_text_field("source_uri", STORED),
        byte_start: b.add_u64_field("byte_start", STORED),
        byte_end: b.add_u64_field("byte_end", STORED),
        page: b.add_u64_field("page", STORED),
        line: b.add_u64_field("line", STORED),
        message_id: b.add_text_field("message_id", STORED),
        occurred_at_us: b.add_i64_field("occurred_at_us", STORED | INDEXED),
    };
    (b.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            twinlake_udfs::stop_words::ENGLISH
                .iter()
                .map(|w| w.to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// tantivy index of chunks, in one directory. Every call runs on the
/// blocking pool.
pub struct TantivyTextIndex {
    engine: Arc<Engine>,
}

/// The index, its reader and its one writer, shared with the blocking pool.
struct Engine {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl TantivyTextIndex {
    /// Opens the index in `dir`, creating it if empty.
    pub fn open(dir: &Path) -> Result<Self, BackendError> {
        Ok(TantivyTextIndex {
            engine: Arc::new(Engine::open(dir)?),
        })
    }

    /// Runs `work` on the engine, on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let engine = self.engine.clone();
        on_blocking_pool(BACKEND, move || work(&engine)).await
    }
}

impl Engine {
    /// Opens the index in `dir`, creating it if empty.
    pub fn open(dir: &Path) -> Result<Self, BackendError> {
        std::fs::create_dir_all(dir).map_err(|source| BackendError::Io {
            backend: BACKEND,
            context: format!("create {}", dir.display()),
            source,
        })?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(engine)?;
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            tantivy::TantivyError::SchemaError(_) => BackendError::Outdated {
                backend: BACKEND,
                location: dir.display().to_string(),
            },
            other => BackendError::Corrupt {
                backend: BACKEND,
                location: dir.display().to_string(),
                message: other.to_string(),
            },
        })?;
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index
            .writer_with_num_threads(1, 32_000_000)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => BackendError::Locked {
                    backend: BACKEND,
                    path: dir.display().to_string(),
                    holder: "another index writer".into(),
                },
                other => engine(other),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine)?;
        Ok(Engine {
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
        })
    }

    fn scope_clauses(&self, scope: &Scope) -> Vec<(Occur, Box<dyn Query>)> {
        let term = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        vec![
            (Occur::Must, term(self.fields.tenant, scope.tenant.as_str())),
            (Occur::Must, term(self.fields.user, scope.user.as_str())),
        ]
    }

    fn hit(&self, doc: &TantivyDocument, score: f32) -> Result<ChunkHit, BackendError> {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let num = |field| doc.get_first(field).and_then(|v| v.as_u64());
        let kind = text(f.source_kind).unwrap_or_default();
        Ok(ChunkHit {
            chunk_id: text(f.chunk_id).unwrap_or_default(),
            episode_id: text(f.episode_id).unwrap_or_default(),
            text: text(f.text).unwrap_or_default(),
            source: SourceRef {
                uri: text(f.source_uri).unwrap_or_default(),
                byte_start: num(f.byte_start).unwrap_or(0),
                byte_end: num(f.byte_end).unwrap_or(0),
                page: num(f.page).map(|p| p as u32),
                message_id: text(f.message_id),
                line: num(f.line).map(|l| l as u32),
            },
            source_kind: SourceKind::parse(&kind).ok_or_else(|| BackendError::Corrupt {
                backend: BACKEND,
                location: "stored field source_kind".into(),
                message: format!("unknown kind {kind:?}"),
            })?,
            occurred_at_us: doc
                .get_first(f.occurred_at_us)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
            author: text(f.author),
            is_self: num(f.is_self) == Some(1),
            score,
        })
    }
}

impl Engine {
    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        let f = &self.fields;
        let writer = self.writer();
        for c in chunks {
            writer.delete_term(Term::from_field_text(f.chunk_id, &c.chunk_id));
            let mut d = doc!(
                f.chunk_id => c.chunk_id.as_str(),
                f.episode_id => c.episode_id.as_str(),
                f.tenant => c.scope.tenant.as_str(),
                f.user => c.scope.user.as_str(),
                f.text => c.text.as_str(),
                f.source_kind => c.source_kind.as_str(),
                f.source_uri => c.source.uri.as_str(),
                f.byte_start => c.source.byte_start,
                f.byte_end => c.source.byte_end,
                f.occurred_at_us => c.occurred_at_us,
                f.context => c.context.as_str(),
                f.is_self => u64::from(c.is_self),
            );
            if let Some(author) = &c.author {
                d.add_text(f.author, author);
            }
            if let Some(line) = c.source.line {
                d.add_u64(f.line, u64::from(line));
            }
            if let Some(page) = c.source.page {
                d.add_u64(f.page, u64::from(page));
            }
            if let Some(id) = &c.source.message_id {
                d.add_text(f.message_id, id);
            }
            writer.add_document(d).map_err(engine)?;
        }
        Ok(())
    }

    fn commit(&self) -> Result<(), BackendError> {
        self.writer().commit().map_err(engine)?;
        self.reader.reload().map_err(engine)
    }

    fn count(&self, scope: &Scope) -> Result<u64, BackendError> {
        let query = BooleanQuery::new(self.scope_clauses(scope));
        let n = self
            .reader
            .searcher()
            .search(&query, &Count)
            .map_err(engine)?;
        Ok(n as u64)
    }

    /// The chunk ids of `scope`, sorted.
    fn list_ids(&self, scope: &Scope) -> Result<Vec<String>, BackendError> {
        let query = BooleanQuery::new(self.scope_clauses(scope));
        let searcher = self.reader.searcher();
        let found = searcher.search(&query, &DocSetCollector).map_err(engine)?;
        let mut ids = Vec::with_capacity(found.len());
        for address in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
            match doc.get_first(self.fields.chunk_id).and_then(|v| v.as_str()) {
                Some(id) => ids.push(id.to_string()),
                None => {
                    return Err(BackendError::Corrupt {
                        backend: BACKEND,
                        location: format!("document {address:?}"),
                        message: "no chunk_id".into(),
                    });
                }
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Deletes `scope`'s documents, only those of `chunk_ids` when given.
    fn delete(&self, scope: &Scope, chunk_ids: Option<&[String]>) -> Result<(), BackendError> {
        let writer = self.writer();
        let Some(ids) = chunk_ids else {
            writer
                .delete_query(Box::new(BooleanQuery::new(self.scope_clauses(scope))))
                .map_err(engine)?;
            return Ok(());
        };
        for id in ids {
            let mut clauses = self.scope_clauses(scope);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.chunk_id, id),
                    IndexRecordOption::Basic,
                )),
            ));
            writer
                .delete_query(Box::new(BooleanQuery::new(clauses)))
                .map_err(engine)?;
        }
        Ok(())
    }

    fn search(&self, scope: &Scope, query: &str, k: usize) -> Result<Vec<ChunkHit>, BackendError> {
        if query.trim().is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let mut parser =
            QueryParser::for_index(&self.index, vec![self.fields.text, self.fields.context]);
        parser.set_field_boost(self.fields.context, CONTEXT_BOOST);
        // Quotes, colons and operators in a question are words, not syntax.
        let cleaned: String = query
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let (text_query, _ignored) = parser.parse_query_lenient(&cleaned);
        let mut clauses = self.scope_clauses(scope);
        clauses.push((Occur::Must, text_query));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(k).order_by_score())
            .map_err(engine)?;
        top.into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
                self.hit(&doc, score)
            })
            .collect()
    }
}

#[async_trait]
impl ChunkIndex for TantivyTextIndex {
    async fn upsert(&self, chunks: &[Chunk]) -> Result<(), BackendError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let chunks = chunks.to_vec();
        self.with(move |engine| engine.upsert(&chunks)).await
    }

    async fn commit(&self) -> Result<(), BackendError> {
        self.with(Engine::commit).await
    }

    async fn count(&self, scope: &Scope) -> Result<u64, BackendError> {
        let scope = scope.clone();
        self.with(move |engine| engine.count(&scope)).await
    }

    async fn list_ids(&self, scope: &Scope) -> Result<Vec<String>, BackendError> {
        let scope = scope.clone();
        self.with(move |engine| engine.list_ids(&scope)).await
    }

    async fn delete(&self, scope: &Scope, chunk_ids: &[String]) -> Result<(), BackendError> {
        let (scope, ids) = (scope.clone(), chunk_ids.to_vec());
        self.with(move |engine| engine.delete(&scope, Some(&ids)))
            .await
    }

    async fn delete_scope(&self, scope: &Scope) -> Result<(), BackendError> {
        let scope = scope.clone();
        self.with(move |engine| engine.delete(&scope, None)).await
    }

    async fn clear(&self) -> Result<(), BackendError> {
        self.with(|index| {
            index
                .writer()
                .delete_all_documents()
                .map(|_| ())
                .map_err(engine)
        })
        .await
    }
}

#[async_trait]
impl TextIndex for TantivyTextIndex {
    async fn search(
        &self,
        scope: &Scope,
        query: &str,
        k: usize,
    ) -> Result<Vec<ChunkHit>, BackendError> {
        let (scope, query) = (scope.clone(), query.to_string());
        self.with(move |engine| engine.search(&scope, &query, k))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tantivy_passes_the_text_index_contract() {
        let dir = tempfile::tempdir().unwrap();
        let index = TantivyTextIndex::open(dir.path()).unwrap();
        twinlake_core::contract::text_index(&index).await;
        let alice = Scope::parse("t1", "alice").unwrap();
        let kept = twinlake_core::contract::chunk(&alice, "kept", "kept words", 1, 4);
        index.upsert(std::slice::from_ref(&kept)).await.unwrap();
        index.commit().await.unwrap();
        drop(index);
        // Committed data survives a reopen.
        let index = TantivyTextIndex::open(dir.path()).unwrap();
        assert_eq!(index.list_ids(&alice).await.unwrap(), vec![kept.chunk_id]);
    }
}

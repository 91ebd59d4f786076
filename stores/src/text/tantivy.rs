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
//!
//! A typo finds its word: a query word that is no word of the language
//! (the model's [`Lexicon`]) and that none of the scope's chunks holds
//! ("alergic", "vegitarian", "Lisbn") is read as the indexed terms
//! within one edit of it (two for long terms; [`near_spellings`]), each
//! scored by BM25 as if the question had spelt it, discounted by how many
//! edits away it is ([`typo_weight`]). Terms the scope does hold are
//! matched as they are, so a correctly spelled question ranks as it
//! always has.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use async_trait::async_trait;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryParser, TermQuery};
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
use twinlake_udfs::lexicon::Lexicon;

const BACKEND: &str = "tantivy";
const ANALYZER: &str = "twinlake_en";

/// Weight of a match in the neighbour context against one in the text
/// itself; 0.7 was best of 0.2-1.0 on the LoCoMo dev file (`twinlake eval
/// locomo`), and anything from 0.5 to 0.9 was within a point of it.
pub const CONTEXT_BOOST: f32 = 0.7;

/// The shortest term (after stemming) read as a possible typo: shorter
/// words are one edit from too many others.
const TYPO_MIN_CHARS: usize = 5;
/// From this length (after stemming) a typo may be two edits away.
const TYPO_TWO_EDITS_CHARS: usize = 8;
/// The most near spellings one typo is read as, nearest first.
const TYPO_READINGS: usize = 3;

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
    /// Where the lexicon is read from, on the first query with an unknown
    /// word; without one, no word is read as a typo.
    lexicon_file: Option<PathBuf>,
    lexicon: OnceLock<Option<Lexicon>>,
}

impl TantivyTextIndex {
    /// Opens the index in `dir`, creating it if empty; typos in queries are
    /// read with the lexicon of the tokenizer at `lexicon_file`
    /// (`tokenizer.json`), if given.
    pub fn open(dir: &Path, lexicon_file: Option<PathBuf>) -> Result<Self, BackendError> {
        Ok(TantivyTextIndex {
            engine: Arc::new(Engine::open(dir, lexicon_file)?),
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

/// How much a reading of a typo counts beside the word spelt out:
/// 1 / (1 + edits), as each edit makes the reading less sure ("whose" may
/// be "those"; "regarding" is not "rewarding").
fn typo_weight(edits: u8) -> f32 {
    1.0 / (1.0 + f32::from(edits))
}

/// The terms of `field` in the index within an edit or two of `text`
/// (a swap of two letters is one edit) that begin with its letter, with
/// their edits, nearest first,
/// then the most widely used: what a typo most likely meant.
/// [`TYPO_READINGS`] at most.
fn near_spellings(
    searcher: &tantivy::Searcher,
    field: Field,
    text: &str,
) -> Result<Vec<(String, u8)>, BackendError> {
    static ONE_EDIT: LazyLock<LevenshteinAutomatonBuilder> =
        LazyLock::new(|| LevenshteinAutomatonBuilder::new(1, true));
    static TWO_EDITS: LazyLock<LevenshteinAutomatonBuilder> =
        LazyLock::new(|| LevenshteinAutomatonBuilder::new(2, true));
    let builder = if text.chars().count() >= TYPO_TWO_EDITS_CHARS {
        &*TWO_EDITS
    } else {
        &*ONE_EDIT
    };
    let dfa = builder.build_dfa(text);
    // (edits, documents across segments) of each near term.
    let mut found: HashMap<String, (u8, u64)> = HashMap::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field).map_err(engine)?;
        let mut terms = index
            .terms()
            .search(Within(&dfa))
            .into_stream()
            .map_err(engine)?;
        while terms.advance() {
            let Ok(word) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            // People rarely mistype a word's first letter, and a word
            // that differs there is most often another word ("whose" and
            // "those", "impossible" and "possible").
            if word.chars().next() != text.chars().next() {
                continue;
            }
            let Distance::Exact(edits) = dfa.eval(word) else {
                continue;
            };
            let entry = found.entry(word.to_string()).or_insert((edits, 0));
            entry.1 += u64::from(terms.value().doc_freq);
        }
    }
    let mut near: Vec<(String, (u8, u64))> = found.into_iter().collect();
    near.sort_by(|(a, (ea, da)), (b, (eb, db))| ea.cmp(eb).then(db.cmp(da)).then(a.cmp(b)));
    Ok(near
        .into_iter()
        .map(|(word, (edits, _))| (word, edits))
        .take(TYPO_READINGS)
        .collect())
}

/// A Levenshtein automaton walking a term dictionary: the terms it
/// accepts are within its distance of its word.
struct Within<'a>(&'a DFA);

impl tantivy_fst::Automaton for Within<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

impl Engine {
    /// Opens the index in `dir`, creating it if empty.
    pub fn open(dir: &Path, lexicon_file: Option<PathBuf>) -> Result<Self, BackendError> {
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
            lexicon_file,
            lexicon: OnceLock::new(),
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
    /// The lexicon, read on first use; None without a tokenizer file or
    /// when it cannot be read (then logged once).
    fn lexicon(&self) -> Option<&Lexicon> {
        self.lexicon
            .get_or_init(|| {
                let file = self.lexicon_file.as_ref()?;
                Lexicon::from_tokenizer_file(file)
                    .inspect_err(|error| {
                        tracing::warn!(%error, "no lexicon: queries are not read for typos");
                    })
                    .ok()
            })
            .as_ref()
    }

    /// The query's words that are no word of the language and that no
    /// chunk of `scope` holds, long enough to be typos, read as their near
    /// spellings in the index: a clause for each, in both fields, weighted
    /// as the query parser weighs them.
    fn typo_clauses(
        &self,
        searcher: &tantivy::Searcher,
        scope: &Scope,
        query: &str,
    ) -> Result<Vec<(Occur, Box<dyn Query>)>, BackendError> {
        let Some(lexicon) = self.lexicon() else {
            return Ok(Vec::new());
        };
        let unknown: Vec<&str> = query
            .split_whitespace()
            .filter(|word| {
                word.chars().count() >= TYPO_MIN_CHARS
                    && word.chars().all(char::is_alphabetic)
                    && !lexicon.knows(word)
            })
            .collect();
        // Most questions are spelt right: they stop here, with no
        // analyser built and no index read.
        if unknown.is_empty() {
            return Ok(Vec::new());
        }
        let mut analyzer = self
            .index
            .tokenizer_for_field(self.fields.text)
            .map_err(engine)?;
        let mut terms = Vec::new();
        for word in unknown {
            analyzer
                .token_stream(word)
                .process(&mut |token| terms.push(token.text.clone()));
        }
        terms.sort();
        terms.dedup();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for text in terms {
            if text.chars().count() < TYPO_MIN_CHARS || self.holds(searcher, scope, &text)? {
                continue;
            }
            for (near, edits) in near_spellings(searcher, self.fields.text, &text)? {
                if !self.holds(searcher, scope, &near)? {
                    continue;
                }
                let weighed = |field, weight: f32| -> Box<dyn Query> {
                    let term = TermQuery::new(
                        Term::from_field_text(field, &near),
                        IndexRecordOption::WithFreqs,
                    );
                    Box::new(BoostQuery::new(Box::new(term), weight * typo_weight(edits)))
                };
                clauses.push((Occur::Should, weighed(self.fields.text, 1.0)));
                clauses.push((Occur::Should, weighed(self.fields.context, CONTEXT_BOOST)));
            }
        }
        Ok(clauses)
    }

    /// Whether a chunk of `scope` holds the analysed term `text`.
    fn holds(
        &self,
        searcher: &tantivy::Searcher,
        scope: &Scope,
        text: &str,
    ) -> Result<bool, BackendError> {
        let mut clauses = self.scope_clauses(scope);
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(self.fields.text, text),
                IndexRecordOption::Basic,
            )),
        ));
        let count = searcher
            .search(&BooleanQuery::new(clauses), &Count)
            .map_err(engine)?;
        Ok(count > 0)
    }

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
        let searcher = self.reader.searcher();
        let typos = self.typo_clauses(&searcher, scope, &cleaned)?;
        let text_query: Box<dyn Query> = if typos.is_empty() {
            text_query
        } else {
            let mut any = vec![(Occur::Should, text_query)];
            any.extend(typos);
            Box::new(BooleanQuery::new(any))
        };
        let mut clauses = self.scope_clauses(scope);
        clauses.push((Occur::Must, text_query));
        let query = BooleanQuery::new(clauses);
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
        let index = TantivyTextIndex::open(dir.path(), None).unwrap();
        twinlake_core::contract::text_index(&index).await;
        let alice = Scope::parse("t1", "alice").unwrap();
        let kept = twinlake_core::contract::chunk(&alice, "kept", "kept words", 1, 4);
        index.upsert(std::slice::from_ref(&kept)).await.unwrap();
        index.commit().await.unwrap();
        drop(index);
        // Committed data survives a reopen.
        let index = TantivyTextIndex::open(dir.path(), None).unwrap();
        assert_eq!(index.list_ids(&alice).await.unwrap(), vec![kept.chunk_id]);
    }

    #[tokio::test]
    async fn a_misspelt_word_finds_its_passage_in_its_own_scope_only() {
        let dir = tempfile::tempdir().unwrap();
        let tokenizer = twinlake_udfs::model::ModelFiles::locate_tokenizer(
            &twinlake_core::config::Config::defaults(Path::new(".")).model,
        )
        .expect("the tokenizer: run scripts/setup.sh");
        let index = TantivyTextIndex::open(dir.path(), Some(tokenizer)).unwrap();
        let alice = Scope::parse("t1", "alice").unwrap();
        let bob = Scope::parse("t1", "bob").unwrap();
        let chunk = twinlake_core::contract::chunk;
        index
            .upsert(&[
                chunk(&alice, "nuts", "I am allergic to peanuts", 1, 1),
                chunk(&alice, "diet", "She has been vegetarian for years", 2, 1),
                chunk(&alice, "trip", "Our flight to Lisbon is booked", 3, 1),
                chunk(&alice, "peas", "Peas and carrots for dinner", 4, 1),
                chunk(&alice, "blue", "I chose the blue one", 6, 1),
                chunk(&bob, "bob-nuts", "Bob is allergic to cats", 5, 1),
            ])
            .await
            .unwrap();
        index.commit().await.unwrap();
        let ids =
            |hits: Vec<ChunkHit>| -> Vec<String> { hits.into_iter().map(|h| h.chunk_id).collect() };
        let id = |scope: &Scope, name: &str| chunk(scope, name, "", 0, 1).chunk_id;
        for (typo, wanted) in [
            ("alergic", "nuts"),
            ("am I alergic to anything", "nuts"),
            ("vegitarian", "diet"),
            ("Lisbn", "trip"),
        ] {
            let found = ids(index.search(&alice, typo, 5).await.unwrap());
            assert_eq!(
                found.first(),
                Some(&id(&alice, wanted)),
                "{typo}: {found:?}"
            );
            assert!(
                !found.contains(&id(&bob, "bob-nuts")),
                "{typo} crossed scopes"
            );
        }
        // A word the scope holds is matched exactly: "peanuts" does not
        // also find "peas"; a real word the scope lacks is no typo ("whose"
        // is not "chose"); and a word near nothing finds nothing.
        assert_eq!(
            ids(index.search(&alice, "peanuts", 5).await.unwrap()),
            vec![id(&alice, "nuts")]
        );
        assert!(index.search(&alice, "whose", 5).await.unwrap().is_empty());
        assert!(
            index
                .search(&alice, "xylophnes", 5)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

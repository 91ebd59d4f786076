//! Arrow schemas of the lake's tables and conversions between records and
//! record batches. The lake stores exactly these columns; the batch jobs read
//! them back with [`chunks_from_batch`] and [`episodes_from_batch`].

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, FixedSizeListArray, Float32Array, Int64Array, RecordBatch,
    StringArray, UInt32Array, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::record::{Chunk, Episode, SourceKind, SourceRef};
use crate::{CoreError, Scope};

/// Table names, as they appear in the lake layout and in SQL.
pub mod table {
    /// One row per ingested episode. Each object is written after its
    /// chunks reached every index: its presence commits those episodes.
    pub const EPISODES: &str = "episodes";
    /// One row per chunk, with its embedding.
    pub const CHUNKS: &str = "chunks";
    /// One row per ingested file, written after all its episodes: its
    /// presence says the whole file is in (a re-ingest skips it at once).
    pub const SOURCES: &str = "sources";
    /// One user's memories, every version (rewritten whole by the memory job).
    pub const MEMORIES: &str = "memories";
    /// The entities one user's footprint names.
    pub const ENTITIES: &str = "entities";
    /// The temporal graph edges one user's footprint yields.
    pub const FACTS: &str = "facts";
}

mod memory;

pub use memory::{
    entities_from_batch, entities_schema, entities_to_batch, facts_from_batch, facts_schema,
    facts_to_batch, memories_from_batch, memories_schema, memories_to_batch,
};

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

/// The schema of the `episodes` table.
pub fn episodes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("episode_id", false),
        utf8("tenant", false),
        utf8("user", false),
        utf8("source_kind", false),
        utf8("source_uri", false),
        utf8("file_hash", false),
        utf8("content_hash", false),
        Field::new("byte_len", DataType::UInt64, false),
        Field::new("byte_start", DataType::UInt64, false),
        Field::new("byte_end", DataType::UInt64, false),
        Field::new("line", DataType::UInt32, true),
        utf8("title", true),
        utf8("conversation_id", true),
        utf8("message_id", true),
        utf8("reply_to", true),
        utf8("author", true),
        Field::new("is_self", DataType::Boolean, false),
        Field::new("occurred_at_us", DataType::Int64, false),
        Field::new("ends_at_us", DataType::Int64, true),
        utf8("text", true),
        utf8("meta", false),
        Field::new("chunk_count", DataType::UInt32, false),
    ]))
}

/// The schema of the `chunks` table, for embeddings of `dim` floats.
pub fn chunks_schema(dim: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("chunk_id", false),
        utf8("episode_id", false),
        utf8("tenant", false),
        utf8("user", false),
        Field::new("ordinal", DataType::UInt32, false),
        utf8("text", false),
        Field::new("token_count", DataType::UInt32, false),
        utf8("source_kind", false),
        utf8("source_uri", false),
        Field::new("byte_start", DataType::UInt64, false),
        Field::new("byte_end", DataType::UInt64, false),
        Field::new("page", DataType::UInt32, true),
        utf8("message_id", true),
        Field::new("line", DataType::UInt32, true),
        Field::new("occurred_at_us", DataType::Int64, false),
        utf8("author", true),
        Field::new("is_self", DataType::Boolean, false),
        utf8("context", true),
        Field::new(
            "embedding",
            DataType::FixedSizeList(
                Arc::new(Field::new("item", DataType::Float32, false)),
                dim as i32,
            ),
            false,
        ),
    ]))
}

/// One ingested file: the `sources` table's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Whose file.
    pub scope: Scope,
    /// BLAKE3 of its bytes, hex (also the object's key).
    pub file_hash: String,
    /// Where it was read from.
    pub uri: String,
    /// What it was parsed as.
    pub source_kind: SourceKind,
    /// How many entries (or 1 for a document) it held.
    pub entries: u64,
}

/// The schema of the `sources` table.
pub fn sources_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("tenant", false),
        utf8("user", false),
        utf8("file_hash", false),
        utf8("source_uri", false),
        utf8("source_kind", false),
        Field::new("entries", DataType::UInt64, false),
    ]))
}

fn strings<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn optional_strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(values))
}

/// Builds a batch of the `sources` table.
pub fn sources_to_batch(files: &[SourceFile]) -> Result<RecordBatch, CoreError> {
    let columns: Vec<ArrayRef> = vec![
        strings(files.iter().map(|f| f.scope.tenant.as_str())),
        strings(files.iter().map(|f| f.scope.user.as_str())),
        strings(files.iter().map(|f| f.file_hash.as_str())),
        strings(files.iter().map(|f| f.uri.as_str())),
        strings(files.iter().map(|f| f.source_kind.as_str())),
        Arc::new(UInt64Array::from_iter_values(
            files.iter().map(|f| f.entries),
        )),
    ];
    Ok(RecordBatch::try_new(sources_schema(), columns)?)
}

/// Builds a batch of the `episodes` table.
pub fn episodes_to_batch(episodes: &[Episode]) -> Result<RecordBatch, CoreError> {
    let e = episodes;
    let meta: Vec<String> = e
        .iter()
        .map(|e| serde_json::to_string(&e.meta).expect("string maps serialise"))
        .collect();
    let columns: Vec<ArrayRef> = vec![
        strings(e.iter().map(|e| e.episode_id.as_str())),
        strings(e.iter().map(|e| e.scope.tenant.as_str())),
        strings(e.iter().map(|e| e.scope.user.as_str())),
        strings(e.iter().map(|e| e.source_kind.as_str())),
        strings(e.iter().map(|e| e.source_uri.as_str())),
        strings(e.iter().map(|e| e.file_hash.as_str())),
        strings(e.iter().map(|e| e.content_hash.as_str())),
        Arc::new(UInt64Array::from_iter_values(e.iter().map(|e| e.byte_len))),
        Arc::new(UInt64Array::from_iter_values(
            e.iter().map(|e| e.byte_start),
        )),
        Arc::new(UInt64Array::from_iter_values(e.iter().map(|e| e.byte_end))),
        Arc::new(UInt32Array::from_iter(e.iter().map(|e| e.line))),
        optional_strings(e.iter().map(|e| e.title.as_deref())),
        optional_strings(e.iter().map(|e| e.conversation_id.as_deref())),
        optional_strings(e.iter().map(|e| e.message_id.as_deref())),
        optional_strings(e.iter().map(|e| e.reply_to.as_deref())),
        optional_strings(e.iter().map(|e| e.author.as_deref())),
        Arc::new(BooleanArray::from_iter(e.iter().map(|e| Some(e.is_self)))),
        Arc::new(Int64Array::from_iter_values(
            e.iter().map(|e| e.occurred_at_us),
        )),
        Arc::new(Int64Array::from_iter(e.iter().map(|e| e.ends_at_us))),
        optional_strings(e.iter().map(|e| e.text.as_deref())),
        strings(meta.iter().map(String::as_str)),
        Arc::new(UInt32Array::from_iter_values(
            e.iter().map(|e| e.chunk_count),
        )),
    ];
    Ok(RecordBatch::try_new(episodes_schema(), columns)?)
}

/// Builds a batch of the `chunks` table. All embeddings must have length `dim`.
pub fn chunks_to_batch(chunks: &[Chunk], dim: usize) -> Result<RecordBatch, CoreError> {
    let mut flat = Vec::with_capacity(chunks.len() * dim);
    for chunk in chunks {
        if chunk.embedding.len() != dim {
            return Err(CoreError::Schema {
                table: table::CHUNKS,
                column: "embedding",
                message: format!(
                    "chunk {} has {} dimensions, expected {dim}",
                    chunk.chunk_id,
                    chunk.embedding.len()
                ),
            });
        }
        flat.extend_from_slice(&chunk.embedding);
    }
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let embeddings =
        FixedSizeListArray::try_new(item, dim as i32, Arc::new(Float32Array::from(flat)), None)?;
    let c = chunks;
    let columns: Vec<ArrayRef> = vec![
        strings(c.iter().map(|c| c.chunk_id.as_str())),
        strings(c.iter().map(|c| c.episode_id.as_str())),
        strings(c.iter().map(|c| c.scope.tenant.as_str())),
        strings(c.iter().map(|c| c.scope.user.as_str())),
        Arc::new(UInt32Array::from_iter_values(c.iter().map(|c| c.ordinal))),
        strings(c.iter().map(|c| c.text.as_str())),
        Arc::new(UInt32Array::from_iter_values(
            c.iter().map(|c| c.token_count),
        )),
        strings(c.iter().map(|c| c.source_kind.as_str())),
        strings(c.iter().map(|c| c.source.uri.as_str())),
        Arc::new(UInt64Array::from_iter_values(
            c.iter().map(|c| c.source.byte_start),
        )),
        Arc::new(UInt64Array::from_iter_values(
            c.iter().map(|c| c.source.byte_end),
        )),
        Arc::new(UInt32Array::from_iter(c.iter().map(|c| c.source.page))),
        optional_strings(c.iter().map(|c| c.source.message_id.as_deref())),
        Arc::new(UInt32Array::from_iter(c.iter().map(|c| c.source.line))),
        Arc::new(Int64Array::from_iter_values(
            c.iter().map(|c| c.occurred_at_us),
        )),
        optional_strings(c.iter().map(|c| c.author.as_deref())),
        Arc::new(BooleanArray::from_iter(c.iter().map(|c| Some(c.is_self)))),
        strings(c.iter().map(|c| c.context.as_str())),
        Arc::new(embeddings),
    ];
    Ok(RecordBatch::try_new(chunks_schema(dim), columns)?)
}

/// Typed access to one table's columns, with errors naming table and column.
struct Columns<'a> {
    batch: &'a RecordBatch,
    table: &'static str,
}

impl<'a> Columns<'a> {
    fn get<T: 'static>(&self, name: &'static str) -> Result<&'a T, CoreError> {
        let schema_err = |message: String| CoreError::Schema {
            table: self.table,
            column: name,
            message,
        };
        let array = self
            .batch
            .column_by_name(name)
            .ok_or_else(|| schema_err("missing".into()))?;
        array
            .as_any()
            .downcast_ref::<T>()
            .ok_or_else(|| schema_err(format!("unexpected type {}", array.data_type())))
    }

    fn kind(&self, column: &StringArray, row: usize) -> Result<SourceKind, CoreError> {
        let kind = column.value(row);
        SourceKind::parse(kind).ok_or_else(|| CoreError::Schema {
            table: self.table,
            column: "source_kind",
            message: format!("unknown source kind {kind:?}"),
        })
    }
}

fn opt_str(array: &StringArray, row: usize) -> Option<String> {
    (!array.is_null(row)).then(|| array.value(row).to_string())
}

fn opt_u32(array: &UInt32Array, row: usize) -> Option<u32> {
    (!array.is_null(row)).then(|| array.value(row))
}

/// Reads chunks back from a batch with the `chunks` columns (in any order,
/// extra columns ignored), as the batch jobs do.
pub fn chunks_from_batch(batch: &RecordBatch) -> Result<Vec<Chunk>, CoreError> {
    let cols = Columns {
        batch,
        table: table::CHUNKS,
    };
    let chunk_id = cols.get::<StringArray>("chunk_id")?;
    let episode_id = cols.get::<StringArray>("episode_id")?;
    let tenant = cols.get::<StringArray>("tenant")?;
    let user = cols.get::<StringArray>("user")?;
    let ordinal = cols.get::<UInt32Array>("ordinal")?;
    let text = cols.get::<StringArray>("text")?;
    let token_count = cols.get::<UInt32Array>("token_count")?;
    let source_kind = cols.get::<StringArray>("source_kind")?;
    let source_uri = cols.get::<StringArray>("source_uri")?;
    let byte_start = cols.get::<UInt64Array>("byte_start")?;
    let byte_end = cols.get::<UInt64Array>("byte_end")?;
    let page = cols.get::<UInt32Array>("page")?;
    let message_id = cols.get::<StringArray>("message_id")?;
    let line = cols.get::<UInt32Array>("line")?;
    let occurred = cols.get::<Int64Array>("occurred_at_us")?;
    let author = cols.get::<StringArray>("author")?;
    let is_self = cols.get::<BooleanArray>("is_self")?;
    // Chunks written before neighbour context existed have no such column.
    let context = cols.get::<StringArray>("context").ok();
    let embedding = cols.get::<FixedSizeListArray>("embedding")?;
    let values = embedding
        .values()
        .as_any()
        .downcast_ref::<Float32Array>()
        .ok_or_else(|| CoreError::Schema {
            table: table::CHUNKS,
            column: "embedding",
            message: "items are not float32".into(),
        })?;
    let dim = embedding.value_length() as usize;
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let start = embedding.value_offset(row) as usize;
        out.push(Chunk {
            chunk_id: chunk_id.value(row).to_string(),
            episode_id: episode_id.value(row).to_string(),
            scope: Scope::parse(tenant.value(row), user.value(row))?,
            ordinal: ordinal.value(row),
            text: text.value(row).to_string(),
            token_count: token_count.value(row),
            source: SourceRef {
                uri: source_uri.value(row).to_string(),
                byte_start: byte_start.value(row),
                byte_end: byte_end.value(row),
                page: opt_u32(page, row),
                message_id: opt_str(message_id, row),
                line: opt_u32(line, row),
            },
            source_kind: cols.kind(source_kind, row)?,
            occurred_at_us: occurred.value(row),
            author: opt_str(author, row),
            is_self: is_self.value(row),
            context: context.and_then(|c| opt_str(c, row)).unwrap_or_default(),
            embedding: values.values()[start..start + dim].to_vec(),
        });
    }
    Ok(out)
}

/// Reads episodes back from a batch with the `episodes` columns.
pub fn episodes_from_batch(batch: &RecordBatch) -> Result<Vec<Episode>, CoreError> {
    let cols = Columns {
        batch,
        table: table::EPISODES,
    };
    let s = |name| cols.get::<StringArray>(name);
    let (episode_id, tenant, user, kind) = (
        s("episode_id")?,
        s("tenant")?,
        s("user")?,
        s("source_kind")?,
    );
    let (uri, file_hash, content_hash) = (s("source_uri")?, s("file_hash")?, s("content_hash")?);
    let (title, conversation, message_id) = (s("title")?, s("conversation_id")?, s("message_id")?);
    let (reply_to, author, text, meta) = (s("reply_to")?, s("author")?, s("text")?, s("meta")?);
    let byte_len = cols.get::<UInt64Array>("byte_len")?;
    let byte_start = cols.get::<UInt64Array>("byte_start")?;
    let byte_end = cols.get::<UInt64Array>("byte_end")?;
    let line = cols.get::<UInt32Array>("line")?;
    let is_self = cols.get::<BooleanArray>("is_self")?;
    let occurred = cols.get::<Int64Array>("occurred_at_us")?;
    let ends = cols.get::<Int64Array>("ends_at_us")?;
    let chunk_count = cols.get::<UInt32Array>("chunk_count")?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let meta: BTreeMap<String, String> =
            serde_json::from_str(meta.value(row)).map_err(|e| CoreError::Schema {
                table: table::EPISODES,
                column: "meta",
                message: e.to_string(),
            })?;
        out.push(Episode {
            episode_id: episode_id.value(row).to_string(),
            scope: Scope::parse(tenant.value(row), user.value(row))?,
            source_kind: cols.kind(kind, row)?,
            source_uri: uri.value(row).to_string(),
            file_hash: file_hash.value(row).to_string(),
            content_hash: content_hash.value(row).to_string(),
            byte_len: byte_len.value(row),
            byte_start: byte_start.value(row),
            byte_end: byte_end.value(row),
            line: opt_u32(line, row),
            title: opt_str(title, row),
            conversation_id: opt_str(conversation, row),
            message_id: opt_str(message_id, row),
            reply_to: opt_str(reply_to, row),
            author: opt_str(author, row),
            is_self: is_self.value(row),
            occurred_at_us: occurred.value(row),
            ends_at_us: (!ends.is_null(row)).then(|| ends.value(row)),
            text: opt_str(text, row),
            meta,
            chunk_count: chunk_count.value(row),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(ordinal: u32, page: Option<u32>) -> Chunk {
        Chunk {
            chunk_id: format!("c{ordinal}"),
            episode_id: "e".into(),
            scope: Scope::parse("t", "u").unwrap(),
            ordinal,
            text: format!("text {ordinal}"),
            token_count: 2,
            source: SourceRef {
                uri: "/x.pdf".into(),
                byte_start: 10,
                byte_end: 20,
                page,
                message_id: None,
                line: page.map(|p| p + 1),
            },
            source_kind: SourceKind::Pdf,
            occurred_at_us: 7,
            author: page.map(|_| "Alice".to_string()),
            is_self: page.is_some(),
            context: format!("around {ordinal}"),
            embedding: vec![ordinal as f32, 0.5, -1.0],
        }
    }

    #[test]
    fn chunks_round_trip_through_a_batch() {
        let chunks = vec![chunk(0, Some(3)), chunk(1, None)];
        let batch = chunks_to_batch(&chunks, 3).unwrap();
        assert_eq!(batch.schema(), chunks_schema(3));
        assert_eq!(chunks_from_batch(&batch).unwrap(), chunks);
    }

    #[test]
    fn episodes_round_trip_through_a_batch() {
        let mut message = Episode {
            episode_id: "e1".into(),
            scope: Scope::parse("t", "u").unwrap(),
            source_kind: SourceKind::Telegram,
            source_uri: "/x/result.json".into(),
            file_hash: "f".into(),
            content_hash: "c".into(),
            byte_len: 40,
            byte_start: 100,
            byte_end: 140,
            line: Some(7),
            title: Some("Harbor crew".into()),
            conversation_id: Some("42".into()),
            message_id: Some("9".into()),
            reply_to: Some("8".into()),
            author: Some("Bob".into()),
            is_self: false,
            occurred_at_us: 1_700_000_000_000_000,
            ends_at_us: None,
            text: Some("see you at 6".into()),
            meta: BTreeMap::from([("edited".to_string(), "2026-10-03T18:22:00Z".to_string())]),
            chunk_count: 1,
        };
        let document = Episode {
            source_kind: SourceKind::Pdf,
            is_self: true,
            ends_at_us: Some(5),
            ..crate::contract::document_episode(&message.scope, "e2", "/x/brief.pdf", 40)
        };
        message.chunk_count = 2;
        let episodes = vec![message, document];
        let batch = episodes_to_batch(&episodes).unwrap();
        assert_eq!(batch.schema(), episodes_schema());
        assert_eq!(episodes_from_batch(&batch).unwrap(), episodes);
    }

    #[test]
    fn a_wrong_embedding_width_is_refused_with_the_chunk_named() {
        let err = chunks_to_batch(&[chunk(0, None)], 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("c0") && err.contains("expected 4"), "{err}");
    }
}

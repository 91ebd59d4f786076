//! Arrow schemas of the lake's tables and conversions between records and
//! record batches. The lake stores exactly these columns; the batch jobs read
//! them back with [`chunks_from_batch`].

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, FixedSizeListArray, Float32Array, Int64Array, RecordBatch, StringArray,
    UInt32Array, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::record::{Chunk, Episode, SourceKind, SourceRef};
use crate::{CoreError, Scope};

/// Table names, as they appear in the lake layout and in SQL.
pub mod table {
    /// One row per ingested episode; written last, so its presence marks the
    /// episode as committed to every sink.
    pub const EPISODES: &str = "episodes";
    /// One row per chunk, with its embedding.
    pub const CHUNKS: &str = "chunks";
}

/// The schema of the `episodes` table.
pub fn episodes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("episode_id", DataType::Utf8, false),
        Field::new("tenant", DataType::Utf8, false),
        Field::new("user", DataType::Utf8, false),
        Field::new("source_kind", DataType::Utf8, false),
        Field::new("source_uri", DataType::Utf8, false),
        Field::new("content_hash", DataType::Utf8, false),
        Field::new("byte_len", DataType::UInt64, false),
        Field::new("title", DataType::Utf8, true),
        Field::new("occurred_at_us", DataType::Int64, false),
        Field::new("chunk_count", DataType::UInt32, false),
    ]))
}

/// The schema of the `chunks` table, for embeddings of `dim` floats.
pub fn chunks_schema(dim: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("chunk_id", DataType::Utf8, false),
        Field::new("episode_id", DataType::Utf8, false),
        Field::new("tenant", DataType::Utf8, false),
        Field::new("user", DataType::Utf8, false),
        Field::new("ordinal", DataType::UInt32, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("token_count", DataType::UInt32, false),
        Field::new("source_kind", DataType::Utf8, false),
        Field::new("source_uri", DataType::Utf8, false),
        Field::new("byte_start", DataType::UInt64, false),
        Field::new("byte_end", DataType::UInt64, false),
        Field::new("page", DataType::UInt32, true),
        Field::new("message_id", DataType::Utf8, true),
        Field::new("occurred_at_us", DataType::Int64, false),
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

fn strings<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

/// Builds a batch of the `episodes` table.
pub fn episodes_to_batch(episodes: &[Episode]) -> Result<RecordBatch, CoreError> {
    let columns: Vec<ArrayRef> = vec![
        strings(episodes.iter().map(|e| e.episode_id.as_str())),
        strings(episodes.iter().map(|e| e.scope.tenant.as_str())),
        strings(episodes.iter().map(|e| e.scope.user.as_str())),
        strings(episodes.iter().map(|e| e.source_kind.as_str())),
        strings(episodes.iter().map(|e| e.source_uri.as_str())),
        strings(episodes.iter().map(|e| e.content_hash.as_str())),
        Arc::new(UInt64Array::from_iter_values(
            episodes.iter().map(|e| e.byte_len),
        )),
        Arc::new(StringArray::from_iter(
            episodes.iter().map(|e| e.title.as_deref()),
        )),
        Arc::new(Int64Array::from_iter_values(
            episodes.iter().map(|e| e.occurred_at_us),
        )),
        Arc::new(UInt32Array::from_iter_values(
            episodes.iter().map(|e| e.chunk_count),
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
    let columns: Vec<ArrayRef> = vec![
        strings(chunks.iter().map(|c| c.chunk_id.as_str())),
        strings(chunks.iter().map(|c| c.episode_id.as_str())),
        strings(chunks.iter().map(|c| c.scope.tenant.as_str())),
        strings(chunks.iter().map(|c| c.scope.user.as_str())),
        Arc::new(UInt32Array::from_iter_values(
            chunks.iter().map(|c| c.ordinal),
        )),
        strings(chunks.iter().map(|c| c.text.as_str())),
        Arc::new(UInt32Array::from_iter_values(
            chunks.iter().map(|c| c.token_count),
        )),
        strings(chunks.iter().map(|c| c.source_kind.as_str())),
        strings(chunks.iter().map(|c| c.source.uri.as_str())),
        Arc::new(UInt64Array::from_iter_values(
            chunks.iter().map(|c| c.source.byte_start),
        )),
        Arc::new(UInt64Array::from_iter_values(
            chunks.iter().map(|c| c.source.byte_end),
        )),
        Arc::new(UInt32Array::from_iter(chunks.iter().map(|c| c.source.page))),
        Arc::new(StringArray::from_iter(
            chunks.iter().map(|c| c.source.message_id.as_deref()),
        )),
        Arc::new(Int64Array::from_iter_values(
            chunks.iter().map(|c| c.occurred_at_us),
        )),
        Arc::new(embeddings),
    ];
    Ok(RecordBatch::try_new(chunks_schema(dim), columns)?)
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &'static str) -> Result<&'a T, CoreError> {
    let schema_err = |message: String| CoreError::Schema {
        table: table::CHUNKS,
        column: name,
        message,
    };
    let array = batch
        .column_by_name(name)
        .ok_or_else(|| schema_err("missing".into()))?;
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| schema_err(format!("unexpected type {}", array.data_type())))
}

/// Reads chunks back from a batch with the `chunks` columns (in any order,
/// extra columns ignored), as the batch jobs do.
pub fn chunks_from_batch(batch: &RecordBatch) -> Result<Vec<Chunk>, CoreError> {
    let chunk_id = column::<StringArray>(batch, "chunk_id")?;
    let episode_id = column::<StringArray>(batch, "episode_id")?;
    let tenant = column::<StringArray>(batch, "tenant")?;
    let user = column::<StringArray>(batch, "user")?;
    let ordinal = column::<UInt32Array>(batch, "ordinal")?;
    let text = column::<StringArray>(batch, "text")?;
    let token_count = column::<UInt32Array>(batch, "token_count")?;
    let source_kind = column::<StringArray>(batch, "source_kind")?;
    let source_uri = column::<StringArray>(batch, "source_uri")?;
    let byte_start = column::<UInt64Array>(batch, "byte_start")?;
    let byte_end = column::<UInt64Array>(batch, "byte_end")?;
    let page = column::<UInt32Array>(batch, "page")?;
    let message_id = column::<StringArray>(batch, "message_id")?;
    let occurred = column::<Int64Array>(batch, "occurred_at_us")?;
    let embedding = column::<FixedSizeListArray>(batch, "embedding")?;
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
        let kind = source_kind.value(row);
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
                page: (!page.is_null(row)).then(|| page.value(row)),
                message_id: (!message_id.is_null(row)).then(|| message_id.value(row).to_string()),
            },
            source_kind: SourceKind::parse(kind).ok_or_else(|| CoreError::Schema {
                table: table::CHUNKS,
                column: "source_kind",
                message: format!("unknown source kind {kind:?}"),
            })?,
            occurred_at_us: occurred.value(row),
            embedding: values.values()[start..start + dim].to_vec(),
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
            },
            source_kind: SourceKind::Pdf,
            occurred_at_us: 7,
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
    fn a_wrong_embedding_width_is_refused_with_the_chunk_named() {
        let err = chunks_to_batch(&[chunk(0, None)], 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("c0") && err.contains("expected 4"), "{err}");
    }
}

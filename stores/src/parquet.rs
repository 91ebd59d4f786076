//! Parquet objects of the lake: how a record batch is encoded into one
//! object and read back. Encoding is deterministic, so the same rows always
//! land as the same bytes at the same key (replays rewrite nothing new).

use std::sync::Arc;

use arrow::array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use twinlake_core::CoreError;

/// Encodes a batch as a zstd-compressed Parquet file.
pub fn encode(batch: &RecordBatch) -> Result<Bytes, ParquetError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .build();
    let mut buffer = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buffer, Arc::clone(&batch.schema()), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    Ok(Bytes::from(buffer))
}

/// [`encode`] on the blocking pool: compressing a batch is CPU work that
/// would otherwise stall the async thread (and every request on it).
pub async fn encode_off_thread(batch: &RecordBatch) -> Result<Bytes, ParquetError> {
    let batch = batch.clone();
    tokio::task::spawn_blocking(move || encode(&batch))
        .await
        .map_err(|e| ParquetError::General(format!("encoding a batch: {e}")))?
}

/// Why a Parquet object could not be read back as rows.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not a readable Parquet file.
    #[error("parquet: {0}")]
    Parquet(#[from] ParquetError),
    /// Readable, but its rows do not fit the table's schema.
    #[error(transparent)]
    Rows(#[from] CoreError),
}

/// Decodes every row of a Parquet object with `rows` (a table's
/// `*_from_batch`).
pub fn decode<T>(
    bytes: Bytes,
    rows: impl Fn(&RecordBatch) -> Result<Vec<T>, CoreError>,
) -> Result<Vec<T>, DecodeError> {
    // The reader may panic on a corrupt object rather than fail.
    twinlake_core::panics::quietly(|| {
        let mut out = Vec::new();
        for batch in ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()? {
            let batch = batch.map_err(ParquetError::from)?;
            out.extend(rows(&batch)?);
        }
        Ok(out)
    })
    .unwrap_or_else(|panic| Err(ParquetError::General(panic).into()))
}

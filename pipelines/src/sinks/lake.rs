//! The lake sink: each episode's chunks and the episode row, as Parquet.
//!
//! One object per episode and table, keyed by the episode's content hash:
//! `tenant=<t>/user=<u>/chunks/<hash>.parquet` and
//! `.../episodes/<hash>.parquet`. The same input always encodes to the same
//! bytes at the same key, so a replay rewrites identical objects. The
//! episode row is written last, after every index has committed the
//! chunks: its presence is what marks an episode done.

use std::sync::Arc;

use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use twinlake_core::Scope;
use twinlake_core::lake::Lake;
use twinlake_core::record::{Chunk, Episode};
use twinlake_core::schema::{self, table};

use crate::PipelineError;

/// Writes episodes and chunks to the lake.
#[derive(Clone, Debug)]
pub struct LakeWriter {
    lake: Lake,
    dim: usize,
}

impl LakeWriter {
    /// A writer for embeddings of `dim` floats.
    pub fn new(lake: Lake, dim: usize) -> Self {
        LakeWriter { lake, dim }
    }

    /// The lake written to.
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Whether the episode with this content hash is already fully ingested for `scope`.
    pub async fn has_episode(
        &self,
        scope: &Scope,
        content_hash: &str,
    ) -> Result<bool, PipelineError> {
        Ok(self
            .lake
            .exists(&self.lake.table_object(scope, table::EPISODES, content_hash))
            .await?)
    }

    /// Writes an episode's chunks (one object).
    pub async fn write_chunks(
        &self,
        episode: &Episode,
        chunks: &[Chunk],
    ) -> Result<(), PipelineError> {
        let batch = schema::chunks_to_batch(chunks, self.dim)?;
        let path = self
            .lake
            .table_object(&episode.scope, table::CHUNKS, &episode.content_hash);
        self.lake.put(&path, encode(&batch)?).await?;
        Ok(())
    }

    /// Writes the episode row: the commit marker of the episode.
    pub async fn write_episode(&self, episode: &Episode) -> Result<(), PipelineError> {
        let batch = schema::episodes_to_batch(std::slice::from_ref(episode))?;
        let path = self
            .lake
            .table_object(&episode.scope, table::EPISODES, &episode.content_hash);
        self.lake.put(&path, encode(&batch)?).await?;
        Ok(())
    }
}

/// Encodes a batch as a zstd-compressed Parquet file.
pub fn encode(batch: &arrow::array::RecordBatch) -> Result<Bytes, PipelineError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .build();
    let mut buffer = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buffer, Arc::clone(&batch.schema()), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    Ok(Bytes::from(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use twinlake_core::backend::contract::chunk;
    use twinlake_core::config::LakeConfig;
    use twinlake_core::record::SourceKind;

    #[tokio::test]
    async fn chunks_are_real_parquet_and_encode_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&LakeConfig {
            url: format!("file://{}", dir.path().display()),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_allow_http: false,
        })
        .unwrap();
        let scope = Scope::parse("t", "u").unwrap();
        let chunks = vec![
            chunk(&scope, "a", "alpha", 0, 4),
            chunk(&scope, "b", "beta", 1, 4),
        ];
        let episode = Episode {
            episode_id: "e".into(),
            scope: scope.clone(),
            source_kind: SourceKind::Text,
            source_uri: "/x.txt".into(),
            content_hash: "abc".into(),
            byte_len: 9,
            title: None,
            occurred_at_us: 0,
            chunk_count: 2,
        };
        let writer = LakeWriter::new(lake.clone(), 4);
        assert!(!writer.has_episode(&scope, "abc").await.unwrap());
        writer.write_chunks(&episode, &chunks).await.unwrap();
        writer.write_episode(&episode).await.unwrap();
        assert!(writer.has_episode(&scope, "abc").await.unwrap());

        let file = dir.path().join("tenant=t/user=u/chunks/abc.parquet");
        let first = std::fs::read(&file).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(first.clone()))
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader.map(Result::unwrap).collect();
        assert_eq!(schema::chunks_from_batch(&batches[0]).unwrap(), chunks);
        writer.write_chunks(&episode, &chunks).await.unwrap();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            first,
            "a replay changed the bytes"
        );
    }
}

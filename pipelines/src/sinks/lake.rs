//! The lake sink: chunks, episodes and source files, as Parquet.
//!
//! Episodes are committed in groups (a document is a group of one; a large
//! export, many groups). Each group is one object per table, keyed by the
//! hash of the group's episode ids:
//! `tenant=<t>/user=<u>/chunks/<key>.parquet` and `.../episodes/<key>.parquet`.
//! The same input always encodes to the same bytes at the same key, so a
//! replay rewrites identical objects. The episodes object is written last,
//! after every index has committed the group's chunks: its presence is what
//! marks those episodes done. When all of a file's groups are in, a row in
//! `sources/<file hash>.parquet` marks the whole file done.

use std::collections::HashSet;

use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use twinlake_core::lake::Lake;
use twinlake_core::panics::quietly;
use twinlake_core::record::{Chunk, Episode};
use twinlake_core::schema::{self, SourceFile, table};
use twinlake_core::{ContentHash, Scope};
use twinlake_stores::parquet::encode_off_thread;

use crate::PipelineError;

/// The `episode_id` column of each episodes object, as (its name relative
/// to the lake, its bytes).
fn episode_ids(objects: Vec<(String, bytes::Bytes)>) -> Result<HashSet<String>, PipelineError> {
    let mut ids = HashSet::new();
    for (name, bytes) in objects {
        // The Parquet reader may panic on a corrupt object rather than fail.
        let read = quietly(|| read_episode_ids(&name, bytes, &mut ids)).unwrap_or_else(Err);
        read.map_err(|error| PipelineError::UnreadableObject {
            object: name.clone(),
            error,
        })?;
    }
    Ok(ids)
}

/// Adds the `episode_id` column of one episodes object to `ids`.
fn read_episode_ids(
    name: &str,
    bytes: bytes::Bytes,
    ids: &mut HashSet<String>,
) -> Result<(), String> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| e.to_string())?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), ["episode_id"]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| e.to_string())?;
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let column = batch
            .column(0)
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .ok_or_else(|| format!("{name}: episode_id is not a string column"))?;
        ids.extend(column.iter().flatten().map(str::to_string));
    }
    Ok(())
}

/// Writes episodes, chunks and source files to the lake.
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

    /// Whether the file with this hash is already fully ingested for `scope`.
    pub async fn has_source(&self, scope: &Scope, file_hash: &str) -> Result<bool, PipelineError> {
        Ok(self
            .lake
            .exists(&self.lake.table_object(scope, table::SOURCES, file_hash))
            .await?)
    }

    /// The ids of every committed episode of `scope` (reads one column,
    /// decoded on the blocking pool).
    pub async fn committed_episode_ids(
        &self,
        scope: &Scope,
    ) -> Result<HashSet<String>, PipelineError> {
        let mut objects = Vec::new();
        for path in self
            .lake
            .list(&self.lake.table_dir(scope, table::EPISODES))
            .await?
        {
            let bytes = self.lake.get(&path).await?;
            objects.push((self.lake.relative(&path), bytes));
        }
        tokio::task::spawn_blocking(move || episode_ids(objects))
            .await
            .map_err(|e| PipelineError::Interrupted(format!("reading episode ids: {e}")))?
    }

    /// Writes a group's chunks (one object).
    pub async fn write_chunks(
        &self,
        scope: &Scope,
        group: &str,
        chunks: &[Chunk],
    ) -> Result<(), PipelineError> {
        let batch = schema::chunks_to_batch(chunks, self.dim)?;
        let path = self.lake.table_object(scope, table::CHUNKS, group);
        self.lake
            .put(&path, encode_off_thread(&batch).await?)
            .await?;
        Ok(())
    }

    /// Writes a group's episode rows: the commit marker of those episodes.
    pub async fn write_episodes(
        &self,
        scope: &Scope,
        group: &str,
        episodes: &[Episode],
    ) -> Result<(), PipelineError> {
        let batch = schema::episodes_to_batch(episodes)?;
        let path = self.lake.table_object(scope, table::EPISODES, group);
        self.lake
            .put(&path, encode_off_thread(&batch).await?)
            .await?;
        Ok(())
    }

    /// Writes a file's row: the marker that all of it is in.
    pub async fn write_source(&self, file: &SourceFile) -> Result<(), PipelineError> {
        let batch = schema::sources_to_batch(std::slice::from_ref(file))?;
        let path = self
            .lake
            .table_object(&file.scope, table::SOURCES, &file.file_hash);
        self.lake
            .put(&path, encode_off_thread(&batch).await?)
            .await?;
        Ok(())
    }
}

/// The object key of a group of episodes: the hash of their ids, in order.
pub fn group_key(episodes: &[Episode]) -> String {
    let ids: Vec<&[u8]> = episodes.iter().map(|e| e.episode_id.as_bytes()).collect();
    ContentHash::of_parts(&ids).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinlake_core::config::LakeConfig;
    use twinlake_core::contract::{chunk, document_episode};
    use twinlake_core::record::SourceKind;

    #[tokio::test]
    async fn groups_are_real_parquet_and_encode_deterministically() {
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
            file_hash: "abc".into(),
            chunk_count: 2,
            ..document_episode(&scope, "e", "/x.txt", 9)
        };
        let writer = LakeWriter::new(lake.clone(), 4);
        let key = group_key(std::slice::from_ref(&episode));
        assert!(
            writer
                .committed_episode_ids(&scope)
                .await
                .unwrap()
                .is_empty()
        );
        writer.write_chunks(&scope, &key, &chunks).await.unwrap();
        writer
            .write_episodes(&scope, &key, std::slice::from_ref(&episode))
            .await
            .unwrap();
        let source = SourceFile {
            scope: scope.clone(),
            file_hash: "abc".into(),
            uri: "/x.txt".into(),
            source_kind: SourceKind::Text,
            entries: 1,
        };
        assert!(!writer.has_source(&scope, "abc").await.unwrap());
        writer.write_source(&source).await.unwrap();
        assert!(writer.has_source(&scope, "abc").await.unwrap());
        assert_eq!(
            writer.committed_episode_ids(&scope).await.unwrap(),
            HashSet::from(["e".to_string()])
        );
        let other = Scope::parse("t", "v").unwrap();
        assert!(
            writer
                .committed_episode_ids(&other)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(!writer.has_source(&other, "abc").await.unwrap());

        let file = dir
            .path()
            .join(format!("tenant=t/user=u/chunks/{key}.parquet"));
        let first = std::fs::read(&file).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(first.clone()))
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader.map(Result::unwrap).collect();
        assert_eq!(schema::chunks_from_batch(&batches[0]).unwrap(), chunks);
        writer.write_chunks(&scope, &key, &chunks).await.unwrap();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            first,
            "a replay changed the bytes"
        );
    }
}

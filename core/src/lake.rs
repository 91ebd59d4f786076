//! The lake: the source of truth, as Parquet objects on an object store
//! chosen by URL.
//!
//! | URL | store |
//! |---|---|
//! | `file:///abs/dir` | local files (writes are atomic: temp file, then rename) |
//! | `memory://` | in-process, for tests |
//! | `s3://bucket/prefix` | S3 or any S3-compatible server (credentials from `AWS_*`) |
//!
//! Layout, tenant first so a tenant's data sits under one prefix:
//! `<root>/tenant=<t>/user=<u>/<table>/<key>.parquet`.

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{LakeConfig, split_url};
use crate::{CoreError, Scope};

/// The lake's object store and the root prefix under which it keeps tables.
#[derive(Clone, Debug)]
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    /// The URL of the store's root (`file://`, `memory://`, `s3://bucket`),
    /// as DataFusion registers object stores.
    store_url: String,
    root: Path,
}

impl Lake {
    /// Opens the lake named by `config.url`.
    pub fn open(config: &LakeConfig) -> Result<Self, CoreError> {
        let url = config.url.as_str();
        let unsupported = || CoreError::UnsupportedUrl {
            concern: "lake",
            url: url.to_string(),
            supported: "file:///abs/dir, memory://, s3://bucket/prefix",
        };
        let (scheme, rest) = split_url(url).ok_or_else(unsupported)?;
        let lake_err = |source| CoreError::Lake {
            path: url.to_string(),
            source,
        };
        match scheme {
            "file" => {
                if !rest.starts_with('/') {
                    return Err(CoreError::ConfigValue {
                        key: "lake.url".into(),
                        message: format!("{url:?}: a file URL needs an absolute path"),
                    });
                }
                std::fs::create_dir_all(rest).map_err(|e| CoreError::ConfigValue {
                    key: "lake.url".into(),
                    message: format!("cannot create {rest}: {e}"),
                })?;
                Ok(Lake {
                    store: Arc::new(LocalFileSystem::new()),
                    store_url: "file://".into(),
                    root: Path::from(rest),
                })
            }
            "memory" => Ok(Lake {
                store: Arc::new(InMemory::new()),
                store_url: "memory://".into(),
                root: Path::from(rest),
            }),
            "s3" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(&config.s3_region)
                    .with_allow_http(config.s3_allow_http)
                    .with_virtual_hosted_style_request(false);
                if !config.s3_endpoint.is_empty() {
                    builder = builder.with_endpoint(&config.s3_endpoint);
                }
                Ok(Lake {
                    store: Arc::new(builder.build().map_err(lake_err)?),
                    store_url: format!("s3://{bucket}"),
                    root: Path::from(prefix),
                })
            }
            _ => Err(unsupported()),
        }
    }

    /// The object store itself, for engines (DataFusion) that read it directly.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// The URL under which to register [`Lake::store`] with DataFusion.
    pub fn store_url(&self) -> &str {
        &self.store_url
    }

    /// The URL of a folder of the lake, e.g. for a DataFusion listing table.
    pub fn url_of(&self, path: &Path) -> String {
        format!("{}/{}", self.store_url, path.as_ref())
    }

    /// The root prefix of the lake.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` relative to the lake's root (`tenant=t/user=u/chunks/k.parquet`):
    /// how errors and reports name an object, never by a server's absolute
    /// path or the store's URL.
    pub fn relative(&self, path: &Path) -> String {
        path.prefix_match(&self.root)
            .map(|parts| {
                parts
                    .map(|p| p.as_ref().to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|| path.to_string())
    }

    /// `<root>/tenant=<t>/user=<u>/<table>`: the folder of one user's table.
    pub fn table_dir(&self, scope: &Scope, table: &str) -> Path {
        self.child(&[
            &format!("tenant={}", scope.tenant),
            &format!("user={}", scope.user),
            table,
        ])
    }

    /// `<table_dir>/<key>.parquet`: one object of a user's table.
    pub fn table_object(&self, scope: &Scope, table: &str, key: &str) -> Path {
        self.table_dir(scope, table).join(format!("{key}.parquet"))
    }

    /// A path below the root.
    pub fn child(&self, parts: &[&str]) -> Path {
        parts
            .iter()
            .fold(self.root.clone(), |path, part| path.join(*part))
    }

    /// Writes an object in one atomic put: readers see all of it or none.
    pub async fn put(&self, path: &Path, bytes: Bytes) -> Result<(), CoreError> {
        self.store
            .put(path, PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(|source| self.err(path, source))
    }

    /// Reads a whole object.
    pub async fn get(&self, path: &Path) -> Result<Bytes, CoreError> {
        let result = self.store.get(path).await.map_err(|s| self.err(path, s))?;
        result.bytes().await.map_err(|s| self.err(path, s))
    }

    /// Whether an object exists.
    pub async fn exists(&self, path: &Path) -> Result<bool, CoreError> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(self.err(path, source)),
        }
    }

    /// The width of the embeddings the lake's chunks hold, as recorded by
    /// [`Lake::record_embedding_width`]; None for a lake that never had one.
    /// Jobs that read chunks without embedding anything learn it here,
    /// without loading the model.
    pub async fn embedding_width(&self) -> Result<Option<usize>, CoreError> {
        let path = self.child(&["_meta", "embedding.json"]);
        if !self.exists(&path).await? {
            return Ok(None);
        }
        let bytes = self.get(&path).await?;
        let meta: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| CoreError::ConfigValue {
                key: path.to_string(),
                message: e.to_string(),
            })?;
        match meta["dim"].as_u64() {
            Some(dim) if dim > 0 => Ok(Some(dim as usize)),
            _ => Err(CoreError::ConfigValue {
                key: path.to_string(),
                message: "no positive \"dim\"".into(),
            }),
        }
    }

    /// Records that the lake's chunks hold embeddings of `dim` floats.
    pub async fn record_embedding_width(&self, dim: usize) -> Result<(), CoreError> {
        let path = self.child(&["_meta", "embedding.json"]);
        let body = serde_json::json!({ "dim": dim }).to_string();
        self.put(&path, Bytes::from(body)).await
    }

    /// Every object below a prefix, sorted by path.
    pub async fn list(&self, prefix: &Path) -> Result<Vec<Path>, CoreError> {
        let mut paths: Vec<Path> = self
            .store
            .list(Some(prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(|s| self.err(prefix, s))?;
        paths.sort();
        Ok(paths)
    }

    /// The bytes `tenant` keeps in the lake: its tables
    /// (`tenant=<t>/`) and its kept files (`raw/<t>/`).
    pub async fn tenant_bytes(&self, tenant: &str) -> Result<u64, CoreError> {
        let mut total = 0;
        for prefix in [
            self.child(&[&format!("tenant={tenant}")]),
            self.child(&["raw", tenant]),
        ] {
            total += self
                .store
                .list(Some(&prefix))
                .try_fold(0u64, |sum, meta| async move { Ok(sum + meta.size) })
                .await
                .map_err(|s| self.err(&prefix, s))?;
        }
        Ok(total)
    }

    /// Deletes an object; deleting a missing object is not an error.
    pub async fn delete(&self, path: &Path) -> Result<(), CoreError> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(self.err(path, source)),
        }
    }

    fn err(&self, path: &Path, source: object_store::Error) -> CoreError {
        CoreError::Lake {
            path: self.relative(path),
            source,
        }
    }
}

/// The contract every lake store passes, whatever its URL: the same suite
/// runs against `file://`, `memory://` and, when a server is given,
/// `s3://` (see `TWINLAKE_TEST_S3_URL` in the integration tests).
#[cfg(any(test, feature = "testsuite"))]
pub mod contract {
    use super::*;

    /// Runs the whole suite against `lake`. Panics on the first failure.
    pub async fn run(lake: &Lake) {
        let scope = Scope::parse("contract", "u1").unwrap();
        let other = Scope::parse("contract", "u2").unwrap();
        let a = lake.table_object(&scope, "chunks", "a");
        let b = lake.table_object(&scope, "chunks", "b");
        let foreign = lake.table_object(&other, "chunks", "a");
        for p in [&a, &b, &foreign] {
            lake.delete(p).await.unwrap();
        }
        // Objects are named relative to the lake, whatever the store.
        assert_eq!(
            lake.relative(&a),
            "tenant=contract/user=u1/chunks/a.parquet"
        );

        assert!(
            !lake.exists(&a).await.unwrap(),
            "missing object reported present"
        );
        lake.put(&a, Bytes::from_static(b"first")).await.unwrap();
        assert!(lake.exists(&a).await.unwrap());
        assert_eq!(lake.get(&a).await.unwrap(), Bytes::from_static(b"first"));

        // Overwrite is whole: the old bytes never mix with the new.
        lake.put(&a, Bytes::from_static(b"second, longer"))
            .await
            .unwrap();
        assert_eq!(
            lake.get(&a).await.unwrap(),
            Bytes::from_static(b"second, longer")
        );

        lake.put(&b, Bytes::from(vec![7u8; 3 * 1024 * 1024]))
            .await
            .unwrap();
        lake.put(&foreign, Bytes::from_static(b"not yours"))
            .await
            .unwrap();
        let listed = lake.list(&lake.table_dir(&scope, "chunks")).await.unwrap();
        assert_eq!(
            listed,
            vec![a.clone(), b.clone()],
            "listing leaked another user's object"
        );
        assert_eq!(lake.get(&b).await.unwrap().len(), 3 * 1024 * 1024);
        // A tenant's usage counts its tables, whoever the user.
        assert_eq!(
            lake.tenant_bytes("contract").await.unwrap(),
            (b"second, longer".len() + 3 * 1024 * 1024 + b"not yours".len()) as u64
        );
        assert_eq!(lake.tenant_bytes("nobody").await.unwrap(), 0);

        lake.delete(&a).await.unwrap();
        lake.delete(&a).await.unwrap();
        assert!(!lake.exists(&a).await.unwrap());
        assert!(matches!(lake.get(&a).await, Err(CoreError::Lake { .. })));
        lake.delete(&b).await.unwrap();
        lake.delete(&foreign).await.unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: String) -> LakeConfig {
        LakeConfig {
            url,
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_allow_http: false,
        }
    }

    #[tokio::test]
    async fn local_lake_passes_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&config(format!("file://{}", dir.path().display()))).unwrap();
        contract::run(&lake).await;
        assert_eq!(
            lake.url_of(lake.root()),
            format!("file://{}", dir.path().display())
        );
    }

    #[tokio::test]
    async fn memory_lake_passes_the_contract() {
        contract::run(&Lake::open(&config("memory://".into())).unwrap()).await;
    }

    #[test]
    fn unknown_schemes_and_relative_paths_are_refused() {
        let e = Lake::open(&config("ftp://x".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported scheme"), "{e}");
        let e = Lake::open(&config("file://relative/dir".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("absolute"), "{e}");
    }
}

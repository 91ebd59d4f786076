//! Registering the lake's tables with DataFusion, one user at a time.
//!
//! The layout is `<root>/tenant=<t>/user=<u>/<table>/<hash>.parquet`. A job
//! reads one user: its session lists and registers only that user's
//! objects, as listing tables with the schema fixed by
//! `twinlake_core::schema` (no file is opened to infer it, and a user with
//! nothing stored has empty tables). So a corrupt or unreadable object
//! fails only its owner's requests, never another user's, and a job over
//! the whole lake ([`crate::rebuild_indexes`]) goes user by user.
//!
//! DataFusion's own read errors do not say which file failed; when a read
//! fails, [`query`] reads the user's objects one by one and names the
//! unreadable one relative to the lake.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use futures::StreamExt;
use object_store::path::Path;
use serde::Serialize;
use twinlake_core::Scope;
use twinlake_core::lake::Lake;
use twinlake_core::panics::quietly_async;
use twinlake_core::schema::{self, table};

use crate::JobError;

/// A lake object that could not be read, named relative to the lake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnreadableObject {
    /// `tenant=<t>/user=<u>/<table>/<key>.parquet`.
    pub object: String,
    /// What reading it said.
    pub error: String,
}

/// The tables a job reads, with the schema of each (chunks hold
/// embeddings of `dim` floats).
fn tables(dim: usize) -> [(&'static str, SchemaRef); 2] {
    [
        (table::CHUNKS, schema::chunks_schema(dim)),
        (table::EPISODES, schema::episodes_schema()),
    ]
}

/// A DataFusion session over `scope`'s `chunks` (embeddings of `dim`
/// floats) and `episodes` tables, leaving out the objects named in `skip`
/// (relative to the lake): what every job starts from.
pub async fn open(
    lake: &Lake,
    dim: usize,
    scope: &Scope,
    skip: &[String],
) -> Result<SessionContext, JobError> {
    let ctx = session(lake)?;
    for (name, schema) in tables(dim) {
        let objects: Vec<Path> = objects(lake, scope, name)
            .await?
            .into_iter()
            .filter(|o| !skip.contains(&lake.relative(o)))
            .collect();
        register(&ctx, lake, name, schema, &objects)?;
    }
    Ok(ctx)
}

/// Runs `sql`, bound to `scope` and the `extra` parameters, over `scope`'s
/// tables and collects at most `limit` rows. A failed read is reported as
/// the first of the user's objects that cannot be read, when one is the
/// cause.
pub async fn query(
    lake: &Lake,
    dim: usize,
    scope: &Scope,
    sql: &str,
    extra: &[(&str, &str)],
    limit: Option<usize>,
) -> Result<Vec<RecordBatch>, JobError> {
    let run = async {
        let ctx = open(lake, dim, scope, &[]).await?;
        let frame = ctx
            .sql(sql)
            .await?
            .with_param_values(scope_params(scope, extra))?;
        let frame = match limit {
            Some(limit) => frame.limit(0, Some(limit))?,
            None => frame,
        };
        Ok::<_, JobError>(frame.collect().await?)
    };
    // The Parquet reader may panic on a corrupt object rather than fail.
    let failure = match quietly_async(run).await {
        Ok(Err(JobError::DataFusion(error))) => JobError::DataFusion(error),
        Err(panic) => JobError::Interrupted(panic),
        Ok(done) => return done,
    };
    match unreadable_objects(lake, dim, scope)
        .await?
        .into_iter()
        .next()
    {
        Some(bad) => Err(JobError::UnreadableObject {
            object: bad.object,
            error: bad.error,
        }),
        None => Err(failure),
    }
}

/// Reads each of `scope`'s objects in full on its own and returns those
/// that fail, with their paths (relative to the lake) and errors. Only run
/// once a read has failed: it reads everything the user has.
pub async fn unreadable_objects(
    lake: &Lake,
    dim: usize,
    scope: &Scope,
) -> Result<Vec<UnreadableObject>, JobError> {
    let ctx = session(lake)?;
    let mut unreadable = Vec::new();
    for (name, schema) in tables(dim) {
        for object in objects(lake, scope, name).await? {
            let read = quietly_async(read_whole(&ctx, &lake.url_of(&object), &schema)).await;
            let error = match read {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e.to_string(),
                Err(panic) => panic,
            };
            unreadable.push(UnreadableObject {
                object: lake.relative(&object),
                error,
            });
        }
    }
    Ok(unreadable)
}

/// Decodes every row of one Parquet object, discarding them.
async fn read_whole(
    ctx: &SessionContext,
    url: &str,
    schema: &SchemaRef,
) -> Result<(), datafusion::error::DataFusionError> {
    let options = ParquetReadOptions::default().schema(schema.as_ref());
    let mut stream = ctx
        .read_parquet(url, options)
        .await?
        .execute_stream()
        .await?;
    while let Some(batch) = stream.next().await {
        batch?;
    }
    Ok(())
}

/// Every `(tenant, user)` with objects in the lake, in order.
pub async fn scopes(lake: &Lake) -> Result<Vec<Scope>, JobError> {
    let mut scopes = Vec::new();
    for object in lake.list(lake.root()).await? {
        let relative = lake.relative(&object);
        let mut parts = relative.split('/');
        let (Some(tenant), Some(user)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Some(tenant), Some(user)) =
            (tenant.strip_prefix("tenant="), user.strip_prefix("user="))
        else {
            continue;
        };
        if let Ok(scope) = Scope::parse(tenant, user) {
            scopes.push(scope);
        }
    }
    scopes.dedup();
    Ok(scopes)
}

/// The Parquet objects of `scope`'s `table`, sorted.
async fn objects(lake: &Lake, scope: &Scope, table: &str) -> Result<Vec<Path>, JobError> {
    Ok(lake
        .list(&lake.table_dir(scope, table))
        .await?
        .into_iter()
        .filter(|p| p.extension() == Some("parquet"))
        .collect())
}

/// A DataFusion session that can read `lake`.
pub fn session(lake: &Lake) -> Result<SessionContext, JobError> {
    let ctx = SessionContext::new();
    let url = url::Url::parse(lake.store_url())
        .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
    ctx.register_object_store(&url, lake.store());
    Ok(ctx)
}

/// Registers `objects` as the table `name`: an empty table when there are
/// none.
fn register(
    ctx: &SessionContext,
    lake: &Lake,
    name: &str,
    schema: SchemaRef,
    objects: &[Path],
) -> Result<(), JobError> {
    if objects.is_empty() {
        ctx.register_table(name, Arc::new(MemTable::try_new(schema, vec![vec![]])?))?;
        return Ok(());
    }
    let urls = objects
        .iter()
        .map(|o| ListingTableUrl::parse(lake.url_of(o)))
        .collect::<Result<Vec<_>, _>>()?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// The `$tenant` and `$user` parameters of `scope`, plus `extra` string
/// parameters: every job's SQL is bound to one user this way.
pub fn scope_params(scope: &Scope, extra: &[(&str, &str)]) -> ParamValues {
    let text = |v: &str| ScalarValue::Utf8(Some(v.to_string())).into();
    let mut params = vec![
        ("tenant".to_string(), text(scope.tenant.as_str())),
        ("user".to_string(), text(scope.user.as_str())),
    ];
    params.extend(extra.iter().map(|(k, v)| (k.to_string(), text(v))));
    ParamValues::Map(params.into_iter().collect())
}

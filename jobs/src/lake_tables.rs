//! Registering the lake's tables with DataFusion.
//!
//! The layout is `<root>/tenant=<t>/user=<u>/<table>/<hash>.parquet`. Each
//! table is a listing table over the folders of that table name (found by
//! listing the lake), with the schema fixed by `twinlake_core::schema`, so
//! no file is opened to infer it and an empty lake is an empty table.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use twinlake_core::Scope;
use twinlake_core::lake::Lake;
use twinlake_core::schema::{self, table};

use crate::JobError;

/// A DataFusion session over `lake` with its `chunks` (embeddings of `dim`
/// floats) and `episodes` tables registered: what every job starts from.
pub async fn open(lake: &Lake, dim: usize) -> Result<SessionContext, JobError> {
    let ctx = session(lake)?;
    register(&ctx, lake, table::CHUNKS, schema::chunks_schema(dim)).await?;
    register(&ctx, lake, table::EPISODES, schema::episodes_schema()).await?;
    Ok(ctx)
}

/// A DataFusion session that can read `lake`.
pub fn session(lake: &Lake) -> Result<SessionContext, JobError> {
    let ctx = SessionContext::new();
    let url = url::Url::parse(lake.store_url())
        .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
    ctx.register_object_store(&url, lake.store());
    Ok(ctx)
}

/// Registers `table` of every tenant and user in the lake under its own name.
pub async fn register(
    ctx: &SessionContext,
    lake: &Lake,
    table: &str,
    schema: SchemaRef,
) -> Result<(), JobError> {
    let objects = lake.list(lake.root()).await?;
    let mut dirs: Vec<String> = objects
        .iter()
        .filter_map(|p| {
            let parts: Vec<&str> = p.as_ref().split('/').collect();
            let n = parts.len();
            // .../tenant=<t>/user=<u>/<table>/<file>.parquet
            (n >= 4
                && parts[n - 2] == table
                && parts[n - 3].starts_with("user=")
                && parts[n - 4].starts_with("tenant=")
                && parts[n - 1].ends_with(".parquet"))
            .then(|| parts[..n - 1].join("/"))
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    if dirs.is_empty() {
        ctx.register_table(table, Arc::new(MemTable::try_new(schema, vec![vec![]])?))?;
        return Ok(());
    }
    let urls = dirs
        .iter()
        .map(|d| ListingTableUrl::parse(format!("{}/{d}/", lake.store_url())))
        .collect::<Result<Vec<_>, _>>()?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(table, Arc::new(ListingTable::try_new(config)?))?;
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

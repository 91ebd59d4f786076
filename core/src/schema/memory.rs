//! The `memories`, `entities` and `facts` tables. Lists (source episodes,
//! aliases) are stored as JSON arrays in one text column, like `meta`.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Float32Array, Int64Array, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::{Columns, opt_str, optional_strings, strings, table, utf8};
use crate::memory::{Entity, EntityKind, Fact, Memory, MemoryKind, Polarity};
use crate::{CoreError, Scope};

fn micros(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Int64, nullable)
}

/// The schema of the `memories` table.
pub fn memories_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("memory_id", false),
        utf8("tenant", false),
        utf8("user", false),
        utf8("kind", false),
        utf8("subject", false),
        Field::new("about_user", DataType::Boolean, false),
        utf8("predicate", false),
        utf8("object", false),
        utf8("sentence", false),
        utf8("polarity", false),
        Field::new("confidence", DataType::Float32, false),
        Field::new("importance", DataType::Float32, false),
        utf8("domain", false),
        utf8("source_kind", false),
        utf8("session", true),
        utf8("turn", true),
        utf8("source_episodes", false),
        micros("valid_at_us", false),
        micros("invalid_at_us", true),
        micros("created_at_us", false),
        micros("expired_at_us", true),
        micros("expires_at_us", true),
        utf8("superseded_by", true),
        utf8("supersedes", true),
    ]))
}

/// The schema of the `entities` table.
pub fn entities_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("entity_id", false),
        utf8("kind", false),
        utf8("name", false),
        utf8("aliases", false),
    ]))
}

/// The schema of the `facts` table.
pub fn facts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("fact_id", false),
        utf8("tenant", false),
        utf8("user", false),
        utf8("from_entity", false),
        utf8("relation", false),
        utf8("to_entity", false),
        utf8("text", false),
        micros("valid_at_us", false),
        micros("invalid_at_us", true),
        utf8("memory_id", true),
        utf8("source_episodes", false),
    ]))
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("string lists serialise")
}

fn floats(values: impl Iterator<Item = f32>) -> ArrayRef {
    Arc::new(Float32Array::from_iter_values(values))
}

fn times(values: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(values))
}

fn optional_times(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from_iter(values))
}

/// Builds a batch of the `memories` table.
pub fn memories_to_batch(memories: &[Memory]) -> Result<RecordBatch, CoreError> {
    let m = memories;
    let sources: Vec<String> = m.iter().map(|m| json_list(&m.source_episodes)).collect();
    let columns: Vec<ArrayRef> = vec![
        strings(m.iter().map(|m| m.memory_id.as_str())),
        strings(m.iter().map(|m| m.scope.tenant.as_str())),
        strings(m.iter().map(|m| m.scope.user.as_str())),
        strings(m.iter().map(|m| m.kind.as_str())),
        strings(m.iter().map(|m| m.subject.as_str())),
        Arc::new(BooleanArray::from_iter(
            m.iter().map(|m| Some(m.about_user)),
        )),
        strings(m.iter().map(|m| m.predicate.as_str())),
        strings(m.iter().map(|m| m.object.as_str())),
        strings(m.iter().map(|m| m.sentence.as_str())),
        strings(m.iter().map(|m| m.polarity.as_str())),
        floats(m.iter().map(|m| m.confidence)),
        floats(m.iter().map(|m| m.importance)),
        strings(m.iter().map(|m| m.domain.as_str())),
        strings(m.iter().map(|m| m.source_kind.as_str())),
        optional_strings(m.iter().map(|m| m.session.as_deref())),
        optional_strings(m.iter().map(|m| m.turn.as_deref())),
        strings(sources.iter().map(String::as_str)),
        times(m.iter().map(|m| m.valid_at_us)),
        optional_times(m.iter().map(|m| m.invalid_at_us)),
        times(m.iter().map(|m| m.created_at_us)),
        optional_times(m.iter().map(|m| m.expired_at_us)),
        optional_times(m.iter().map(|m| m.expires_at_us)),
        optional_strings(m.iter().map(|m| m.superseded_by.as_deref())),
        optional_strings(m.iter().map(|m| m.supersedes.as_deref())),
    ];
    Ok(RecordBatch::try_new(memories_schema(), columns)?)
}

/// Builds a batch of the `entities` table.
pub fn entities_to_batch(entities: &[Entity]) -> Result<RecordBatch, CoreError> {
    let e = entities;
    let aliases: Vec<String> = e.iter().map(|e| json_list(&e.aliases)).collect();
    let columns: Vec<ArrayRef> = vec![
        strings(e.iter().map(|e| e.entity_id.as_str())),
        strings(e.iter().map(|e| e.kind.as_str())),
        strings(e.iter().map(|e| e.name.as_str())),
        strings(aliases.iter().map(String::as_str)),
    ];
    Ok(RecordBatch::try_new(entities_schema(), columns)?)
}

/// Builds a batch of the `facts` table.
pub fn facts_to_batch(facts: &[Fact]) -> Result<RecordBatch, CoreError> {
    let f = facts;
    let sources: Vec<String> = f.iter().map(|f| json_list(&f.source_episodes)).collect();
    let columns: Vec<ArrayRef> = vec![
        strings(f.iter().map(|f| f.fact_id.as_str())),
        strings(f.iter().map(|f| f.scope.tenant.as_str())),
        strings(f.iter().map(|f| f.scope.user.as_str())),
        strings(f.iter().map(|f| f.from.as_str())),
        strings(f.iter().map(|f| f.relation.as_str())),
        strings(f.iter().map(|f| f.to.as_str())),
        strings(f.iter().map(|f| f.text.as_str())),
        times(f.iter().map(|f| f.valid_at_us)),
        optional_times(f.iter().map(|f| f.invalid_at_us)),
        optional_strings(f.iter().map(|f| f.memory_id.as_deref())),
        strings(sources.iter().map(String::as_str)),
    ];
    Ok(RecordBatch::try_new(facts_schema(), columns)?)
}

impl Columns<'_> {
    fn list(
        &self,
        column: &'static str,
        array: &StringArray,
        row: usize,
    ) -> Result<Vec<String>, CoreError> {
        serde_json::from_str(array.value(row)).map_err(|e| CoreError::Schema {
            table: self.table,
            column,
            message: e.to_string(),
        })
    }

    fn parsed<T>(
        &self,
        column: &'static str,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, CoreError> {
        parse(value).ok_or_else(|| CoreError::Schema {
            table: self.table,
            column,
            message: format!("unknown value {value:?}"),
        })
    }
}

fn opt_time(array: &Int64Array, row: usize) -> Option<i64> {
    (!array.is_null(row)).then(|| array.value(row))
}

/// Reads memories back from a batch with the `memories` columns.
pub fn memories_from_batch(batch: &RecordBatch) -> Result<Vec<Memory>, CoreError> {
    let cols = Columns {
        batch,
        table: table::MEMORIES,
    };
    let s = |name| cols.get::<StringArray>(name);
    let f = |name| cols.get::<Float32Array>(name);
    let t = |name| cols.get::<Int64Array>(name);
    let (id, tenant, user, kind) = (s("memory_id")?, s("tenant")?, s("user")?, s("kind")?);
    let (subject, predicate, object) = (s("subject")?, s("predicate")?, s("object")?);
    let (sentence, polarity, domain) = (s("sentence")?, s("polarity")?, s("domain")?);
    let (source_kind, session, turn) = (s("source_kind")?, s("session")?, s("turn")?);
    let (sources, superseded_by, supersedes) =
        (s("source_episodes")?, s("superseded_by")?, s("supersedes")?);
    let (confidence, importance) = (f("confidence")?, f("importance")?);
    let about_user = cols.get::<BooleanArray>("about_user")?;
    let (valid, invalid, created) = (t("valid_at_us")?, t("invalid_at_us")?, t("created_at_us")?);
    let (expired, expires) = (t("expired_at_us")?, t("expires_at_us")?);
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        out.push(Memory {
            memory_id: id.value(row).to_string(),
            scope: Scope::parse(tenant.value(row), user.value(row))?,
            kind: cols.parsed("kind", kind.value(row), MemoryKind::parse)?,
            subject: subject.value(row).to_string(),
            about_user: about_user.value(row),
            predicate: predicate.value(row).to_string(),
            object: object.value(row).to_string(),
            sentence: sentence.value(row).to_string(),
            polarity: cols.parsed("polarity", polarity.value(row), Polarity::parse)?,
            confidence: confidence.value(row),
            importance: importance.value(row),
            domain: domain.value(row).to_string(),
            source_kind: cols.kind(source_kind, row)?,
            session: opt_str(session, row),
            turn: opt_str(turn, row),
            source_episodes: cols.list("source_episodes", sources, row)?,
            valid_at_us: valid.value(row),
            invalid_at_us: opt_time(invalid, row),
            created_at_us: created.value(row),
            expired_at_us: opt_time(expired, row),
            expires_at_us: opt_time(expires, row),
            superseded_by: opt_str(superseded_by, row),
            supersedes: opt_str(supersedes, row),
        });
    }
    Ok(out)
}

/// Reads entities back from a batch with the `entities` columns.
pub fn entities_from_batch(batch: &RecordBatch) -> Result<Vec<Entity>, CoreError> {
    let cols = Columns {
        batch,
        table: table::ENTITIES,
    };
    let s = |name| cols.get::<StringArray>(name);
    let (id, kind, name, aliases) = (s("entity_id")?, s("kind")?, s("name")?, s("aliases")?);
    (0..batch.num_rows())
        .map(|row| {
            Ok(Entity {
                entity_id: id.value(row).to_string(),
                kind: cols.parsed("kind", kind.value(row), EntityKind::parse)?,
                name: name.value(row).to_string(),
                aliases: cols.list("aliases", aliases, row)?,
            })
        })
        .collect()
}

/// Reads facts back from a batch with the `facts` columns.
pub fn facts_from_batch(batch: &RecordBatch) -> Result<Vec<Fact>, CoreError> {
    let cols = Columns {
        batch,
        table: table::FACTS,
    };
    let s = |name| cols.get::<StringArray>(name);
    let t = |name| cols.get::<Int64Array>(name);
    let (id, tenant, user, from) = (s("fact_id")?, s("tenant")?, s("user")?, s("from_entity")?);
    let (relation, to, text) = (s("relation")?, s("to_entity")?, s("text")?);
    let (memory, sources) = (s("memory_id")?, s("source_episodes")?);
    let (valid, invalid) = (t("valid_at_us")?, t("invalid_at_us")?);
    (0..batch.num_rows())
        .map(|row| {
            Ok(Fact {
                fact_id: id.value(row).to_string(),
                scope: Scope::parse(tenant.value(row), user.value(row))?,
                from: from.value(row).to_string(),
                relation: relation.value(row).to_string(),
                to: to.value(row).to_string(),
                text: text.value(row).to_string(),
                valid_at_us: valid.value(row),
                invalid_at_us: opt_time(invalid, row),
                memory_id: opt_str(memory, row),
                source_episodes: cols.list("source_episodes", sources, row)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SourceKind;

    fn memory() -> Memory {
        Memory {
            memory_id: "m1".into(),
            scope: Scope::parse("t", "alice").unwrap(),
            kind: MemoryKind::Dealbreaker,
            subject: "Alice".into(),
            about_user: true,
            predicate: "allergic_to".into(),
            object: "peanuts".into(),
            sentence: "Alice is allergic to peanuts.".into(),
            polarity: Polarity::Negative,
            confidence: 0.9,
            importance: 0.9,
            domain: "food".into(),
            source_kind: SourceKind::Telegram,
            session: Some("chat".into()),
            turn: None,
            source_episodes: vec!["e1".into(), "e2".into()],
            valid_at_us: 5,
            invalid_at_us: Some(9),
            created_at_us: 7,
            expired_at_us: None,
            expires_at_us: Some(100),
            superseded_by: Some("m2".into()),
            supersedes: None,
        }
    }

    #[test]
    fn memories_entities_and_facts_round_trip_through_arrow() {
        let m = memory();
        let back = memories_from_batch(&memories_to_batch(std::slice::from_ref(&m)).unwrap());
        assert_eq!(back.unwrap(), vec![m]);
        let e = Entity {
            entity_id: "x".into(),
            kind: EntityKind::Person,
            name: "Ana Martin".into(),
            aliases: vec!["Ana".into()],
        };
        let back = entities_from_batch(&entities_to_batch(std::slice::from_ref(&e)).unwrap());
        assert_eq!(back.unwrap(), vec![e]);
        let f = Fact {
            fact_id: "f".into(),
            scope: Scope::parse("t", "alice").unwrap(),
            from: "a".into(),
            relation: "SISTER".into(),
            to: "b".into(),
            text: "Ana is Alice's sister.".into(),
            valid_at_us: 1,
            invalid_at_us: None,
            memory_id: Some("m1".into()),
            source_episodes: vec!["e1".into()],
        };
        let back = facts_from_batch(&facts_to_batch(std::slice::from_ref(&f)).unwrap());
        assert_eq!(back.unwrap(), vec![f]);
    }

    #[test]
    fn validity_is_half_open_and_ttl_lapses() {
        let m = memory();
        assert!(!m.is_valid_at(4));
        assert!(m.is_valid_at(5) && m.is_valid_at(8));
        assert!(!m.is_valid_at(9), "invalid_at closes the interval");
        let open = Memory {
            invalid_at_us: None,
            ..memory()
        };
        assert!(open.is_valid_at(99) && !open.is_valid_at(100), "TTL lapses");
    }
}

//! Reading a LoCoMo file for evaluation: each sample's conversation (what
//! the twin may read) apart from its questions and evidence (what it is
//! scored against).
//!
//! The annotations (`event_summary`, `observation`, `session_summary`) and
//! the answers are never passed on: the conversation written for ingest
//! holds `sample_id` and `conversation` only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use twinlake_udfs::parse::{self, Format, ParseContext, Parsed};

/// Why a LoCoMo file cannot be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{path}: not JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A field is missing or of the wrong type.
    #[error("{path}: sample {sample}: {field}: {message}")]
    Field {
        path: PathBuf,
        sample: String,
        field: String,
        message: String,
    },
}

/// One question with the turns that hold its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// `<sample_id>#<index in the sample's qa list>`.
    pub key: String,
    /// The question.
    pub text: String,
    /// 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial.
    pub category: u8,
    /// Normalised evidence ids that name a turn of the conversation.
    pub evidence: Vec<String>,
}

/// One conversation and its questions.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The sample's id.
    pub id: String,
    /// The first speaker, whose twin is evaluated.
    pub speaker_a: String,
    /// Every turn: (dia_id, speaker, text), in session order.
    pub turns: Vec<(String, String, String)>,
    /// The conversation as ingested: `sample_id` and `conversation` only.
    pub conversation_file: Value,
    /// Its questions.
    pub questions: Vec<Question>,
}

/// Reads every sample of the LoCoMo file at `path`.
pub fn read(path: &Path) -> Result<Vec<Sample>, DatasetError> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Read {
        path: path.into(),
        source,
    })?;
    let root: Value = serde_json::from_slice(&bytes).map_err(|source| DatasetError::Json {
        path: path.into(),
        source,
    })?;
    let samples = match root {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => {
            return Err(DatasetError::Field {
                path: path.into(),
                sample: "-".into(),
                field: "(root)".into(),
                message: "expected a list of samples".into(),
            });
        }
    };
    samples
        .iter()
        .enumerate()
        .map(|(i, s)| sample(path, i, s))
        .collect()
}

fn sample(path: &Path, index: usize, value: &Value) -> Result<Sample, DatasetError> {
    let id = value
        .get("sample_id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("locomo-{index}"));
    let field = |field: &str, message: &str| DatasetError::Field {
        path: path.into(),
        sample: id.clone(),
        field: field.into(),
        message: message.into(),
    };
    let conversation = value
        .get("conversation")
        .and_then(Value::as_object)
        .ok_or_else(|| field("conversation", "missing or not an object"))?;
    let speaker_a = conversation
        .get("speaker_a")
        .and_then(Value::as_str)
        .ok_or_else(|| field("conversation.speaker_a", "missing or not a string"))?
        .to_string();
    let conversation_file =
        json!({ "sample_id": id, "conversation": Value::Object(conversation.clone()) });
    let turns = turns(path, &id, &conversation_file)?;
    let known: HashSet<&str> = turns.iter().map(|(id, _, _)| id.as_str()).collect();
    let qa = value
        .get("qa")
        .and_then(Value::as_array)
        .ok_or_else(|| field("qa", "missing or not a list"))?;
    let mut questions = Vec::with_capacity(qa.len());
    for (q, item) in qa.iter().enumerate() {
        let at = |name: &str| format!("qa[{q}].{name}");
        let text = item
            .get("question")
            .and_then(Value::as_str)
            .ok_or_else(|| field(&at("question"), "missing or not a string"))?;
        let category =
            item.get("category")
                .and_then(Value::as_u64)
                .filter(|c| (1..=5).contains(c))
                .ok_or_else(|| field(&at("category"), "missing or not 1-5"))? as u8;
        let raw: Vec<&str> = item
            .get("evidence")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        questions.push(Question {
            key: format!("{id}#{q}"),
            text: text.to_string(),
            category,
            evidence: normalise_evidence(&raw, &known),
        });
    }
    Ok(Sample {
        id,
        speaker_a,
        turns,
        conversation_file,
        questions,
    })
}

/// The turns as the twin reads them: the project's own LoCoMo parser on the
/// file written for ingest (sessions in numeric order, captions appended).
fn turns(
    path: &Path,
    sample: &str,
    file: &Value,
) -> Result<Vec<(String, String, String)>, DatasetError> {
    let bytes = serde_json::to_vec(file).expect("a JSON value serialises");
    let parsed = parse::parse(&bytes, Format::Locomo, &ParseContext::default()).map_err(|e| {
        DatasetError::Field {
            path: path.into(),
            sample: sample.into(),
            field: "conversation".into(),
            message: e.to_string(),
        }
    })?;
    let Parsed::Export(export) = parsed else {
        unreachable!("the LoCoMo parser yields an export")
    };
    Ok(export
        .entries
        .into_iter()
        .map(|e| {
            let id = normalise_id(&e.id).unwrap_or(e.id);
            (id, e.author.unwrap_or_default(), e.text)
        })
        .collect())
}

/// `D<session>:<turn>` for "D1:3", "D:1:3" or "D01:003"; None otherwise.
pub fn normalise_id(raw: &str) -> Option<String> {
    let rest = raw.trim().strip_prefix('D')?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (session, turn) = rest.split_once(':')?;
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    Some(format!("D{}:{}", number(session)?, number(turn)?))
}

/// The evidence ids of a question, as a careful scorer reads them: ids
/// packed in one string ("D9:1 D4:4", "D9:1; D4:4") are split, odd forms
/// normalised ([`normalise_id`]), ids naming no turn of `known` dropped,
/// repeats removed (first kept).
pub fn normalise_evidence(raw: &[&str], known: &HashSet<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in raw
        .iter()
        .flat_map(|s| s.split(|c: char| c.is_whitespace() || c == ',' || c == ';'))
        .filter_map(normalise_id)
    {
        if known.contains(id.as_str()) && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_ids_are_split_fixed_and_checked() {
        let known: HashSet<&str> = ["D9:1", "D4:4", "D11:26", "D30:5"].into_iter().collect();
        let raw = [
            "D9:1 D4:4",
            "D:11:26",
            "D30:05",
            "D99:1",
            "D9:1",
            "see D4",
            "",
        ];
        assert_eq!(
            normalise_evidence(&raw, &known),
            ["D9:1", "D4:4", "D11:26", "D30:5"]
        );
        assert_eq!(normalise_id("D1:3"), Some("D1:3".into()));
        assert_eq!(normalise_id("D1:x"), None);
        assert_eq!(normalise_id("1:3"), None);
    }

    #[test]
    fn samples_keep_the_conversation_and_drop_annotations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locomo.json");
        std::fs::write(
            &path,
            r#"[{"sample_id": "s1",
                 "conversation": {"speaker_a": "Ines", "speaker_b": "Tomas",
                   "session_2_date_time": "1:00 pm on 2 May, 2023",
                   "session_2": [{"speaker": "Tomas", "dia_id": "D2:1", "text": "Later."}],
                   "session_1_date_time": "1:00 pm on 1 May, 2023",
                   "session_1": [{"speaker": "Ines", "dia_id": "D1:1", "text": "Hi",
                                  "blip_caption": "a river"}]},
                 "qa": [{"question": "Q?", "answer": "secret", "evidence": ["D1:1 D2:01"], "category": 4},
                        {"question": "Q2?", "adversarial_answer": "x", "evidence": [], "category": 5}],
                 "observation": {"x": "secret too"}}]"#,
        )
        .unwrap();
        let samples = read(&path).unwrap();
        let s = &samples[0];
        assert_eq!((s.id.as_str(), s.speaker_a.as_str()), ("s1", "Ines"));
        assert_eq!(
            s.turns[0],
            (
                "D1:1".into(),
                "Ines".into(),
                "Hi [shares a photo: a river]".into()
            )
        );
        assert_eq!(s.turns[1].0, "D2:1");
        assert_eq!(s.questions[0].key, "s1#0");
        assert_eq!(s.questions[0].evidence, ["D1:1", "D2:1"]);
        assert_eq!(s.questions[1].category, 5);
        let written = s.conversation_file.to_string();
        assert!(
            !written.contains("secret"),
            "annotations or answers leaked: {written}"
        );
        assert!(written.contains("session_1"));
    }

    #[test]
    fn a_question_without_category_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(
            &path,
            r#"[{"sample_id": "s9", "conversation": {"speaker_a": "A"}, "qa": [{"question": "Q?"}]}]"#,
        )
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("sample s9: qa[0].category"), "{err}");
    }
}

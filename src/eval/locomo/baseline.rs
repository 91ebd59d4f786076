//! The plain BM25 baseline, run beside twinlake on the same turns so every
//! figure reads as a ratio against it on the same machine: one document
//! per turn ("Speaker: text"), lower-cased, English stop words
//! ([`twinlake_udfs::stop_words`]) removed, no
//! stemming, no context, no dense retrieval, tantivy's BM25 (k1 1.2,
//! b 0.75), the question's words OR-ed.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, StopWordFilter, TextAnalyzer, TokenStream};
use tantivy::{Index, IndexReader, TantivyDocument, doc};

/// An in-memory BM25 index over one conversation's turns.
pub struct PlainBm25 {
    index: Index,
    reader: IndexReader,
    id: tantivy::schema::Field,
    text: tantivy::schema::Field,
}

impl PlainBm25 {
    /// Indexes `turns` of (dia_id, speaker, text).
    pub fn new(turns: &[(String, String, String)]) -> tantivy::Result<Self> {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let text = b.add_text_field(
            "text",
            TextOptions::default()
                .set_indexing_options(TextFieldIndexing::default().set_tokenizer("plain")),
        );
        let index = Index::create_in_ram(b.build());
        let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(StopWordFilter::remove(
                twinlake_udfs::stop_words::ENGLISH
                    .iter()
                    .map(|w| w.to_string()),
            ))
            .build();
        index.tokenizers().register("plain", analyzer);
        let mut writer = index.writer_with_num_threads(1, 20_000_000)?;
        for (dia_id, speaker, said) in turns {
            writer
                .add_document(doc!(id => dia_id.as_str(), text => format!("{speaker}: {said}")))?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(PlainBm25 {
            index,
            reader,
            id,
            text,
        })
    }

    /// The ids of the `k` turns that best match `question`, best first.
    pub fn rank(&self, question: &str, k: usize) -> tantivy::Result<Vec<String>> {
        let cleaned: String = question
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        // A question of stop words only would parse to a query matching every turn.
        let mut analyzer = self.index.tokenizer_for_field(self.text)?;
        if !analyzer.token_stream(&cleaned).advance() {
            return Ok(Vec::new());
        }
        let (query, _) =
            QueryParser::for_index(&self.index, vec![self.text]).parse_query_lenient(&cleaned);
        let searcher = self.reader.searcher();
        searcher
            .search(&query, &TopDocs::with_limit(k).order_by_score())?
            .into_iter()
            .map(|(_, address)| {
                let d: TantivyDocument = searcher.doc(address)?;
                Ok(d.get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_rank_by_their_words() {
        let turns = vec![
            (
                "D1:1".to_string(),
                "Ines".to_string(),
                "I adopted a dog".to_string(),
            ),
            (
                "D1:2".to_string(),
                "Tomas".to_string(),
                "The dog is lovely, the cat too".to_string(),
            ),
            (
                "D1:3".to_string(),
                "Ines".to_string(),
                "Let us go sailing".to_string(),
            ),
        ];
        let bm25 = PlainBm25::new(&turns).unwrap();
        assert_eq!(
            bm25.rank("Who adopted a dog?", 10).unwrap(),
            ["D1:1", "D1:2"]
        );
        assert_eq!(
            bm25.rank("What did Tomas say about the cat?", 1).unwrap(),
            ["D1:2"]
        );
        assert!(
            bm25.rank("the of and", 10).unwrap().is_empty(),
            "stop words match nothing"
        );
    }
}

//! The embedder and chunker on the real all-MiniLM-L6-v2 model and its
//! tokenizer (fetched by `make setup`).

use std::sync::OnceLock;

use twinlake_core::config::Config;
use twinlake_udfs::chunk::chunk;
use twinlake_udfs::embed::{EmbeddingModel, cosine};
use twinlake_udfs::model::ModelFiles;
use twinlake_udfs::normalize::normalize;
use twinlake_udfs::parse::{Format, ParseContext, Parsed, parse};

fn embedder() -> &'static EmbeddingModel {
    static E: OnceLock<EmbeddingModel> = OnceLock::new();
    E.get_or_init(|| {
        let config = Config::defaults(std::path::Path::new("/tmp/unused"));
        let files = ModelFiles::locate(&config.model).expect("run `make setup` first");
        EmbeddingModel::load(&files, 1, 16).unwrap()
    })
}

#[test]
fn word_vectors_are_cached_sentence_vectors_and_relate_kinds_to_instances() {
    let e = embedder();
    let words = e
        .embed_words(&["instruments", "violin", "sandwich", "violin"])
        .unwrap();
    assert_eq!(words.len(), 4);
    assert_eq!(&*words[1], e.embed_one("violin").unwrap().as_slice());
    assert!(
        std::sync::Arc::ptr_eq(&words[1], &words[3]),
        "one cached vector"
    );
    let again = e.embed_words(&["violin"]).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&words[1], &again[0]),
        "served from the cache"
    );
    let (kind, instance, other) = (&words[0], &words[1], &words[2]);
    assert!(cosine(kind, instance) > 0.5, "{}", cosine(kind, instance));
    assert!(cosine(kind, instance) > cosine(kind, other) + 0.2);
}

#[test]
fn embeddings_are_deterministic_unit_vectors() {
    let e = embedder();
    assert_eq!(e.dim(), 384);
    let a = e.embed(&["Alice is allergic to peanuts."]).unwrap();
    let b = e
        .embed(&["Alice is allergic to peanuts.", "something else"])
        .unwrap();
    assert_eq!(a[0].len(), 384);
    let norm: f32 = a[0].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    // Batching and padding must not change a text's vector.
    assert!(cosine(&a[0], &b[0]) > 0.9999, "batch changed the vector");
}

#[test]
fn related_sentences_are_nearer_than_unrelated_ones() {
    let e = embedder();
    let v = e
        .embed(&[
            "What food is Bob allergic to?",
            "Bob has a severe shellfish allergy.",
            "The quarterly revenue grew by ten percent.",
            "We should plan the barbecue for Saturday afternoon.",
        ])
        .unwrap();
    let related = cosine(&v[0], &v[1]);
    assert!(related > cosine(&v[0], &v[2]) + 0.1, "related {related}");
    assert!(related > cosine(&v[0], &v[3]), "related {related}");
}

#[test]
fn long_texts_are_embedded_whole_not_truncated() {
    let e = embedder();
    let filler = "The committee reviewed the budget line by line. ".repeat(40);
    let tail = "Finally, everyone agreed that Carol should lead the kayaking trip.";
    let long = format!("{filler}{tail}");
    let v = e.embed(&[&long, &filler, tail]).unwrap();
    // The tail beyond the first 256 tokens still moves the vector.
    assert!(cosine(&v[0], &v[1]) < 0.9999);
    assert!(cosine(&v[0], &v[2]) > cosine(&v[1], &v[2]));
}

const ESSAY: &str = "# Trip notes\n\nWe want to go somewhere warm in June. Dana prefers the coast; Bob wants mountains.\n\n\
Budget is tight this year, so hostels are fine. Nobody wants to fly more than four hours.\n\n\
Carol will book the train tickets. She is good at finding cheap fares and reading timetables.\n";

#[test]
fn chunks_respect_the_token_limit_and_cover_the_text_in_order() {
    let tok = embedder().tokenizer();
    let text = ESSAY.repeat(30);
    for max in [8, 32, 100, 512] {
        let chunks = chunk(tok, &text, max, &[]).unwrap();
        let total = tok.encode(text.as_str(), false).unwrap().get_ids().len();
        assert_eq!(chunks.iter().map(|c| c.token_count).sum::<usize>(), total);
        for pair in chunks.windows(2) {
            assert!(pair[0].end <= pair[1].start, "overlap at max {max}");
        }
        for c in &chunks {
            assert!(c.token_count <= max, "{} > {max}", c.token_count);
            let again = tok
                .encode(&text[c.start..c.end], false)
                .unwrap()
                .get_ids()
                .len();
            assert!(again <= max, "re-tokenised chunk has {again} > {max}");
        }
    }
}

#[test]
fn chunks_prefer_paragraph_boundaries() {
    let tok = embedder().tokenizer();
    let chunks = chunk(tok, ESSAY, 40, &[]).unwrap();
    assert!(chunks.len() >= 2);
    for c in &chunks[..chunks.len() - 1] {
        let after = &ESSAY[c.end..];
        assert!(
            after.starts_with("\n\n") || after.starts_with('\n'),
            "cut mid-paragraph: {:?}",
            &ESSAY[c.start..c.end]
        );
    }
}

#[test]
fn chunk_byte_ranges_point_at_the_source_through_parse_and_normalize() {
    let html = "<html><body><h1>Skills</h1><p>Carol&nbsp;speaks   Spanish &amp; Portuguese.</p>\
                <script>x()</script><p>She   plays the cello.</p></body></html>";
    let Parsed::Document(doc) =
        parse(html.as_bytes(), Format::Html, &ParseContext::default()).unwrap()
    else {
        panic!("HTML is a document");
    };
    let (text, map) = normalize(&doc.text, &doc.map);
    let chunks = chunk(embedder().tokenizer(), &text, 6, &[]).unwrap();
    let mut seen = String::new();
    for c in &chunks {
        let source = &html[map.source_start(c.start)..map.source_end(c.end)];
        // The source span, stripped of markup and entities, holds the chunk's words.
        for word in text[c.start..c.end].split_whitespace() {
            let plain = word.trim_matches(|ch: char| !ch.is_alphanumeric());
            assert!(source.contains(plain), "{word:?} not in {source:?}");
        }
        seen.push_str(&text[c.start..c.end]);
    }
    assert!(seen.contains("Portuguese") && seen.contains("cello"));
}

#[test]
fn chunks_never_cross_a_hard_break() {
    let tok = embedder().tokenizer();
    let text =
        "Page one is short.\n\nPage two starts here and goes on a little longer than the first.";
    let page_two = text.find("Page two").unwrap();
    let chunks = chunk(tok, text, 512, &[page_two]).unwrap();
    assert_eq!(chunks.len(), 2, "{chunks:?}");
    assert!(chunks[0].end <= page_two && chunks[1].start == page_two);
}

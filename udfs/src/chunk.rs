//! Token-aware chunking: passages of at most `max_tokens` model tokens, cut
//! where the text itself breaks.
//!
//! The text is tokenised once with the embedding model's own tokenizer, so
//! the limit is exact for the model. From each chunk's first token, the cut
//! goes at the last paragraph break within reach, else the last line break,
//! else the last sentence end, else the last space, else between tokens; a
//! break is only taken in the second half of the window, so chunks do not
//! shrink to slivers. Hard breaks (page boundaries) are never crossed, so a
//! chunk cites exactly one page. Every chunk keeps its byte range in the text.

use tokenizers::Tokenizer;

/// One chunk: a span of the text and its token count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkSpan {
    /// First byte of the chunk in the text.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Model tokens in it (special tokens not counted).
    pub token_count: usize,
}

/// Cuts `text` into chunks of at most `max_tokens` tokens of `tokenizer`
/// (whose truncation must be off), never spanning a byte offset listed in
/// `hard_breaks` (sorted). Chunks are in order, do not overlap, and together
/// hold every token.
pub fn chunk(
    tokenizer: &Tokenizer,
    text: &str,
    max_tokens: usize,
    hard_breaks: &[usize],
) -> Result<Vec<ChunkSpan>, String> {
    let max_tokens = max_tokens.max(1);
    let encoding = tokenizer.encode(text, false).map_err(|e| e.to_string())?;
    let offsets = encoding.get_offsets();
    let n = offsets.len();
    let mut chunks = Vec::new();
    let mut i = 0;
    while i < n {
        // Tokens before the next hard break after this chunk's start.
        let next_break = hard_breaks.iter().find(|&&b| b > offsets[i].0);
        let end = next_break
            .map_or(n, |&b| offsets.partition_point(|&(s, _)| s < b))
            .max(i + 1);
        let limit = (i + max_tokens).min(end);
        let k = if limit == end {
            end
        } else {
            // Ending before token `limit`: find the best cut in the window's second half.
            let lo = offsets[i + (max_tokens / 2).max(1).min(limit - i - 1)].0;
            let hi = offsets[limit].0;
            let cut = best_cut(text, lo, hi).unwrap_or(hi);
            // First token starting at or after the cut; at least one token per chunk.
            let k = offsets[i..limit].partition_point(|&(s, _)| s < cut) + i;
            k.max(i + 1)
        };
        chunks.push(ChunkSpan {
            start: offsets[i].0,
            end: offsets[k - 1].1,
            token_count: k - i,
        });
        i = k;
    }
    Ok(chunks)
}

/// The best byte position in `(lo, hi]` to end a chunk at.
fn best_cut(text: &str, lo: usize, hi: usize) -> Option<usize> {
    let window = &text[lo..hi];
    let after = |i: usize, len: usize| Some(lo + i + len).filter(|&c| c > lo);
    if let Some(i) = window.rfind("\n\n") {
        return after(i, 2);
    }
    if let Some(i) = window.rfind('\n') {
        return after(i, 1);
    }
    let sentence = [". ", "! ", "? ", ".\" ", "; "]
        .iter()
        .filter_map(|p| window.rfind(p).map(|i| i + p.len() - 1))
        .max();
    if let Some(i) = sentence {
        return after(i, 1);
    }
    window.rfind(' ').and_then(|i| after(i, 1))
}

//! A local language model: one GGUF file loaded once through llama.cpp
//! (`llama-cpp-2`), generating greedily on the CPU, piece by piece.
//!
//! Each generation makes its own context (a context borrows the model and
//! may not cross threads), runs on the calling thread (the caller puts it
//! on the blocking pool), and stops at the model's end of generation, at
//! a stop string, or after a number of new tokens. Text that may be the
//! start of a stop string is held back until it is known not to be one,
//! so a stop string never reaches the listener.

use std::num::NonZeroU32;
use std::path::Path;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::sampling::LlamaSampler;

/// Tokens of context: the prompt and the answer together.
pub const CONTEXT_TOKENS: u32 = 2048;

/// Why a generation failed.
#[derive(Debug, thiserror::Error)]
#[error("the local model failed: {0}")]
pub struct GeneratorError(String);

fn failed(e: impl std::fmt::Display) -> GeneratorError {
    GeneratorError(e.to_string())
}

/// A loaded model.
pub struct Generator {
    backend: LlamaBackend,
    model: LlamaModel,
    threads: i32,
}

impl Generator {
    /// Loads the GGUF model at `path`, to run on `threads` threads. Once
    /// per process: llama.cpp's backend is global.
    pub fn load(path: &Path, threads: usize) -> Result<Self, GeneratorError> {
        let mut backend = LlamaBackend::init().map_err(failed)?;
        backend.void_logs();
        let model = LlamaModel::load_from_file(&backend, path, &LlamaModelParams::default())
            .map_err(|e| GeneratorError(format!("{}: {e}", path.display())))?;
        Ok(Generator {
            backend,
            model,
            threads: threads.clamp(1, 64) as i32,
        })
    }

    /// Continues `prompt` greedily for at most `max_new` tokens, stopping
    /// before any of `stops`; each piece of text goes to `on_piece` as it
    /// is made. Returns the whole text.
    pub fn generate(
        &self,
        prompt: &str,
        max_new: usize,
        stops: &[&str],
        mut on_piece: impl FnMut(&str),
    ) -> Result<String, GeneratorError> {
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(CONTEXT_TOKENS))
            .with_n_threads(self.threads)
            .with_n_threads_batch(self.threads);
        let mut ctx = self
            .model
            .new_context(&self.backend, params)
            .map_err(failed)?;
        let vocab = self.model.vocab();
        let mut tokens = vocab.tokenize(prompt.as_bytes(), true, false);
        let room = CONTEXT_TOKENS as usize;
        if tokens.is_empty() {
            return Err(GeneratorError("the prompt is empty".into()));
        }
        // A prompt too long keeps its end: the question comes last.
        let keep = room.saturating_sub(max_new + 1).max(1);
        if tokens.len() > keep {
            tokens.drain(..tokens.len() - keep);
        }
        let mut batch = LlamaBatch::new(room, 1);
        let last = tokens.len() as i32 - 1;
        for (i, token) in (0_i32..).zip(tokens.iter().copied()) {
            batch.add(token, i, &[0], i == last).map_err(failed)?;
        }
        ctx.decode(&mut batch).map_err(failed)?;
        let mut position = batch.n_tokens();
        let mut sampler = LlamaSampler::greedy();
        let mut decoder = encoding_rs::UTF_8.new_decoder();
        let (mut text, mut sent) = (String::new(), 0usize);
        for _ in 0..max_new {
            if position as usize >= room {
                break;
            }
            let token = sampler.sample(&ctx, batch.n_tokens() - 1);
            sampler.accept(token);
            if vocab.is_eog(token) {
                break;
            }
            // Control tokens have no text; a character split across
            // tokens waits in the decoder for its last byte.
            let bytes = vocab.token_to_piece(token, false, None);
            let most = decoder
                .max_utf8_buffer_length(bytes.len())
                .unwrap_or(bytes.len() * 4);
            text.reserve(most);
            let _ = decoder.decode_to_string(&bytes, &mut text, false);
            if let Some(at) = stops.iter().filter_map(|s| text.find(s)).min() {
                text.truncate(at);
                break;
            }
            let safe = text.len() - held_back(&text[sent..], stops);
            if safe > sent {
                on_piece(&text[sent..safe]);
                sent = safe;
            }
            batch.clear();
            batch.add(token, position, &[0], true).map_err(failed)?;
            position += 1;
            ctx.decode(&mut batch).map_err(failed)?;
        }
        if text.len() > sent {
            on_piece(&text[sent..]);
        }
        Ok(text)
    }
}

/// How many bytes at the end of `tail` could begin one of `stops`.
fn held_back(tail: &str, stops: &[&str]) -> usize {
    stops
        .iter()
        .map(|stop| {
            (1..=stop.len().min(tail.len()))
                .rev()
                .find(|&k| stop.is_char_boundary(k) && tail.ends_with(&stop[..k]))
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_may_start_a_stop_string_is_held_back() {
        let stops = ["\n\n", "Question:"];
        assert_eq!(held_back("Ana is your sister.", &stops), 0);
        assert_eq!(held_back("Ana is your sister.\n", &stops), 1);
        assert_eq!(held_back("sister. Quest", &stops), 5);
        assert_eq!(held_back("", &stops), 0);
    }
}

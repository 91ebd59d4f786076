//! Finding and loading the model files: the ONNX Runtime library, the
//! sentence-embedding model and its tokenizer.
//!
//! Nothing is downloaded at run time: `scripts/setup.sh` (run by `make
//! setup`, `make demo` and `make test`) puts the files under `vendor/`,
//! checked by sha256. A missing file is one clear error that says so.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use twinlake_core::config::ModelConfig;

/// The ONNX Runtime version `scripts/setup.sh` installs (ort rc.15 needs ≥ 1.23).
pub const ORT_LIBRARY_NAME: &str = "libonnxruntime.so.1.31.1";

/// Errors of finding, loading or running a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file is not where it should be.
    #[error(
        "{what} not found (looked for {looked}); run `make setup` (scripts/setup.sh) to fetch it{hint}"
    )]
    Missing {
        /// What is missing.
        what: &'static str,
        /// Where it was looked for.
        looked: String,
        /// How else to point at it.
        hint: &'static str,
    },
    /// The ONNX Runtime library would not load.
    #[error("cannot load ONNX Runtime from {path}: {message}")]
    Runtime {
        /// The library path.
        path: PathBuf,
        /// What the loader said.
        message: String,
    },
    /// The tokenizer file would not load.
    #[error("cannot load tokenizer {path}: {message}")]
    Tokenizer {
        /// The tokenizer path.
        path: PathBuf,
        /// What the tokenizer said.
        message: String,
    },
    /// The model would not load or run.
    #[error("model {context}: {message}")]
    Inference {
        /// What was being done.
        context: String,
        /// What ONNX Runtime said.
        message: String,
    },
}

/// The three files an embedder needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelFiles {
    /// `model.onnx`.
    pub model: PathBuf,
    /// `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// `libonnxruntime.so.*`.
    pub ort_library: PathBuf,
}

impl ModelFiles {
    /// Finds the files: from `config` when set, else `ORT_DYLIB_PATH` for the
    /// runtime, else `vendor/` found upward from the working directory or
    /// from the executable (so tests and installed binaries both find it).
    pub fn locate(config: &ModelConfig) -> Result<Self, ModelError> {
        let vendor = find_vendor();
        let dir = if config.dir.is_empty() {
            vendor.as_ref().map(|v| v.join("minilm"))
        } else {
            Some(PathBuf::from(&config.dir))
        };
        let model_hint = ", or set model.dir / TWINLAKE_MODEL_DIR";
        let model = require(
            dir.as_ref().map(|d| d.join("model.onnx")),
            "embedding model (model.onnx)",
            model_hint,
        )?;
        let tokenizer = require(
            dir.as_ref().map(|d| d.join("tokenizer.json")),
            "tokenizer (tokenizer.json)",
            model_hint,
        )?;
        let ort_library = if !config.ort_library.is_empty() {
            Some(PathBuf::from(&config.ort_library))
        } else if let Ok(path) = std::env::var("ORT_DYLIB_PATH") {
            Some(PathBuf::from(path))
        } else {
            vendor.map(|v| v.join("ort").join(ORT_LIBRARY_NAME))
        };
        let ort_library = require(
            ort_library,
            "ONNX Runtime library",
            ", or set model.ort_library / TWINLAKE_MODEL_ORT_LIBRARY / ORT_DYLIB_PATH",
        )?;
        Ok(ModelFiles {
            model,
            tokenizer,
            ort_library,
        })
    }
}

impl ModelFiles {
    /// Finds the tokenizer alone: what a process needs to cut chunks when
    /// the model itself runs in the sidecar (`model.url`).
    pub fn locate_tokenizer(config: &ModelConfig) -> Result<PathBuf, ModelError> {
        let dir = if config.dir.is_empty() {
            find_vendor().map(|v| v.join("minilm"))
        } else {
            Some(PathBuf::from(&config.dir))
        };
        require(
            dir.map(|d| d.join("tokenizer.json")),
            "tokenizer (tokenizer.json)",
            ", or set model.dir / TWINLAKE_MODEL_DIR",
        )
    }
}

/// Loads the tokenizer at `path` as the chunker and the model read it:
/// no padding and no truncation (windows are cut by the model's code).
pub fn load_tokenizer(path: &Path) -> Result<tokenizers::Tokenizer, ModelError> {
    let failed = |message: String| ModelError::Tokenizer {
        path: path.to_path_buf(),
        message,
    };
    let mut tokenizer =
        tokenizers::Tokenizer::from_file(path).map_err(|e| failed(e.to_string()))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| failed(e.to_string()))?;
    Ok(tokenizer)
}

fn require(
    path: Option<PathBuf>,
    what: &'static str,
    hint: &'static str,
) -> Result<PathBuf, ModelError> {
    match path {
        Some(p) if p.is_file() => Ok(p),
        Some(p) => Err(ModelError::Missing {
            what,
            looked: p.display().to_string(),
            hint,
        }),
        None => Err(ModelError::Missing {
            what,
            looked: "vendor/ above the working directory and the executable".into(),
            hint,
        }),
    }
}

/// The nearest `vendor/` holding the model, upward from the working
/// directory, then from the executable.
fn find_vendor() -> Option<PathBuf> {
    let starts = [std::env::current_dir().ok(), std::env::current_exe().ok()];
    starts.into_iter().flatten().find_map(|start| {
        start
            .ancestors()
            .map(|dir| dir.join("vendor"))
            .find(|v| v.join("minilm").join("model.onnx").is_file())
    })
}

/// Loads ONNX Runtime from `library` once per process and returns its
/// environment. Later calls reuse it (and fail the same way if the first
/// load failed).
pub fn init_runtime(library: &Path) -> Result<ort::environment::Environment, ModelError> {
    static RUNTIME: OnceLock<Mutex<Option<Result<ort::environment::Environment, String>>>> =
        OnceLock::new();
    let cell = RUNTIME.get_or_init(|| Mutex::new(None));
    let mut state = cell.lock().unwrap_or_else(|p| p.into_inner());
    if state.is_none() {
        if !library.is_file() {
            return Err(ModelError::Missing {
                what: "ONNX Runtime library",
                looked: library.display().to_string(),
                hint: "",
            });
        }
        // ort panics rather than erring on some dlopen failures: contain it.
        let loaded = std::panic::catch_unwind(|| {
            ort::init_from(library)
                .map_err(|e| e.to_string())
                .and_then(|b| b.with_name("twinlake").build().map_err(|e| e.to_string()))
        })
        .unwrap_or_else(|_| {
            Err("the loader panicked; is this an ONNX Runtime ≥ 1.23 library?".into())
        });
        *state = Some(loaded);
    }
    match state.as_ref().expect("set above") {
        Ok(environment) => Ok(environment.clone()),
        Err(message) => Err(ModelError::Runtime {
            path: library.to_path_buf(),
            message: message.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_says_how_to_get_it() {
        let config = ModelConfig {
            url: String::new(),
            dir: "/nonexistent/minilm".into(),
            ort_library: String::new(),
            threads: 1,
            batch_size: 8,
        };
        let err = ModelFiles::locate(&config).unwrap_err().to_string();
        assert!(
            err.contains("/nonexistent/minilm/model.onnx") && err.contains("make setup"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_runtime_is_an_error_not_a_panic() {
        let err = init_runtime(Path::new("/nonexistent/libonnxruntime.so"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ONNX Runtime library"), "{err}");
    }
}

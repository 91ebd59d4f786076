//! Progress bars for long commands (on stderr; hidden when not a terminal).

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use twinlake_pipelines::ingest::{FileOutcome, IngestObserver};

/// A bar counting files through the ingest pipeline, naming refused files as they go.
pub struct IngestBar {
    bar: ProgressBar,
}

impl IngestBar {
    /// A bar for `total` files.
    pub fn new(total: u64) -> Self {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} ingest [{bar:30}] {pos}/{len} files  {per_sec}  eta {eta}  {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        IngestBar { bar }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl IngestObserver for IngestBar {
    fn file_done(&mut self, path: &Path, outcome: &FileOutcome) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if let FileOutcome::Failed(e) = outcome {
            self.bar.println(format!("error: {}: {e}", path.display()));
        }
        self.bar.set_message(name);
        // A website is one envelope but many pages.
        if self
            .bar
            .length()
            .is_some_and(|len| self.bar.position() >= len)
        {
            self.bar.inc_length(1);
        }
        self.bar.inc(1);
    }

    fn episodes_committed(&mut self, path: &Path, done: usize, total: usize) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        self.bar
            .set_message(format!("{name}: {done}/{total} episodes"));
    }
}

/// A spinner counting items, for jobs whose total is unknown.
pub fn counter(what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template(&format!("{{spinner}} {{pos}} {what}  {{per_sec}}"))
            .expect("valid template"),
    );
    bar
}

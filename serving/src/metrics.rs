//! The server's own figures, for `GET /metrics` in Prometheus' text
//! format: request latency as a histogram per route, requests by route and
//! status (errors by kind), chat replies by who answered (the language
//! model, its fallback, or the extractive composer after both failed),
//! each language model's breaker, and the chat outbox (turns not yet
//! learnt: the learner's lag). Routes are patterns (`/twin/{user}/chat`)
//! and no label names a tenant or user, so the figures hold no one's data.
//!
//! The format is a few lines of text; writing it by hand keeps a metrics
//! crate and its registry out of the build.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::llm::breaker::BreakerState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One route's latency histogram.
#[derive(Default)]
struct Latency {
    /// Requests at or under each bound of [`BUCKETS`] (not cumulative).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_secs: f64,
}

#[derive(Default)]
struct Figures {
    latency: BTreeMap<(String, String), Latency>,
    statuses: BTreeMap<(String, String, u16), u64>,
    answers: BTreeMap<String, u64>,
}

/// The figures a server gathers while it runs.
#[derive(Default)]
pub struct Metrics {
    figures: Mutex<Figures>,
}

/// What is read when the figures are shown rather than counted as they
/// happen.
pub struct Gauges {
    /// Each language model's breaker.
    pub breakers: Vec<(String, BreakerState)>,
    /// Chat turns stored but not yet learnt.
    pub unlearnt_turns: u64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut figures = self.figures.lock().unwrap_or_else(|p| p.into_inner());
        let secs = took.as_secs_f64();
        let latency = figures
            .latency
            .entry((method.to_string(), route.to_string()))
            .or_default();
        if let Some(i) = BUCKETS.iter().position(|&bound| secs <= bound) {
            latency.buckets[i] += 1;
        }
        latency.count += 1;
        latency.sum_secs += secs;
        *figures
            .statuses
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
    }

    /// Counts one chat reply by who answered it.
    pub fn answered_by(&self, who: &str) {
        let mut figures = self.figures.lock().unwrap_or_else(|p| p.into_inner());
        *figures.answers.entry(who.to_string()).or_default() += 1;
    }

    /// The figures in Prometheus' text format.
    pub fn render(&self, gauges: &Gauges) -> String {
        let figures = self.figures.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP twinlake_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE twinlake_http_request_duration_seconds histogram\n");
        for ((method, route), latency) in &figures.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(latency.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "twinlake_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "twinlake_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                latency.count
            );
            let _ = writeln!(
                out,
                "twinlake_http_request_duration_seconds_sum{{{labels}}} {}",
                latency.sum_secs
            );
            let _ = writeln!(
                out,
                "twinlake_http_request_duration_seconds_count{{{labels}}} {}",
                latency.count
            );
        }
        out.push_str("# HELP twinlake_http_requests_total Requests answered, by status (499: the client left).\n");
        out.push_str("# TYPE twinlake_http_requests_total counter\n");
        for ((method, route, status), n) in &figures.statuses {
            let _ = writeln!(
                out,
                "twinlake_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str("# HELP twinlake_chat_answers_total Chat replies by who answered: a model, or extractive.\n");
        out.push_str("# TYPE twinlake_chat_answers_total counter\n");
        for (who, n) in &figures.answers {
            let _ = writeln!(
                out,
                "twinlake_chat_answers_total{{answered_by=\"{}\"}} {n}",
                escape(who)
            );
        }
        out.push_str("# HELP twinlake_llm_breaker_state A language model's breaker: 1 for its current state.\n");
        out.push_str("# TYPE twinlake_llm_breaker_state gauge\n");
        for (model, state) in &gauges.breakers {
            for each in [
                BreakerState::Closed,
                BreakerState::Open,
                BreakerState::HalfOpen,
            ] {
                let _ = writeln!(
                    out,
                    "twinlake_llm_breaker_state{{model=\"{}\",state=\"{}\"}} {}",
                    escape(model),
                    each.as_str(),
                    u8::from(*state == each)
                );
            }
        }
        out.push_str("# HELP twinlake_chat_turns_unlearnt Chat turns stored and not yet learnt.\n");
        out.push_str("# TYPE twinlake_chat_turns_unlearnt gauge\n");
        let _ = writeln!(
            out,
            "twinlake_chat_turns_unlearnt {}",
            gauges.unlearnt_turns
        );
        out
    }
}

/// A label value as the text format writes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let metrics = Metrics::default();
        let route = "/twin/{user}/chat";
        metrics.request("POST", route, 200, Duration::from_millis(3));
        metrics.request("POST", route, 200, Duration::from_millis(40));
        metrics.request("POST", route, 503, Duration::from_secs(60));
        metrics.answered_by("extractive");
        metrics.answered_by("llama \"3\"");
        let text = metrics.render(&Gauges {
            breakers: vec![("llama".into(), BreakerState::Open)],
            unlearnt_turns: 2,
        });
        let labels = "method=\"POST\",route=\"/twin/{user}/chat\"";
        for line in [
            format!("twinlake_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1"),
            format!("twinlake_http_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2"),
            format!("twinlake_http_request_duration_seconds_bucket{{{labels},le=\"30\"}} 2"),
            format!("twinlake_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3"),
            format!("twinlake_http_request_duration_seconds_count{{{labels}}} 3"),
            format!("twinlake_http_requests_total{{{labels},status=\"503\"}} 1"),
            "twinlake_chat_answers_total{answered_by=\"llama \\\"3\\\"\"} 1".to_string(),
            "twinlake_llm_breaker_state{model=\"llama\",state=\"open\"} 1".to_string(),
            "twinlake_llm_breaker_state{model=\"llama\",state=\"closed\"} 0".to_string(),
            "twinlake_chat_turns_unlearnt 2".to_string(),
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
    }
}

//! Limits that keep one caller from starving the others: a deadline per
//! request and a request rate per key.
//!
//! A request past its deadline is dropped, which cancels its async work
//! (a client that goes away drops it the same way); work already on the
//! blocking pool finishes but its answer is discarded. The rate is a token
//! bucket per key id: `serve.requests_per_minute` tokens, refilled
//! continuously, so a burst of that size passes and a flood gets 429 with
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::ServingError;
use crate::api::AppState;
use crate::auth::Caller;

/// Buckets idle this long are forgotten, so the map does not grow with
/// every key ever seen.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Token buckets, one per key.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limiter admitting `per_minute` requests a minute per key (0: no
    /// limit).
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token of `key` at `now`; else how long until one is back.
    pub fn admit(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| now.duration_since(b.at) < FORGET_AFTER);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// Refuses a caller over its key's rate with 429.
pub async fn rate_limit(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Result<Response, ServingError> {
    if let Some(caller) = request.extensions().get::<Caller>() {
        let key = caller.key_id().unwrap_or("(open)");
        if let Err(wait) = state.rate.admit(key, Instant::now()) {
            return Err(ServingError::TooManyRequests {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
    }
    Ok(next.run(request).await)
}

/// Fails a request that runs past `deadline` with 503, dropping its work.
pub async fn deadline(
    State(deadline): State<Duration>,
    request: Request,
    next: Next,
) -> Result<Response, ServingError> {
    tokio::time::timeout(deadline, next.run(request))
        .await
        .map_err(|_| ServingError::Timeout(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_a_flood_waits_and_keys_do_not_share_a_bucket() {
        let limiter = RateLimiter::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            limiter.admit("a", start).unwrap();
        }
        let wait = limiter.admit("a", start).unwrap_err();
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::ZERO,
            "{wait:?}"
        );
        limiter.admit("b", start).unwrap();
        // One a second comes back.
        limiter.admit("a", start + Duration::from_secs(1)).unwrap();
        assert!(limiter.admit("a", start + Duration::from_secs(1)).is_err());
        assert!(RateLimiter::new(0).admit("a", start).is_ok());
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_is_stopped_with_503_and_its_work_dropped() {
        use axum::routing::get;
        use tower::ServiceExt;
        let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = finished.clone();
        let app = axum::Router::new()
            .route(
                "/slow",
                get(move || async move {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    done.store(true, std::sync::atomic::Ordering::SeqCst);
                    "late"
                }),
            )
            .route("/fast", get(|| async { "on time" }))
            .route_layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(100),
                deadline,
            ));
        let request = |path| {
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let response = app.clone().oneshot(request("/slow")).await.unwrap();
        assert_eq!(response.status(), 503);
        let response = app.oneshot(request("/fast")).await.unwrap();
        assert_eq!(response.status(), 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !finished.load(std::sync::atomic::Ordering::SeqCst),
            "the work ran on"
        );
    }
}

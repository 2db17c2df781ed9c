//! The load driver: N keep-alive workers posting for a fixed time after a warm-up,
//! every latency into an HDR histogram, sampled bodies checked for errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use bytes::Bytes;
use hdrhistogram::Histogram;
use serde_json::Value;

/// One thing to load: a URL and the bodies workers cycle through.
#[derive(Clone)]
pub struct Target {
    pub name: String,
    pub url: String,
    pub bodies: Arc<Vec<Bytes>>,
}

impl Target {
    pub fn new(name: &str, url: String, bodies: Vec<Vec<u8>>) -> Result<Target> {
        if bodies.is_empty() {
            bail!("{name}: no request bodies");
        }
        Ok(Target {
            name: name.to_owned(),
            url,
            bodies: Arc::new(bodies.into_iter().map(Bytes::from).collect()),
        })
    }

    /// A reference-counted clone: no copy per request.
    fn body(&self, i: usize) -> Bytes {
        self.bodies[i % self.bodies.len()].clone()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub measure: Duration,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Stats {
    pub requests: u64,
    pub measured: Duration,
    /// Latencies in microseconds.
    pub histogram: Histogram<u64>,
    /// Requests the server answered with its own TIMEOUT (HTTP 504) in the
    /// measured window: overload, reported, not counted as throughput.
    pub timeouts: u64,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.measured.as_secs_f64()
    }
    pub fn p50_ms(&self) -> f64 {
        self.histogram.value_at_quantile(0.50) as f64 / 1000.0
    }
    pub fn p99_ms(&self) -> f64 {
        self.histogram.value_at_quantile(0.99) as f64 / 1000.0
    }
}

/// Every 100th response of a worker (and its first) has its body parsed and checked.
const CHECK_EVERY: u64 = 100;

fn histogram() -> Result<Histogram<u64>> {
    // 1 µs to 60 s at 3 significant digits.
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}

/// Loopback-only client: keep-alive, no proxy from the environment, a timeout so a hung server fails the run.
pub fn client() -> Result<reqwest::Client> {
    // Loopback HTTP needs no TLS, but reqwest refuses to build without a
    // provider (see Cargo.toml). An error only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(usize::MAX)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Runs `concurrency` workers on `target`: requests finishing during the warm-up
/// are discarded, those finishing in the next `timing.measure` are counted.
pub async fn run(client: &reqwest::Client, target: &Target, concurrency: usize, timing: Timing) -> Result<Stats> {
    let start = Instant::now();
    let measure_from = start + timing.warmup;
    let end = measure_from + timing.measure;
    let mut workers = Vec::with_capacity(concurrency);
    for w in 0..concurrency {
        let (client, target) = (client.clone(), target.clone());
        workers.push(tokio::spawn(async move {
            worker(client, target, w, measure_from, end).await
        }));
    }
    let mut total = histogram()?;
    let mut requests = 0;
    let mut timeouts = 0;
    for w in workers {
        let (h, n, t) = w.await.context("load worker panicked")??;
        total.add(&h)?;
        requests += n;
        timeouts += t;
    }
    Ok(Stats {
        requests,
        measured: timing.measure,
        histogram: total,
        timeouts,
    })
}

async fn worker(
    client: reqwest::Client,
    target: Target,
    index: usize,
    measure_from: Instant,
    end: Instant,
) -> Result<(Histogram<u64>, u64, u64)> {
    let mut h = histogram()?;
    let mut counted = 0u64;
    let mut timeouts = 0u64;
    // Workers start at different bodies so they do not ask for the same slug in lockstep.
    let mut i = index * 7919;
    let mut sent = 0u64;
    while Instant::now() < end {
        let body = target.body(i);
        i += 1;
        let t0 = Instant::now();
        let response = client
            .post(&target.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .with_context(|| format!("{}: request failed", target.name))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .with_context(|| format!("{}: reading body", target.name))?;
        let done = Instant::now();
        let measured = done >= measure_from && done <= end;
        if status == reqwest::StatusCode::GATEWAY_TIMEOUT {
            timeouts += u64::from(measured);
            continue;
        }
        // Every body is scanned for errors (parsed only when it has some): an
        // overloaded server answers TIMEOUT (no free database connection),
        // which is counted like a 504; any other error fails the run.
        if status == reqwest::StatusCode::OK && contains(&bytes, b"\"errors\"") {
            if only_timeouts(&bytes) {
                timeouts += u64::from(measured);
                continue;
            }
            check_body(&target.name, &bytes)?;
        }
        if status != reqwest::StatusCode::OK {
            bail!("{}: HTTP {status}: {}", target.name, String::from_utf8_lossy(&bytes));
        }
        if sent.is_multiple_of(CHECK_EVERY) {
            check_body(&target.name, &bytes)?;
        }
        sent += 1;
        if measured {
            let us = u64::try_from((done - t0).as_micros()).unwrap_or(u64::MAX).max(1);
            h.saturating_record(us);
            counted += 1;
        }
    }
    Ok((h, counted, timeouts))
}

/// A GraphQL answer must be JSON with `data` and without `errors`.
pub fn check_body(name: &str, bytes: &[u8]) -> Result<Value> {
    let v: Value = serde_json::from_slice(bytes)
        .with_context(|| format!("{name}: response is not JSON: {}", String::from_utf8_lossy(bytes)))?;
    if v.get("errors").is_some() {
        bail!("{name}: response has errors: {v}");
    }
    if v.get("data").is_none_or(Value::is_null) {
        bail!("{name}: response has no data: {v}");
    }
    Ok(v)
}

/// One POST of a JSON body, outside the load loop (setup and checks); anything but 200 is an error.
pub async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<Vec<u8>> {
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = r.status();
    let bytes = r.bytes().await?;
    ensure!(
        status == reqwest::StatusCode::OK,
        "POST {url}: HTTP {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    Ok(bytes.to_vec())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether every error of a GraphQL answer has the code TIMEOUT.
fn only_timeouts(bytes: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return false;
    };
    v["errors"]
        .as_array()
        .is_some_and(|errors| !errors.is_empty() && errors.iter().all(|e| e["extensions"]["code"] == "TIMEOUT"))
}

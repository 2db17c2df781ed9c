//! Optional rate limiting per client address: a token bucket over query cost.
//! A request needs a token to start; once validated, its cost is taken from
//! the bucket (which may go into debt, up to one burst), so expensive queries
//! slow a client down more than cheap ones.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refill rate and bucket size, in cost units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets by client address.
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// Addresses tracked before full buckets are forgotten.
const MAX_TRACKED: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn with_bucket<T>(&self, ip: IpAddr, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let RateLimit { per_second, burst } = self.limit;
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.tokens + per_second * now.duration_since(b.at).as_secs_f64() < burst);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket { tokens: burst, at: now });
        bucket.tokens = (bucket.tokens + per_second * now.duration_since(bucket.at).as_secs_f64()).min(burst);
        bucket.at = now;
        f(bucket)
    }

    /// Whether `ip` may start a request now; if not, how long to wait.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let per_second = self.limit.per_second;
        self.with_bucket(ip, now, |b| {
            if b.tokens >= 1.0 {
                Ok(())
            } else {
                Err(Duration::from_secs_f64(((1.0 - b.tokens) / per_second).max(0.001)))
            }
        })
    }

    /// Takes a request's cost from `ip`'s bucket.
    pub fn charge(&self, ip: IpAddr, cost: f64, now: Instant) {
        let burst = self.limit.burst;
        self.with_bucket(ip, now, |b| b.tokens = (b.tokens - cost.max(1.0)).max(-burst));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_requests_exhaust_the_bucket_and_time_refills_it() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 10.0,
            burst: 100.0,
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        let t0 = Instant::now();
        assert!(limiter.admit(ip, t0).is_ok());
        limiter.charge(ip, 150.0, t0);
        let wait = limiter.admit(ip, t0).expect_err("in debt");
        assert!((wait.as_secs_f64() - 5.1).abs() < 0.01, "{wait:?}");
        assert!(limiter.admit(ip, t0 + Duration::from_secs(6)).is_ok());
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(limiter.admit(other, t0).is_ok(), "buckets are per address");
    }
}

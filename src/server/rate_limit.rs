//! Optional rate limiting per client address: a token bucket over query cost.
//! A request takes one token to start (refused and failed requests pay that
//! much); once validated, the rest of its cost is taken from the bucket,
//! which may go into debt up to one burst, so expensive queries slow a client
//! down more than cheap ones.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

/// Bucket size, in cost units, when only the rate is given.
pub const DEFAULT_BURST: f64 = 20_000.0;

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

/// Buckets by client, least recently seen forgotten first.
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<LruCache<IpAddr, Bucket>>,
}

/// Clients tracked at once; a forgotten one starts again with a full bucket.
const MAX_TRACKED: usize = 100_000;

/// The bucket key: an IPv6 client is its /64 (one customer's network), so
/// rotating addresses within it does not earn fresh buckets.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let size = NonZeroUsize::new(MAX_TRACKED).unwrap_or(NonZeroUsize::MIN);
        RateLimiter {
            limit,
            buckets: Mutex::new(LruCache::new(size)),
        }
    }

    fn with_bucket<T>(&self, ip: IpAddr, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let RateLimit { per_second, burst } = self.limit;
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let bucket = buckets.get_or_insert_mut(key(ip), || Bucket { tokens: burst, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + per_second * elapsed).min(burst);
        bucket.at = now;
        f(bucket)
    }

    /// Takes a token for a request from `ip`, or says how long to wait for one.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let per_second = self.limit.per_second;
        self.with_bucket(ip, now, |b| {
            if b.tokens >= 1.0 {
                b.tokens -= 1.0;
                Ok(())
            } else {
                Err(Duration::from_secs_f64(((1.0 - b.tokens) / per_second).max(0.001)))
            }
        })
    }

    /// Takes the rest of a request's cost (beyond the token it started with).
    pub fn charge(&self, ip: IpAddr, cost: f64, now: Instant) {
        let burst = self.limit.burst;
        self.with_bucket(ip, now, |b| b.tokens = (b.tokens - (cost - 1.0).max(0.0)).max(-burst));
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

    #[test]
    fn every_admitted_request_takes_a_token() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 3.0,
        });
        let ip: IpAddr = [10, 0, 0, 1].into();
        let t0 = Instant::now();
        assert_eq!((0..5).filter(|_| limiter.admit(ip, t0).is_ok()).count(), 3);
    }

    #[test]
    fn an_ipv6_network_shares_one_bucket() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 1.0,
        });
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let b: IpAddr = "2001:db8:1:2::ffff".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(limiter.admit(a, t0).is_ok());
        assert!(limiter.admit(b, t0).is_err());
    }
}

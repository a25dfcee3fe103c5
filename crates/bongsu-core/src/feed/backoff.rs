//! How long to leave a failing region alone before asking it again.
//!
//! Exponential in the number of consecutive failures, capped, and jittered
//! so that thousands of readers who lost a region at the same moment do not
//! come back to it in lockstep when it recovers.

use std::time::Duration;

/// The longest a failing region is left alone.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Doublings stop here (2^4 = 16 poll intervals before the cap applies).
const MAX_DOUBLINGS: u32 = 4;

/// The wait after `failures` consecutive failures (0 = healthy: ask at the
/// next poll), for a poll interval of `interval`. `jitter` is a uniform
/// random number in [0, 1): the wait is spread over [½, 1½) × the nominal
/// delay, then capped.
pub fn backoff_delay(failures: u32, interval: Duration, jitter: f64) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let nominal = interval.saturating_mul(1 << (failures - 1).min(MAX_DOUBLINGS));
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    nominal.mul_f64(0.5 + jitter).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const INTERVAL: Duration = Duration::from_secs(15);

    #[test]
    fn a_healthy_region_is_asked_every_poll() {
        assert_eq!(backoff_delay(0, INTERVAL, 0.9), Duration::ZERO);
    }

    #[test]
    fn the_delay_doubles_then_stops_at_the_cap() {
        let d = |n| backoff_delay(n, INTERVAL, 0.5);
        assert_eq!(d(1), INTERVAL);
        assert_eq!(d(2), INTERVAL * 2);
        assert_eq!(d(3), INTERVAL * 4);
        assert_eq!(d(5), MAX_BACKOFF.min(INTERVAL * 16));
        assert_eq!(d(50), d(5));
    }

    #[test]
    fn nonsense_jitter_cannot_break_the_bounds() {
        for j in [f64::NAN, f64::INFINITY, -3.0, 7.0] {
            let d = backoff_delay(2, INTERVAL, j);
            assert!(d >= INTERVAL && d <= INTERVAL * 3, "{j}: {d:?}");
        }
    }

    proptest! {
        #[test]
        fn delays_stay_within_half_to_one_and_a_half_of_nominal_and_the_cap(
            failures in 1u32..100, secs in 2u64..600, jitter in 0.0f64..1.0
        ) {
            let interval = Duration::from_secs(secs);
            let nominal = interval.saturating_mul(1 << (failures - 1).min(MAX_DOUBLINGS));
            let d = backoff_delay(failures, interval, jitter);
            prop_assert!(d <= MAX_BACKOFF);
            prop_assert!(d >= (nominal / 2).min(MAX_BACKOFF));
            prop_assert!(d <= nominal * 3 / 2);
            // More failures never means asking sooner, for the same jitter.
            prop_assert!(backoff_delay(failures + 1, interval, jitter) >= d);
        }
    }
}

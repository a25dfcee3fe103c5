//! `Result::expect` for invariants, without formatting the error.
//!
//! `expect` prints the error's `Debug`, which links every message of the
//! error type into the browser builds (serde_json's and tlog_tiles' came to
//! several KB) for a panic no reader can act on. This panics with the
//! invariant's own words only.

/// The value, or a panic naming the broken invariant.
pub fn holds<T, E>(result: Result<T, E>, invariant: &'static str) -> T {
    match result {
        Ok(value) => value,
        Err(_) => panic!("{invariant}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_values_and_panics_with_the_invariant() {
        assert_eq!(holds::<_, ()>(Ok(3), "three"), 3);
        let panic = std::panic::catch_unwind(|| holds::<u8, &str>(Err("detail"), "it holds"));
        let message = panic.unwrap_err();
        assert_eq!(
            message.downcast_ref::<String>().map(String::as_str),
            Some("it holds")
        );
    }
}

//! The only place the app reads the clock (the core never does).

use time::OffsetDateTime;

/// The browser's current time. Falls back to the Unix epoch if the browser
/// reports something unrepresentable, which makes every feed look old
/// rather than new: the safe direction.
pub fn now() -> OffsetDateTime {
    let millis = js_sys::Date::now();
    OffsetDateTime::from_unix_timestamp_nanos((millis as i128) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

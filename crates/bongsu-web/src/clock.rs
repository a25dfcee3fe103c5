//! The only place the app reads the clock (the core never does).

use time::OffsetDateTime;

/// The browser's current time. If the browser reports something
/// unrepresentable, a time nearly a thousand years ahead: every feed and
/// key set then looks expired, so nothing is shown as current (the epoch,
/// by contrast, would make every feed look current).
pub fn now() -> OffsetDateTime {
    let millis = js_sys::Date::now();
    OffsetDateTime::from_unix_timestamp_nanos((millis as i128) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH.saturating_add(time::Duration::days(365_000)))
}

/// The reader's UTC offset at `at` (it changes with daylight saving time).
pub fn local_offset(at: OffsetDateTime) -> time::UtcOffset {
    let millis = (at.unix_timestamp_nanos() / 1_000_000) as f64;
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
    // getTimezoneOffset is minutes *behind* UTC.
    let minutes = -(date.get_timezone_offset() as i32);
    time::UtcOffset::from_whole_seconds(minutes * 60).unwrap_or(time::UtcOffset::UTC)
}

/// Lets the browser draw and handle input before the caller goes on: a
/// long computation awaits this between two pieces of work. (A macrotask,
/// not a resolved promise: microtasks run before the browser gets a turn.)
pub async fn give_way() {
    sleep(0).await;
}

/// Resolves after `ms` (a macrotask; at once where there is no window).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window()
            .map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms));
        // No window (never in a page): go on at once rather than never.
        if !matches!(scheduled, Some(Ok(_))) {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

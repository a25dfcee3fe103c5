//! The comment at the top of the demo's status file. The declarations below
//! it are rendered from the history log, which replays the Kakao outage
//! from the sourced timeline (see `timeline.rs`).

/// The demo page's language: plain strings in its status file are Korean,
/// and the Statuspage-compatible API speaks it.
pub const LANG: &str = "ko";

pub const STATUS_HEADER: &str = r#"# Bongsu status file: edit it and save; the demo re-signs it within a second
# and records what changed in the history log. (Outside the demo: bongsu sign
# --key <key> --status <this file> --log <log dir> --log-key <key> --out <region>/feed.note ...)
#
# This file starts as the Kakao services at 17:00 KST on 15 October 2022, two
# and a half hours into the Pangyo datacenter fire. Step the replay on with
#   curl -X POST --data next http://127.0.0.1:8409/replay   (or --data end)
#
# feed       the feed identifier the app is configured for
# valid_for  how long each signed feed stays current (s, m, h, d)
# status     operational | under_maintenance | degraded_performance | partial_outage | major_outage
# state      investigating | identified | monitoring | resolved
# at         a date-time with its UTC offset, e.g. 2022-10-15T15:50:00+09:00
# lang       the language plain strings are in; other text is a table of
#            languages, { ko = "…", en = "…" }, with source = "en" when the
#            original is not in `lang`, and untranslated = true to publish
#            a text that lacks a language the others have
# depends_on components a component needs, as service/component

"#;

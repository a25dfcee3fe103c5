//! RFC 3339 times, read and written by hand for the browser builds.
//!
//! `time`'s general format machinery cost about 6 KB brotli in the app for
//! the one layout every Bongsu document uses. [`format`] writes exactly
//! what `time`'s `Rfc3339` writes and [`parse`] accepts exactly what it
//! accepts, quirks included (any one-byte date-time separator, a lower-case
//! `z`, fraction digits past the ninth ignored, a leap second read as the
//! last nanosecond before it), so that serde and the browser's reader never
//! disagree. The tests hold both to `time`.
//! It is also the serde adapter for every time field the core writes.

use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

/// Parses `2022-10-15T06:30:00Z`, `2022-10-15T15:30:00.25+09:00` and the like.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    let digits = |at: usize, n: usize| -> Option<u32> {
        let part = b.get(at..at + n)?;
        part.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let literal = |at: usize, c: u8| (b.get(at) == Some(&c)).then_some(());
    let year = digits(0, 4)?;
    literal(4, b'-')?;
    let month = digits(5, 2)?;
    literal(7, b'-')?;
    let day = digits(8, 2)?;
    // Position 10 is the separator: `time` takes any byte there.
    let hour = digits(11, 2)?;
    literal(13, b':')?;
    let minute = digits(14, 2)?;
    literal(16, b':')?;
    let second = digits(17, 2)?;
    let mut at = 19;
    let mut nanos = 0;
    if literal(at, b'.').is_some() {
        let count = b[at + 1..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .count();
        if count == 0 {
            return None;
        }
        let used = count.min(9);
        nanos = digits(at + 1, used)? * 10u32.pow(9 - used as u32);
        at += 1 + count;
    }
    let offset = match b.get(at..)? {
        b"Z" | b"z" => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let (hours, minutes) = (hours as i8, minutes as i8);
            if *sign == b'-' {
                UtcOffset::from_hms(-hours, -minutes, 0).ok()?
            } else {
                UtcOffset::from_hms(hours, minutes, 0).ok()?
            }
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(
        year as i32,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    // A leap second stands for the last nanosecond before it, and is only
    // real at the end of a month, UTC.
    let leap = second == 60;
    let (second, nanos) = if leap {
        (59, 999_999_999)
    } else {
        (second, nanos)
    };
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).ok()?;
    let at = date.with_time(time).assume_offset(offset);
    if leap {
        let utc = at.to_offset(UtcOffset::UTC);
        let last_day = utc.month().length(utc.year());
        if (utc.hour(), utc.minute(), utc.day()) != (23, 59, last_day) {
            return None;
        }
    }
    Some(at)
}

/// `at` for a person to read in a message: RFC 3339 where it can be, else
/// seconds since 1970. (`time`'s own `Display` would do, but costs every
/// browser build its formatting code for two error messages.)
pub fn shown(at: OffsetDateTime) -> String {
    format(at)
        .unwrap_or_else(|| std::format!("{} s after 1970-01-01T00:00:00Z", at.unix_timestamp()))
}

/// Writes `at` as `time`'s `Rfc3339` does, or `None` where that fails (a
/// year outside 0–9999, an offset with seconds or over 23 hours).
pub fn format(at: OffsetDateTime) -> Option<String> {
    let offset = at.offset();
    let (year, offset_hours) = (at.year(), offset.whole_hours().unsigned_abs());
    if !(0..10_000).contains(&year) || offset_hours > 23 || offset.seconds_past_minute() != 0 {
        return None;
    }
    let pad = |out: &mut String, n: u32, width: usize| {
        let text = n.to_string();
        out.extend(std::iter::repeat_n('0', width.saturating_sub(text.len())));
        out.push_str(&text);
    };
    let mut out = String::with_capacity(35);
    pad(&mut out, year as u32, 4);
    out.push('-');
    pad(&mut out, u32::from(u8::from(at.month())), 2);
    out.push('-');
    pad(&mut out, u32::from(at.day()), 2);
    out.push('T');
    pad(&mut out, u32::from(at.hour()), 2);
    out.push(':');
    pad(&mut out, u32::from(at.minute()), 2);
    out.push(':');
    pad(&mut out, u32::from(at.second()), 2);
    let mut nanos = at.nanosecond();
    if nanos != 0 {
        let mut width = 9;
        while nanos.is_multiple_of(10) {
            nanos /= 10;
            width -= 1;
        }
        out.push('.');
        pad(&mut out, nanos, width);
    }
    if offset.is_utc() {
        out.push('Z');
    } else {
        out.push(if offset.is_negative() { '-' } else { '+' });
        pad(&mut out, u32::from(offset_hours), 2);
        out.push(':');
        pad(
            &mut out,
            u32::from(offset.minutes_past_hour().unsigned_abs()),
            2,
        );
    }
    Some(out)
}

/// For `#[serde(with = "crate::text::rfc3339")]`: writes with [`format`].
pub fn serialize<S: serde::Serializer>(at: &OffsetDateTime, out: S) -> Result<S::Ok, S::Error> {
    let text = format(*at).ok_or_else(|| {
        <S::Error as serde::ser::Error>::custom("the time cannot be written in RFC 3339")
    })?;
    out.serialize_str(&text)
}

/// Reading with serde is native only (the CLI); `time`'s parser does it.
pub use time::serde::rfc3339::deserialize;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn examples() {
        let kst = parse("2022-10-15T15:30:00.25+09:00").unwrap();
        assert_eq!(kst.offset().whole_hours(), 9);
        assert_eq!(kst.millisecond(), 250);
        assert_eq!(format(kst).unwrap(), "2022-10-15T15:30:00.25+09:00");
        assert_eq!(
            format(parse("2022-10-15T06:30:00Z").unwrap()).unwrap(),
            "2022-10-15T06:30:00Z"
        );
        for bad in [
            "",
            "2022-10-15",
            "2022-10-15T06:30:00",
            "2022-10-15T06:30:00.Z",
            "2022-10-15T06:30:60Z",
            "2022-10-15T06:30:00.5.5Z",
            "2022-02-30T06:30:00Z",
            "2022-10-15T24:00:00Z",
            "2022-10-15T06:30:00+24:00",
            "2022-10-15T06:30:00+09:60",
            "2022-10-15T06:30:00+0900",
            "2022-10-15T06:30:00Z ",
            "+022-10-15T06:30:00Z",
            "２022-10-15T06:30:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        // `time`'s quirks, kept so that serde and this reader agree.
        let plain = parse("2022-10-15T06:30:00Z");
        assert_eq!(parse("2022-10-15 06:30:00z"), plain);
        assert_eq!(
            parse("2022-10-15T06:30:00.1234567891Z"),
            parse("2022-10-15T06:30:00.123456789Z")
        );
        let leap = parse("2016-12-31T23:59:60Z").unwrap();
        assert_eq!((leap.second(), leap.nanosecond()), (59, 999_999_999));
        assert_eq!(parse("2017-01-01T08:59:60+09:00"), Some(leap));
    }

    fn any_time() -> impl Strategy<Value = OffsetDateTime> {
        (
            // Up to a day before the last second `time` can hold, so that
            // an offset of up to ±23:59 never moves it out of range.
            -100_000_000_000i64..253_402_300_799 - 86_400,
            prop_oneof![
                Just(0u32),
                0u32..1_000_000_000,
                (0u32..1000).prop_map(|m| m * 1_000_000)
            ],
            -23i8..=23,
            prop_oneof![Just(0i8), 0i8..60],
        )
            .prop_map(|(seconds, nanos, hours, minutes)| {
                let minutes = if hours < 0 { -minutes } else { minutes };
                let offset = UtcOffset::from_hms(hours, minutes, 0).unwrap();
                (OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                    + time::Duration::nanoseconds(i64::from(nanos)))
                .to_offset(offset)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn writes_what_time_writes_and_reads_it_back(at in any_time()) {
            let ours = format(at);
            prop_assert_eq!(ours.clone(), at.format(&Rfc3339).ok());
            if let Some(text) = ours {
                prop_assert_eq!(parse(&text), Some(at));
            }
        }

        #[test]
        fn reads_what_time_reads(
            at in any_time(),
            edits in proptest::collection::vec(
                (any::<prop::sample::Index>(), "[0-9TZtz:.+ 6-]", 0..3),
                0..3,
            ),
        ) {
            let mut text = at.format(&Rfc3339).unwrap_or_default();
            for (index, piece, how) in edits {
                let at = index.index(text.len() + 1);
                let end = (at + 1).min(text.len());
                match how {
                    0 => text.insert_str(at, &piece),
                    1 => text.replace_range(at..end, &piece),
                    _ => text.replace_range(at..end, ""),
                }
            }
            prop_assert_eq!(parse(&text), OffsetDateTime::parse(&text, &Rfc3339).ok(), "{}", text);
        }
    }
}

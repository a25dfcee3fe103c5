//! `bongsu badge`: a static SVG status badge for places that allow no
//! script (READMEs, wikis, e-mail). It is drawn only from a feed that
//! verifies against the page's pinned root keys, exactly as a reader's
//! browser would check it, and an expired feed is drawn as out of date,
//! never as its last status.

use std::path::{Path, PathBuf};

use bongsu_core::{
    freshness, parse_chain_file, verify_feed, Freshness, KeyChain, KeysUnusable, Status,
};
use bongsu_widget::view::escape;
use bongsu_widget::words::{Language, Words};
use time::OffsetDateTime;

use crate::error::CliError;

/// What the badge says on its right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Status(Status),
    /// The newest verified feed has expired: its status is not claimed.
    OutOfDate,
}

/// Reads `config`, the region's `keys.json` and `feed.note`, verifies the
/// feed at `now`, and returns the badge's SVG.
pub fn badge_for_region(
    config: &Path,
    region: &Path,
    service: Option<&str>,
    language: Language,
    now: OffsetDateTime,
) -> Result<String, CliError> {
    let read =
        |path: PathBuf| std::fs::read(&path).map_err(|source| CliError::ReadFile { path, source });
    let app = crate::config_file::read_app_config(config)?;
    let keys_path = region.join("keys.json");
    let mut keys = KeyChain::new(app.trust.root.clone(), &app.feed);
    parse_chain_file(&read(keys_path.clone())?)
        .and_then(|notes| keys.extend(&notes))
        .map_err(|e| CliError::BadgeInput {
            path: keys_path.clone(),
            message: e.to_string(),
        })?;
    let feed_path = region.join("feed.note");
    let bytes = read(feed_path.clone())?;
    // As a browser checks it: under the key set current now. A feed signed
    // under a key set that has since expired is still checked for
    // authenticity, but drawn as out of date, as no reader would show it.
    let (key_set, keys_current) = match keys.current(now) {
        Ok(key_set) => (key_set, true),
        Err(KeysUnusable::Expired { .. }) => match keys.latest() {
            Some(key_set) => (key_set, false),
            None => no_key_set(&keys_path)?,
        },
        Err(KeysUnusable::NoKeySet) => no_key_set(&keys_path)?,
    };
    let feed = verify_feed(&bytes, key_set).map_err(|e| CliError::BadgeInput {
        path: feed_path,
        message: e.to_string(),
    })?;
    let (label, status) = match service {
        None => (app.title.clone(), feed.overall()),
        Some(id) => {
            let found = feed.services.iter().find(|s| s.id == id).ok_or_else(|| {
                CliError::UnknownService {
                    id: id.to_owned(),
                    known: feed
                        .services
                        .iter()
                        .map(|s| s.id.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?;
            (
                found.name.pick(language.tag()).text.to_owned(),
                found.status(),
            )
        }
    };
    let shown = match freshness(&feed, now) {
        Freshness::Current if keys_current => Shown::Status(status),
        _ => Shown::OutOfDate,
    };
    Ok(render_svg(&label, shown, language.words()))
}

fn no_key_set<T>(keys_path: &Path) -> Result<T, CliError> {
    Err(CliError::BadgeInput {
        path: keys_path.to_owned(),
        message: "holds no key set signed by the config's root keys".to_owned(),
    })
}

/// A shields-style badge: the label on grey, the status with its symbol on
/// its colour (white text at AA contrast on every colour).
pub fn render_svg(label: &str, shown: Shown, words: &Words) -> String {
    let (value, colour) = match shown {
        Shown::Status(status) => (
            format!("{} {}", status.symbol(), words.status(status)),
            colour(status),
        ),
        Shown::OutOfDate => (format!("? {}", words.widget_badge_expired), "#495057"),
    };
    let label_width = text_width(label) + 2 * PADDING;
    let value_width = text_width(&value) + 2 * PADDING;
    let width = label_width + value_width;
    // Control characters are not allowed in XML at all.
    let printable = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    let (label, value) = (escape(&printable(label)), escape(&printable(&value)));
    format!(
        concat!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\" role=\"img\" aria-label=\"{l}: {v}\">",
            "<title>{l}: {v}</title>",
            "<rect width=\"{lw}\" height=\"20\" rx=\"3\" fill=\"#2b3035\"/>",
            "<rect x=\"{lw}\" width=\"{vw}\" height=\"20\" rx=\"3\" fill=\"{c}\"/>",
            "<rect x=\"{lw}\" width=\"4\" height=\"20\" fill=\"{c}\"/>",
            "<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,DejaVu Sans,Apple SD Gothic Neo,Noto Sans KR,sans-serif\" font-size=\"11\">",
            "<text x=\"{lx}\" y=\"14\">{l}</text><text x=\"{vx}\" y=\"14\">{v}</text></g></svg>\n"
        ),
        w = width,
        l = label,
        v = value,
        lw = label_width,
        vw = value_width,
        c = colour,
        lx = label_width / 2,
        vx = label_width + value_width / 2,
    )
}

const PADDING: u32 = 6;

/// The light theme's status colours (style/palette.css), each dark enough
/// for white text at 4.5:1.
fn colour(status: Status) -> &'static str {
    match status {
        Status::Operational => "#1e7b34",
        Status::UnderMaintenance => "#1c5fa8",
        Status::DegradedPerformance => "#8a5a00",
        Status::PartialOutage => "#b4470e",
        Status::MajorOutage => "#b3261e",
    }
}

/// Roughly how wide `text` is at 11 px Verdana: narrow Latin, wide Hangul
/// and symbols. A badge a little too wide is fine; clipped text is not.
fn text_width(text: &str) -> u32 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | '\'' | '|' => 4,
            ' ' => 4,
            c if c.is_ascii_uppercase() || c == 'm' || c == 'w' => 9,
            c if c.is_ascii() => 7,
            _ => 12,
        })
        .sum()
}

/// `bongsu badge`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A region directory holding feed.note and keys.json.
    region: PathBuf,
    /// The app's config.json: the pinned root keys and the feed id.
    #[arg(long)]
    config: PathBuf,
    /// One service's status (its id) instead of the worst of all.
    #[arg(long)]
    service: Option<String>,
    /// The badge's language: en or ko.
    #[arg(long, default_value = "en", value_parser = ["en", "ko"])]
    lang: String,
    /// Write the SVG here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `bongsu badge`.
pub fn run(args: Args) -> Result<(), CliError> {
    let Args {
        region,
        config,
        service,
        lang,
        out,
    } = args;
    let language = if lang == "ko" {
        bongsu_widget::words::Language::Korean
    } else {
        bongsu_widget::words::Language::English
    };
    let svg = badge_for_region(
        &config,
        &region,
        service.as_deref(),
        language,
        time::OffsetDateTime::now_utc(),
    )?;
    match out {
        Some(path) => crate::sign::write_atomically(&path, svg.as_bytes()),
        None => {
            print!("{svg}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bongsu_widget::words::{EN, KO};

    #[test]
    fn the_badge_names_the_status_in_words_and_symbol_on_its_colour() {
        let svg = render_svg("KakaoTalk", Shown::Status(Status::MajorOutage), &EN);
        assert!(
            svg.contains("aria-label=\"KakaoTalk: ✕ Major outage\""),
            "{svg}"
        );
        assert!(svg.contains(">✕ Major outage</text>"));
        assert!(svg.contains("fill=\"#b3261e\""));
        let svg = render_svg("카카오톡", Shown::Status(Status::Operational), &KO);
        assert!(svg.contains("✓ 정상") && svg.contains("#1e7b34"), "{svg}");
    }

    #[test]
    fn an_expired_feed_is_out_of_date_not_green() {
        let svg = render_svg("Kakao", Shown::OutOfDate, &EN);
        assert!(svg.contains("? out of date"), "{svg}");
        assert!(!svg.contains("Operational") && !svg.contains("#1e7b34"));
    }

    #[test]
    fn operator_text_is_escaped_and_widths_grow_with_the_text() {
        let svg = render_svg("<a&b>", Shown::Status(Status::Operational), &EN);
        assert!(svg.contains("&lt;a&amp;b&gt;") && !svg.contains("<a&b>"));
        assert!(!render_svg("a\u{1}b", Shown::OutOfDate, &EN).contains('\u{1}'));
        assert!(text_width("카카오톡 서비스") > text_width("Kakao"));
        let short = render_svg("A", Shown::Status(Status::Operational), &EN);
        let long = render_svg(
            "A much longer label",
            Shown::Status(Status::Operational),
            &EN,
        );
        let width = |svg: &str| {
            svg.split("width=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse::<u32>()
                .unwrap()
        };
        assert!(width(&long) > width(&short) + 80);
    }
}

//! `history.rss` and `history.atom`, as Statuspage serves them at a page's
//! root: one entry per incident or maintenance, its updates newest first as
//! HTML. Entry ids are fixed by the incident's id and the page URL alone,
//! and entry dates by the log's update times, so re-signing the same status
//! changes no entry and feed readers do not notify again.

use time::OffsetDateTime;

use crate::log::export::{kst, xml};
use crate::statuspage::model::{Incident, Page};
use crate::text::rfc3339;

/// One incident or maintenance, and the id and link it goes by.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub item: &'a Incident,
    pub id: String,
    pub link: String,
}

fn title(page: &Page) -> String {
    format!("{} Status - Incident History", page.name)
}

/// `2022-10-15 17:00 KST`, for reading.
fn shown(at: &str) -> String {
    format!(
        "{} {} KST",
        &at[..10.min(at.len())],
        at.get(11..16).unwrap_or_default()
    )
}

/// `investigating` → `Investigating`, `in_progress` → `In progress`.
fn label(status: &str) -> String {
    let mut out = status.replace('_', " ");
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// The entry's body as HTML (escaped again when put into the XML).
fn html(item: &Incident) -> String {
    let mut out = String::new();
    for u in &item.incident_updates {
        out.push_str(&format!(
            "<p><small>{}</small><br><strong>{}</strong> - {}</p>",
            shown(&u.display_at),
            label(&u.status),
            xml(&u.body).replace('\n', "<br>")
        ));
    }
    if let (Some(from), Some(until)) = (&item.scheduled_for, &item.scheduled_until) {
        out.push_str(&format!(
            "<p>Scheduled from {} to {}</p>",
            shown(from),
            shown(until)
        ));
    }
    out
}

/// RFC 822 dates, as RSS 2.0 requires: `Sat, 15 Oct 2022 17:00:00 +0900`.
pub fn rfc822(at: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let kst = at.to_offset(time::macros::offset!(+9));
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0900",
        DAYS[kst.weekday().number_days_from_monday() as usize],
        kst.day(),
        MONTHS[usize::from(u8::from(kst.month())) - 1],
        kst.year(),
        kst.hour(),
        kst.minute(),
        kst.second()
    )
}

fn rfc822_of(at: &str) -> String {
    rfc3339::parse(at).map(rfc822).unwrap_or_default()
}

/// `lang`: the language the entries are written in (the page's).
pub fn rss(page: &Page, lang: &str, entries: &[Entry<'_>]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n  <channel>\n    <title>{}</title>\n    <link>{}</link>\n    <description>{}</description>\n    <language>{}</language>\n",
        xml(&title(page)),
        xml(&page.url),
        xml(&title(page)),
        xml(lang),
    );
    if let Some(newest) = entries.first() {
        out.push_str(&format!(
            "    <lastBuildDate>{}</lastBuildDate>\n",
            rfc822_of(&newest.item.updated_at)
        ));
    }
    for e in entries {
        out.push_str(&format!(
            "    <item>\n      <title>{}</title>\n      <description>{}</description>\n      <pubDate>{}</pubDate>\n      <link>{}</link>\n      <guid isPermaLink=\"false\">{}</guid>\n    </item>\n",
            xml(&e.item.name),
            xml(&html(e.item)),
            rfc822_of(&e.item.updated_at),
            xml(&e.link),
            xml(&e.id),
        ));
    }
    out.push_str("  </channel>\n</rss>\n");
    out
}

/// `issued_at` dates the feed only when it has no entries: otherwise the
/// newest entry does, so re-signing leaves the file as it was.
pub fn atom(page: &Page, lang: &str, entries: &[Entry<'_>], issued_at: OffsetDateTime) -> String {
    let updated = entries
        .first()
        .map_or_else(|| kst(issued_at), |e| e.item.updated_at.clone());
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xml:lang=\"{}\" xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>{}</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <title>{}</title>\n  <updated>{}</updated>\n",
        xml(lang),
        xml(&crate::log::export::page_link(&page.url, "history")),
        xml(&page.url),
        xml(&title(page)),
        xml(&updated),
    );
    for e in entries {
        out.push_str(&format!(
            "  <entry>\n    <id>{}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n    <title>{}</title>\n    <content type=\"html\">{}</content>\n    <author><name>{}</name></author>\n  </entry>\n",
            xml(&e.id),
            xml(&e.item.created_at),
            xml(&e.item.updated_at),
            xml(&e.link),
            xml(&e.item.name),
            xml(&html(e.item)),
            xml(&page.name),
        ));
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rss_dates_are_rfc_822_in_kst() {
        assert_eq!(
            rfc822(datetime!(2022-10-15 06:27:00 UTC)),
            "Sat, 15 Oct 2022 15:27:00 +0900"
        );
        assert_eq!(
            rfc822(datetime!(2022-12-31 20:00:05 UTC)),
            "Sun, 01 Jan 2023 05:00:05 +0900"
        );
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(label("investigating"), "Investigating");
        assert_eq!(label("in_progress"), "In progress");
        assert_eq!(shown("2022-10-15T17:00:00+09:00"), "2022-10-15 17:00 KST");
    }
}

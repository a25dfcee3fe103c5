//! The widget's markup, as one pure function of what is known: the feed on
//! show (if any), where it came from, and the partner's options. Every
//! operator string is escaped; status is told by symbol and words as well
//! as colour.

use bongsu_core::probe::{disputed_headline, disputes, DisagreementKind, Observation};
use bongsu_core::text::{same_language, Rendition};
use bongsu_core::{Feed, Service, Status};
use time::{macros::offset, OffsetDateTime};

use crate::options::{Mode, Options};
use crate::words::{fill, Words};

/// What the widget knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Known<'a> {
    /// config.json could not be loaded or is invalid.
    NoSettings,
    /// Regions are being asked; nothing verified yet.
    Asking,
    /// Every region answered; none served a verified feed.
    NoStatus,
    Status(Shown<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown<'a> {
    pub feed: &'a Feed,
    /// Kept on this device from an earlier visit; no region has confirmed
    /// it (or anything newer) yet.
    pub from_device: bool,
    /// Past its expiry: shown, but marked out of date in the headline itself.
    pub expired: bool,
    /// Two genuine copies with one sequence number were served.
    pub conflict: bool,
    /// Regions that answered the latest poll, of all configured.
    pub answered: usize,
    pub total: usize,
    /// What the regions' probes measured, to say whose claim the headline
    /// is while they dispute it, as the status page does.
    pub probes: Probes<'a>,
}

/// Each region's newest verified probe observation, and the page's rules
/// for when they dispute the declared status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probes<'a> {
    pub observations: &'a [Observation],
    pub now: OffsetDateTime,
    pub grace: time::Duration,
    /// How many regions the key set lets probe.
    pub probing: usize,
}

impl Probes<'_> {
    pub const NONE: Probes<'static> = Probes {
        observations: &[],
        now: OffsetDateTime::UNIX_EPOCH,
        grace: time::Duration::ZERO,
        probing: 0,
    };
}

/// While the probes dispute the declared status of a chosen service, the
/// headline says whose claim it is and what they see (the status page's
/// words and the core's rule); the declared status itself stays.
fn disputed(shown: &Shown, rows: &[Row], overall: Status, words: &Words) -> Option<String> {
    let p = &shown.probes;
    let all = disputes(shown.feed, p.observations, p.now, p.grace, p.probing);
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|d| {
            rows.iter()
                .any(|r| matches!(r, Row::Found(s) if s.id == d.service.id))
        })
        .collect();
    let h = disputed_headline(&chosen)?;
    let services = h
        .services
        .iter()
        .map(|s| s.name.pick(words_lang(words)).text)
        .collect::<Vec<_>>()
        .join(", ");
    let (claim, regions, found) = (
        words.claim(overall),
        h.regions.to_string(),
        h.found.to_string(),
    );
    Some(match h.kind {
        DisagreementKind::UndeclaredOutage => fill(
            words.headline_disputed_failing,
            &[
                ("claim", claim),
                ("failing", &found),
                ("regions", &regions),
                ("services", &services),
            ],
        ),
        DisagreementKind::UnconfirmedOutage => fill(
            words.headline_disputed_working,
            &[
                ("claim", claim),
                ("regions", &regions),
                ("services", &services),
            ],
        ),
    })
}

/// The language the words are in (the widget speaks Korean or English).
fn words_lang(words: &Words) -> &'static str {
    if std::ptr::eq(words, &crate::words::KO) {
        "ko"
    } else {
        "en"
    }
}

/// One service row: the feed's service, or an id the feed does not have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Row<'a> {
    Found(&'a Service),
    Missing(&'a str),
}

/// The services the partner asked for, in their order; all when none.
pub fn rows<'a>(feed: &'a Feed, wanted: &'a [String]) -> Vec<Row<'a>> {
    if wanted.is_empty() {
        return feed.services.iter().map(Row::Found).collect();
    }
    wanted
        .iter()
        .map(|id| match feed.services.iter().find(|s| &s.id == id) {
            Some(service) => Row::Found(service),
            None => Row::Missing(id),
        })
        .collect()
}

/// The headline over `rows`: its worst status and its words; no status
/// when none of the chosen services is in the feed (never a green "all 0").
pub fn headline(rows: &[Row], words: &Words) -> (Option<Status>, String) {
    let statuses: Vec<Status> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Found(s) => Some(s.status()),
            Row::Missing(_) => None,
        })
        .collect();
    if statuses.is_empty() {
        return (None, words.widget_none_found.to_owned());
    }
    let total = statuses.len().to_string();
    let hit = statuses
        .iter()
        .filter(|s| **s != Status::Operational)
        .count();
    let text = if hit == 0 {
        fill(words.headline_all_operational, &[("total", &total)])
    } else {
        fill(
            words.headline_some_affected,
            &[("hit", &hit.to_string()), ("total", &total)],
        )
    };
    (Some(Status::worst(statuses)), text)
}

/// The chosen ids the feed does not have, for the "not in the feed" line.
pub fn missing<'a>(rows: &[Row<'a>]) -> Vec<&'a str> {
    rows.iter()
        .filter_map(|r| match r {
            Row::Missing(id) => Some(*id),
            Row::Found(_) => None,
        })
        .collect()
}

/// `at` in Korea Standard Time, in the locale's words.
pub fn kst(at: OffsetDateTime, words: &Words) -> String {
    // Out of range only for a date near the year 9999; UTC is still right.
    let (at, words_kst) = match at.checked_to_offset(offset!(+9)) {
        Some(kst) => (kst, words.time_kst),
        None => (at, "{{ date }} {{ hm }} UTC"),
    };
    let date = format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    );
    let hm = format!("{:02}:{:02}", at.hour(), at.minute());
    fill(words_kst, &[("date", &date), ("hm", &hm)])
}

/// The headline as shown: out of date says so in the headline itself, so
/// a partner who crops the frame to one line cannot hide it.
/// The third field: the probes dispute the declared status (the headline
/// says whose claim it is).
fn shown_headline(
    shown: &Shown,
    options: &Options,
    words: &Words,
) -> (Option<Status>, String, bool) {
    let rows = rows(shown.feed, &options.services);
    let (overall, text) = headline(&rows, words);
    if shown.expired {
        (
            overall,
            fill(words.widget_headline_expired, &[("headline", &text)]),
            false,
        )
    } else if let Some(disputed) = overall.and_then(|o| disputed(shown, &rows, o, words)) {
        (overall, disputed, true)
    } else {
        (overall, text, false)
    }
}

/// The announcement for screen readers when the status changes.
pub fn announcement(known: &Known, options: &Options, words: &Words) -> String {
    match known {
        Known::Status(shown) => shown_headline(shown, options, words).1,
        Known::NoSettings => words.widget_no_settings.to_owned(),
        Known::Asking => words.headline_asking.to_owned(),
        Known::NoStatus => words.widget_no_status.to_owned(),
    }
}

/// What the live region does after a render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announce {
    /// Nothing changed, or nothing is settled yet.
    Nothing,
    /// The first settled state: remembered, not spoken. A screen reader
    /// reads the box itself on arrival, and a page with two boxes would
    /// otherwise speak twice before anything happened.
    Settle(String),
    /// A change after the first settled state: spoken politely.
    Speak(String),
}

/// Compares `said` (the [`announcement`] for what is shown now) with the
/// last settled announcement.
pub fn announce(settled: Option<&str>, known: &Known, said: String) -> Announce {
    match settled {
        _ if matches!(known, Known::Asking) => Announce::Nothing,
        None => Announce::Settle(said),
        Some(before) if before == said => Announce::Nothing,
        Some(_) => Announce::Speak(said),
    }
}

/// The widget's markup. `title` is the operator's page title (config.json);
/// until it is known, the widget's own label stands in.
pub fn render(title: &str, known: &Known, options: &Options, words: &Words) -> String {
    let title = if title.trim().is_empty() {
        words.widget_label
    } else {
        title
    };
    let mut html = String::new();
    let mode = match options.mode {
        Mode::Compact => "compact",
        Mode::Detailed => "detailed",
    };
    html.push_str(&format!(
        "<section class=\"widget {mode}\" aria-label=\"{}\"><h1 class=\"title\">{}</h1>",
        escape(words.widget_label),
        escape(title)
    ));
    match known {
        Known::NoSettings => line(&mut html, "unknown", "?", words.widget_no_settings),
        Known::Asking => line(&mut html, "unknown", "…", words.headline_asking),
        Known::NoStatus => line(&mut html, "unknown", "?", words.widget_no_status),
        Known::Status(shown) => status(&mut html, shown, options, words),
    }
    html.push_str(&format!(
        "<a class=\"full-page\" data-testid=\"widget-link\" href=\"../\" target=\"_blank\" rel=\"noopener\">{}</a></section>",
        escape(words.widget_full_page)
    ));
    html
}

fn line(html: &mut String, status: &str, symbol: &str, text: &str) {
    headline_line(html, status, status, symbol, text, "");
}

/// The headline; `colour` is the class it is drawn in (an out-of-date
/// status is grey, not its status's colour).
fn headline_line(
    html: &mut String,
    status: &str,
    colour: &str,
    symbol: &str,
    text: &str,
    flag: &str,
) {
    html.push_str(&format!(
        "<p class=\"overall status-{colour}\" data-testid=\"widget-overall\" data-status=\"{status}\"{flag}><span class=\"symbol\" aria-hidden=\"true\">{}</span> {}</p>",
        escape(symbol),
        escape(text)
    ));
}

fn status(html: &mut String, shown: &Shown, options: &Options, words: &Words) {
    let rows = rows(shown.feed, &options.services);
    let (overall, text, disputed) = shown_headline(shown, options, words);
    match overall {
        Some(overall) => {
            let colour = if shown.expired {
                "unknown"
            } else {
                overall.as_str()
            };
            // The declared status keeps its colour and symbol; a dispute is
            // said in the words and drawn with a dashed border.
            let flag = if shown.expired {
                " data-expired=\"true\""
            } else if disputed {
                " data-disputed=\"true\""
            } else {
                ""
            };
            headline_line(
                html,
                overall.as_str(),
                colour,
                overall.symbol(),
                &text,
                flag,
            );
        }
        None => line(html, "unknown", "?", &text),
    }
    // Warnings first, right under the headline: in a frame too short for
    // everything, they are what must stay in view.
    if shown.from_device {
        warning(html, words.widget_from_device);
    }
    if shown.expired {
        warning(html, words.widget_expired);
    }
    if shown.conflict {
        warning(html, words.widget_conflict);
    }
    let missing = missing(&rows);
    if options.mode == Mode::Compact && !missing.is_empty() {
        warning(
            html,
            &fill(words.widget_missing, &[("ids", &missing.join(", "))]),
        );
    }
    if options.mode == Mode::Detailed {
        html.push_str("<ul class=\"services\">");
        // The source language of the first name that is not in the reader's.
        let mut fell_back: Option<&str> = None;
        for row in &rows {
            let (id, name, status) = match row {
                Row::Found(s) => (
                    s.id.as_str(),
                    Some(s.name.pick(options.language.tag())),
                    Some(s.status()),
                ),
                Row::Missing(id) => (*id, None, None),
            };
            let (class, symbol, label) = match status {
                Some(s) => (s.as_str(), s.symbol(), words.status(s)),
                None => ("unknown", "?", words.widget_not_in_feed),
            };
            let (name, lang) = match name {
                Some(shown) => {
                    if let Rendition::Fallback { lang } = shown.rendition {
                        fell_back.get_or_insert(lang);
                    }
                    (
                        shown.text,
                        shown
                            .lang
                            .filter(|l| !same_language(l, options.language.tag())),
                    )
                }
                None => (id, None),
            };
            let lang = lang
                .map(|l| format!(" lang=\"{}\"", escape(l)))
                .unwrap_or_default();
            html.push_str(&format!(
                "<li class=\"service\" data-testid=\"widget-service\" data-service=\"{}\" data-status=\"{class}\"><span class=\"name\"{lang}>{}</span> <span class=\"status status-{class}\"><span class=\"symbol\" aria-hidden=\"true\">{symbol}</span> {}</span></li>",
                escape(id),
                escape(name),
                escape(label)
            ));
        }
        html.push_str("</ul>");
        if let Some(lang) = fell_back {
            html.push_str(&format!(
                "<p class=\"original\" data-testid=\"widget-original\">{}</p>",
                escape(&fill(
                    words.operator_names_original,
                    &[("lang", words.language_name(lang))]
                ))
            ));
        }
    }
    let source = if shown.from_device {
        "device"
    } else {
        "region"
    };
    let signed = fill(
        words.widget_signed,
        &[("when", &kst(shown.feed.issued_at, words))],
    );
    let regions = fill(
        words.widget_regions,
        &[
            ("answered", &shown.answered.to_string()),
            ("total", &shown.total.to_string()),
        ],
    );
    html.push_str(&format!(
        "<p class=\"meta\" data-testid=\"widget-meta\" data-source=\"{source}\" data-seq=\"{}\">{} · {}</p>",
        shown.feed.seq,
        escape(&signed),
        escape(&regions)
    ));
}

fn warning(html: &mut String, text: &str) {
    html.push_str(&format!(
        "<p class=\"warning\" data-testid=\"widget-warning\"><span class=\"symbol\" aria-hidden=\"true\">!</span> {}</p>",
        escape(text)
    ));
}

/// Text as HTML: what the operator wrote can never become markup.
pub use bongsu_core::text::markup::escape;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Theme;
    use crate::words::{Language, EN, KO};
    use bongsu_core::Component;
    use time::macros::datetime;

    fn service(id: &str, name: &str, status: Status) -> Service {
        Service {
            id: id.into(),
            name: name.into(),
            components: vec![Component {
                depends_on: Vec::new(),
                id: "main".into(),
                name: "Main".into(),
                status,
            }],
        }
    }

    fn feed() -> Feed {
        Feed {
            feed: "kakao".into(),
            seq: 7,
            issued_at: datetime!(2022-10-15 08:00 UTC),
            expires_at: datetime!(2022-10-15 09:00 UTC),
            log: None,
            services: vec![
                service("talk", "KakaoTalk", Status::MajorOutage),
                service("pay", "Kakao Pay", Status::PartialOutage),
                service("mail", "<b>Daum</b> Mail", Status::Operational),
            ],
            incidents: Vec::new(),
            maintenances: Vec::new(),
        }
    }

    fn options(services: &[&str], mode: Mode, language: Language) -> Options {
        Options {
            services: services.iter().map(|s| s.to_string()).collect(),
            language,
            theme: Theme::Auto,
            mode,
        }
    }

    fn shown(feed: &Feed) -> Known<'_> {
        Known::Status(Shown {
            probes: Probes::NONE,
            feed,
            from_device: false,
            expired: false,
            conflict: false,
            answered: 2,
            total: 3,
        })
    }

    #[test]
    fn rows_follow_the_partners_choice_and_name_what_is_missing() {
        let feed = feed();
        let all = rows(&feed, &[]);
        assert_eq!(all.len(), 3);
        let wanted = ["mail".into(), "gone".into(), "talk".into()];
        let chosen = rows(&feed, &wanted);
        assert!(matches!(chosen[0], Row::Found(s) if s.id == "mail"));
        assert_eq!(chosen[1], Row::Missing("gone"));
        assert!(matches!(chosen[2], Row::Found(s) if s.id == "talk"));
    }

    #[test]
    fn the_headline_is_the_worst_chosen_service_with_a_count() {
        let feed = feed();
        let (status, text) = headline(&rows(&feed, &[]), &EN);
        assert_eq!(status, Some(Status::MajorOutage));
        assert_eq!(text, "2 of 3 services affected");
        let (status, text) = headline(&rows(&feed, &["mail".into()]), &EN);
        assert_eq!(status, Some(Status::Operational));
        assert_eq!(text, "All 1 services operational");
        let (_, text) = headline(&rows(&feed, &["pay".into(), "gone".into()]), &KO);
        assert_eq!(text, "서비스 1개 중 1개 영향");
        // None of the chosen services exists: no status, and never green.
        let (status, text) = headline(&rows(&feed, &["gone".into(), "Talk".into()]), &EN);
        assert_eq!((status, text.as_str()), (None, EN.widget_none_found));
    }

    #[test]
    fn times_are_in_kst() {
        assert_eq!(
            kst(datetime!(2022-10-15 06:30 UTC), &EN),
            "2022-10-15 15:30 KST"
        );
        assert_eq!(
            kst(datetime!(2022-10-15 16:05 UTC), &KO),
            "2022-10-16 01:05 (한국 시간)"
        );
    }

    #[test]
    fn detailed_lists_every_chosen_service_with_symbol_and_words() {
        let feed = feed();
        let html = render(
            "Kakao",
            &shown(&feed),
            &options(&[], Mode::Detailed, Language::English),
            &EN,
        );
        assert_eq!(html.matches("data-testid=\"widget-service\"").count(), 3);
        assert!(html.contains("data-service=\"talk\" data-status=\"major_outage\""));
        assert!(html.contains("✕</span> Major outage"));
        assert!(html.contains("data-status=\"major_outage\"><span class=\"symbol\" aria-hidden=\"true\">✕</span> 2 of 3 services affected"));
        assert!(html.contains("Signed 2022-10-15 17:00 KST · 2 of 3 regions answered"));
        assert!(!html.contains("widget-warning"));
    }

    #[test]
    fn compact_names_the_chosen_services_the_feed_does_not_have() {
        let feed = feed();
        let o = options(
            &["talk", "gone", "<i>x</i>"],
            Mode::Compact,
            Language::English,
        );
        let html = render("Kakao", &shown(&feed), &o, &EN);
        assert!(
            html.contains("Not in the status feed: gone, &lt;i&gt;x&lt;/i&gt;"),
            "{html}"
        );
        let o = options(&["gone"], Mode::Compact, Language::English);
        let html = render("Kakao", &shown(&feed), &o, &EN);
        assert!(
            html.contains("data-status=\"unknown\"") && !html.contains("operational"),
            "{html}"
        );
    }

    #[test]
    fn before_the_config_the_widget_names_itself() {
        let o = options(&[], Mode::Compact, Language::Korean);
        assert!(render("", &Known::Asking, &o, &KO)
            .contains(&format!("<h1 class=\"title\">{}</h1>", KO.widget_label)));
    }

    #[test]
    fn compact_shows_only_the_headline() {
        let feed = feed();
        let html = render(
            "Kakao",
            &shown(&feed),
            &options(&["mail"], Mode::Compact, Language::Korean),
            &KO,
        );
        assert!(!html.contains("widget-service"));
        assert!(html.contains("서비스 1개 모두 정상"));
        assert!(html.contains("전체 상태 페이지"));
    }

    #[test]
    fn operator_text_cannot_become_markup() {
        let feed = feed();
        let html = render(
            "<script>x</script>",
            &shown(&feed),
            &options(&[], Mode::Detailed, Language::English),
            &EN,
        );
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(html.contains("&lt;b&gt;Daum&lt;/b&gt; Mail"));
        assert_eq!(escape("a&b\"'<>"), "a&amp;b&quot;&#39;&lt;&gt;");
    }

    #[test]
    fn saved_and_expired_statuses_say_so() {
        let feed = feed();
        let known = Known::Status(Shown {
            probes: Probes::NONE,
            feed: &feed,
            from_device: true,
            expired: true,
            conflict: false,
            answered: 0,
            total: 3,
        });
        let html = render(
            "Kakao",
            &known,
            &options(&[], Mode::Compact, Language::English),
            &EN,
        );
        assert_eq!(html.matches("widget-warning").count(), 2);
        assert!(html.contains("data-source=\"device\""));
        assert!(html.contains(EN.widget_from_device) && html.contains(EN.widget_expired));
        // The warnings come right after the headline, before anything else.
        let overall = html.find("widget-overall").unwrap();
        let warning = html.find("widget-warning").unwrap();
        let meta = html.find("widget-meta").unwrap();
        assert!(overall < warning && warning < meta);
        // The headline itself says so, in grey: a frame cropped to one line
        // still cannot show an out-of-date status as current.
        let headline = &html[html[..overall].rfind("<p").unwrap()..warning];
        assert!(headline.contains("Out of date"), "{headline}");
        assert!(headline.contains("status-unknown") && headline.contains("data-expired"));
        assert!(
            announcement(&known, &options(&[], Mode::Compact, Language::English), &EN)
                .contains("Out of date")
        );
    }

    #[test]
    fn two_copies_with_one_number_are_said() {
        let feed = feed();
        let known = Known::Status(Shown {
            probes: Probes::NONE,
            feed: &feed,
            from_device: false,
            expired: false,
            conflict: true,
            answered: 3,
            total: 3,
        });
        for (words, language) in [(&EN, Language::English), (&KO, Language::Korean)] {
            let html = render(
                "Kakao",
                &known,
                &options(&[], Mode::Compact, language),
                words,
            );
            assert!(html.contains(&escape(words.widget_conflict)), "{html}");
        }
    }

    #[test]
    fn without_a_status_the_widget_says_why() {
        let o = options(&[], Mode::Compact, Language::English);
        assert!(render("Kakao", &Known::Asking, &o, &EN).contains(EN.headline_asking));
        assert!(render("Kakao", &Known::NoStatus, &o, &EN).contains(EN.widget_no_status));
        assert!(render("", &Known::NoSettings, &o, &EN).contains(EN.widget_no_settings));
        assert_eq!(announcement(&Known::NoStatus, &o, &EN), EN.widget_no_status);
    }

    #[test]
    fn only_changes_after_the_first_settled_state_are_spoken() {
        let o = options(&[], Mode::Compact, Language::English);
        let f = feed();
        let status = shown(&f);
        let said = || announcement(&status, &o, &EN);
        assert_eq!(
            announce(None, &Known::Asking, "…".into()),
            Announce::Nothing
        );
        assert_eq!(announce(None, &status, said()), Announce::Settle(said()));
        assert_eq!(announce(Some(&said()), &status, said()), Announce::Nothing);
        assert_eq!(
            announce(Some(&said()), &Known::NoStatus, EN.widget_no_status.into()),
            Announce::Speak(EN.widget_no_status.into())
        );
        assert_eq!(
            announce(Some(EN.widget_no_status), &Known::Asking, "…".into()),
            Announce::Nothing,
            "asking again (a new poll) is not news"
        );
    }

    /// Two regions have found KakaoTalk failing for five minutes; the
    /// operator calls it operational.
    fn failing_probes(now: OffsetDateTime) -> Vec<Observation> {
        use bongsu_core::probe::{ProbeState, ServiceObservation};
        ["seoul", "busan"]
            .iter()
            .map(|region| Observation {
                feed: "kakao".into(),
                region: (*region).into(),
                seq: 1,
                issued_at: now - time::Duration::minutes(1),
                expires_at: now + time::Duration::minutes(2),
                interval_seconds: 30,
                window_seconds: 300,
                services: vec![ServiceObservation {
                    service: "mail".into(),
                    state: ProbeState::Failing,
                    since: now - time::Duration::minutes(5),
                    attempted: 10,
                    failed: 10,
                    latency_p50_ms: None,
                    latency_p95_ms: None,
                    last_error: None,
                }],
            })
            .collect()
    }

    #[test]
    fn the_headline_says_whose_claim_it_is_while_the_probes_dispute_it() {
        let feed = feed();
        let now = datetime!(2022-10-15 08:30 UTC);
        let observations = failing_probes(now);
        let probes = Probes {
            observations: &observations,
            now,
            grace: time::Duration::minutes(2),
            probing: 2,
        };
        let known = |probes| {
            Known::Status(Shown {
                probes,
                feed: &feed,
                from_device: false,
                expired: false,
                conflict: false,
                answered: 2,
                total: 2,
            })
        };
        let o = options(&["mail"], Mode::Compact, Language::English);
        let html = render("Kakao", &known(probes), &o, &EN);
        assert!(
            html.contains("data-status=\"operational\" data-disputed=\"true\""),
            "{html}"
        );
        assert!(
            html.contains("The operator reports all services operational; independent probes in 2 of 2 regions see &lt;b&gt;Daum&lt;/b&gt; Mail failing"),
            "{html}"
        );
        let ko = options(&["mail"], Mode::Compact, Language::Korean);
        assert!(
            render("Kakao", &known(probes), &ko, &KO).contains("독립 프로브는 2개 지역 중 2곳에서")
        );
        // Only the chosen services count: a box for KakaoTalk is not disputed.
        let other = options(&["talk"], Mode::Compact, Language::English);
        assert!(!render("Kakao", &known(probes), &other, &EN).contains("data-disputed"));
        // Within the grace period, or without probes, the plain headline.
        let early = Probes {
            grace: time::Duration::minutes(10),
            ..probes
        };
        assert!(!render("Kakao", &known(early), &o, &EN).contains("data-disputed"));
        assert!(!render("Kakao", &known(Probes::NONE), &o, &EN).contains("data-disputed"));
    }
}

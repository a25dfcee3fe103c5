//! What the regions' probes measured, beside what the operator declared:
//! a line under each service, a line under each region saying whether its
//! probe counts, and a notice when declared and measured disagree for
//! longer than the grace period. None of it shows when no region runs a
//! probe.
//!
//! Everything is worked out in one pass ([`Measured::new`], plain code,
//! recomputed as observations arrive and age) and drawn by one small view
//! ([`line`]): the status page's first load has a budget, and every
//! distinct reactive view costs code.

use bongsu_core::probe::{
    consensus, disputed_headline, disputes, Consensus, DisagreementKind, Verdict,
};
use bongsu_core::probe::{is_current, Observation};
use bongsu_core::Feed;
use leptos::prelude::*;
use time::{Duration, OffsetDateTime};

use super::said::said;
use crate::error_text::{fetch_error, observation_error};
use crate::format::{ago, kst};
use crate::i18n::{td_string, Locale};
use crate::stores::probes::ProbeReport;

/// One line of text with a symbol (so that no state is told by colour
/// alone) and, for operators, technical detail in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `measured`, `region-probe` or `disagreement`.
    pub testid: &'static str,
    /// The state, for styles and tests: a verdict, a probe state or a kind.
    pub state: &'static str,
    /// The service or region it is about.
    pub about: String,
    pub symbol: &'static str,
    pub text: String,
    pub detail: Option<String>,
}

/// The one view of a [`Line`].
pub fn line(l: Line) -> impl IntoView {
    view! {
        <p class=format!("probe-line {}-{}", l.testid, l.state) data-testid=l.testid data-state=l.state data-about=l.about>
            <span class="symbol" aria-hidden="true">{l.symbol}</span>
            " "
            {l.text}
            {l.detail.map(|d| view! { " " <code lang="en" class="tech">{d}</code> })}
        </p>
    }
}

/// What the status page says about the services: the measured line under
/// each and the disagreements. It changes only when a verdict does, so the
/// notice's live region is not redrawn as time passes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measured {
    /// Per service, in feed order.
    pub services: Vec<Line>,
    /// The disagreements that have lasted the grace period.
    pub notices: Vec<Line>,
    /// While there are any, the banner's headline: whose claim the declared
    /// status is, and what the probes see ("The operator reports all
    /// services operational; independent probes in 3 of 3 regions see
    /// KakaoTalk failing"). The declared status itself stays as it is.
    pub headline: Option<String>,
}

/// Per region, in config order: its id, its last report and its newest
/// verified observation (`ProbeStore::snapshot`).
pub type Probes = [(String, ProbeReport, Option<Observation>)];

/// What [`Measured::new`] reads.
pub struct Inputs<'a> {
    pub locale: Locale,
    pub now: OffsetDateTime,
    pub grace: Duration,
    pub feed: Option<&'a Feed>,
    pub regions: &'a Probes,
    /// How many regions the key set lets probe: a disagreement takes a
    /// majority of them.
    pub probing: usize,
}

/// Whether any region runs a probe at all.
fn any_probe(regions: &Probes) -> bool {
    regions.iter().any(|(_, report, kept)| {
        kept.is_some()
            || matches!(
                report,
                ProbeReport::Rejected(_) | ProbeReport::Behind { .. }
            )
    })
}

impl Measured {
    pub fn new(i: Inputs) -> Measured {
        let mut m = Measured::default();
        let Some(feed) = i.feed.filter(|_| any_probe(i.regions)) else {
            return m;
        };
        let kept: Vec<Observation> = i
            .regions
            .iter()
            .filter_map(|(_, _, kept)| kept.clone())
            .collect();
        let counted: Vec<Observation> = kept
            .iter()
            .filter(|o| is_current(o, i.now))
            .cloned()
            .collect();
        for s in &feed.services {
            let c = consensus(&s.id, &counted, i.now);
            m.services.push(measured_line(i.locale, &s.id, &c));
        }
        // The core's one rule for what is disputed, as the widget uses it.
        let found = disputes(feed, &kept, i.now, i.grace, i.probing);
        for d in &found {
            let (c, name) = (&d.consensus, said(i.locale, &d.service.name));
            let (regions, since) = (c.regions(), kst(i.locale, d.disagreement.since));
            let text = match d.disagreement.kind {
                DisagreementKind::UndeclaredOutage => td_string!(
                    i.locale,
                    probes.undeclared,
                    service = name,
                    failing = c.failing.len(),
                    regions = regions,
                    since = since
                ),
                DisagreementKind::UnconfirmedOutage => td_string!(
                    i.locale,
                    probes.unconfirmed,
                    service = name,
                    regions = regions,
                    since = since
                ),
            };
            m.notices.push(Line {
                testid: "disagreement",
                state: d.disagreement.kind.as_str(),
                about: d.service.id.clone(),
                symbol: "⚠",
                text,
                detail: None,
            });
        }
        m.headline = disputed_headline(&found).map(|h| {
            let claim = crate::format::claim(i.locale, feed.overall());
            let services = h
                .services
                .iter()
                .map(|s| said(i.locale, &s.name))
                .collect::<Vec<_>>()
                .join(", ");
            match h.kind {
                DisagreementKind::UndeclaredOutage => td_string!(
                    i.locale,
                    headline.disputed_failing,
                    claim = &claim,
                    failing = h.found,
                    regions = h.regions,
                    services = services
                ),
                DisagreementKind::UnconfirmedOutage => td_string!(
                    i.locale,
                    headline.disputed_working,
                    claim = &claim,
                    regions = h.regions,
                    services = services
                ),
            }
        });
        m
    }

    /// The line under service `id`, if there is one.
    pub fn service(&self, id: &str) -> Option<Line> {
        self.services.iter().find(|l| l.about == id).cloned()
    }
}

/// Each region's probe line, in config order; none when no region probes.
pub fn region_lines(locale: Locale, regions: &Probes, now: OffsetDateTime) -> Vec<Line> {
    if !any_probe(regions) {
        return Vec::new();
    }
    regions
        .iter()
        .map(|(id, report, kept)| region_line(locale, id, report, kept.as_ref(), now))
        .collect()
}

/// "Measured: failing from 2 of 3 regions".
fn measured_line(locale: Locale, service: &str, c: &Consensus) -> Line {
    let (state, symbol, what, n) = match c.verdict {
        Verdict::NoData => ("none", "…", None, 0),
        Verdict::Up => (
            "up",
            "✓",
            Some(td_string!(locale, probes.word_working)),
            c.passing.len(),
        ),
        Verdict::Partial if c.slow_only => (
            "partial",
            "◐",
            Some(td_string!(locale, probes.word_slow)),
            c.failing.len(),
        ),
        Verdict::Down if c.slow_only => (
            "down",
            "◐",
            Some(td_string!(locale, probes.word_slow)),
            c.failing.len(),
        ),
        Verdict::Partial => (
            "partial",
            "◐",
            Some(td_string!(locale, probes.word_failing)),
            c.failing.len(),
        ),
        Verdict::Down => (
            "down",
            "✕",
            Some(td_string!(locale, probes.word_failing)),
            c.failing.len(),
        ),
    };
    let text = match what {
        Some(what) => td_string!(
            locale,
            probes.measured,
            what = what,
            n = n,
            regions = c.regions()
        ),
        None => td_string!(locale, probes.measured_none).to_string(),
    };
    Line {
        testid: "measured",
        state,
        about: service.to_owned(),
        symbol,
        text,
        detail: None,
    }
}

/// Whether the region's probe counts, and if not, why.
fn region_line(
    locale: Locale,
    region: &str,
    report: &ProbeReport,
    kept: Option<&Observation>,
    now: OffsetDateTime,
) -> Line {
    let measured = |o: &Observation| ago(locale, o.issued_at, now);
    let mut detail = None;
    // A kept observation that has expired makes the region stale, whatever
    // it answered since (nothing, or the same old observation).
    let (state, symbol, mut text) = match (report, kept) {
        (_, Some(o)) if !is_current(o, now) => (
            "stale",
            "↺",
            td_string!(locale, probes.probe_stale, ago = measured(o)),
        ),
        (ProbeReport::Pending | ProbeReport::NoKeys(_), _) => (
            "pending",
            "…",
            td_string!(locale, regions.checking).to_string(),
        ),
        (ProbeReport::NoProbe, _) => (
            "none",
            "–",
            td_string!(locale, probes.probe_none).to_string(),
        ),
        (ProbeReport::Unanswered(why), _) => (
            "unanswered",
            "✕",
            td_string!(
                locale,
                probes.probe_unanswered,
                why = fetch_error(locale, why)
            ),
        ),
        (ProbeReport::Rejected(why), _) => {
            let worded = observation_error(locale, why);
            detail = worded.detail;
            (
                "rejected",
                "⚠",
                td_string!(locale, probes.probe_rejected, why = worded.text),
            )
        }
        (ProbeReport::Behind { seq }, _) => (
            "behind",
            "↺",
            td_string!(locale, probes.probe_behind, seq = *seq),
        ),
        (ProbeReport::Verified { .. }, o) => (
            "current",
            "✓",
            td_string!(
                locale,
                probes.probe_current,
                ago = o.map(measured).unwrap_or_default()
            ),
        ),
    };
    // A failed answer does not undo a current observation kept from before.
    if let (Some(o), "unanswered" | "rejected") = (kept, state) {
        text = format!(
            "{text} · {}",
            td_string!(locale, probes.probe_still_counted, ago = measured(o))
        );
    }
    Line {
        testid: "region-probe",
        state,
        about: region.to_owned(),
        symbol,
        text,
        detail,
    }
}

/// The disagreements, near the top of the page, announced politely to
/// screen readers when they appear.
#[component]
pub fn Disagreements(measured: Memo<Measured>) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    // Redrawn only when the notices change, so that screen readers
    // announce a disagreement once.
    let notices = Memo::new(move |_| measured.with(|m| m.notices.clone()));
    view! {
        <div aria-live="polite">
            {move || {
                let notices = notices.get();
                (!notices.is_empty()).then(|| view! {
                    <section class="disagreements" data-testid="disagreements">
                        <h2>{crate::i18n::t!(i18n, probes.heading)}</h2>
                        {notices.into_iter().map(line).collect_view()}
                    </section>
                })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bongsu_core::probe::{ErrorClass, ProbeState, ServiceObservation};
    use bongsu_core::{Component, FetchError, Service, Status};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 06:00 UTC);

    fn feed(status: Status) -> Feed {
        Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: NOW,
            expires_at: NOW + Duration::hours(1),
            log: None,
            services: vec![Service {
                id: "talk".into(),
                name: "KakaoTalk".into(),
                components: vec![Component {
                    depends_on: Vec::new(),
                    id: "msg".into(),
                    name: "Messaging".into(),
                    status,
                }],
            }],
            incidents: vec![],
            maintenances: vec![],
        }
    }

    /// `region`'s observation issued `age` ago: the service failing (since
    /// `since` ago) or passing.
    fn seen(region: &str, failing: bool, since: Duration, age: Duration) -> Observation {
        let issued_at = NOW - age;
        Observation {
            feed: "kakao".into(),
            region: region.into(),
            seq: 7,
            issued_at,
            expires_at: issued_at + Duration::seconds(15),
            interval_seconds: 5,
            window_seconds: 60,
            services: vec![ServiceObservation {
                service: "talk".into(),
                state: if failing {
                    ProbeState::Failing
                } else {
                    ProbeState::Passing
                },
                since: NOW - since,
                attempted: 12,
                failed: if failing { 12 } else { 0 },
                latency_p50_ms: None,
                latency_p95_ms: None,
                last_error: failing.then_some(ErrorClass::Refused),
            }],
        }
    }

    /// Everything the page says at NOW, two regions probing.
    #[derive(Debug, PartialEq)]
    struct Said {
        services: Vec<Line>,
        notices: Vec<Line>,
        headline: Option<String>,
        regions: Vec<Line>,
    }

    fn measured(
        locale: Locale,
        feed: &Feed,
        regions: Vec<(String, ProbeReport, Option<Observation>)>,
    ) -> Said {
        let m = Measured::new(Inputs {
            locale,
            now: NOW,
            grace: Duration::minutes(5),
            feed: Some(feed),
            regions: &regions,
            probing: 2,
        });
        Said {
            services: m.services,
            notices: m.notices,
            headline: m.headline,
            regions: region_lines(locale, &regions, NOW),
        }
    }

    fn verified(o: Observation) -> (String, ProbeReport, Option<Observation>) {
        (
            o.region.clone(),
            ProbeReport::Verified { seq: o.seq },
            Some(o),
        )
    }

    #[test]
    fn without_any_probe_nothing_is_said() {
        let m = measured(
            Locale::en,
            &feed(Status::Operational),
            vec![("seoul".into(), ProbeReport::NoProbe, None)],
        );
        assert_eq!(
            m,
            Said {
                services: vec![],
                notices: vec![],
                headline: None,
                regions: vec![]
            }
        );
    }

    #[test]
    fn an_undeclared_outage_is_noticed_after_the_grace_period_only() {
        let failing = |since| {
            vec![
                verified(seen("seoul", true, since, Duration::seconds(2))),
                verified(seen("busan", true, since, Duration::seconds(2))),
                ("tokyo".to_owned(), ProbeReport::NoProbe, None),
            ]
        };
        let f = feed(Status::Operational);
        let early = measured(Locale::en, &f, failing(Duration::minutes(4)));
        assert_eq!(early.notices, vec![]);
        assert_eq!(
            early.services[0].text,
            "Measured: failing from 2 of 2 regions"
        );
        assert_eq!(early.services[0].state, "down");
        assert_eq!(
            early.regions[2].state, "none",
            "a region without a probe is said to have none"
        );
        let due = measured(Locale::en, &f, failing(Duration::minutes(5)));
        assert_eq!(due.notices.len(), 1);
        assert_eq!(due.notices[0].state, "undeclared_outage");
        assert!(
            due.notices[0].text.starts_with("KakaoTalk: probes in 2 of 2 regions have found it failing since 2026-12-01 14:55 KST"),
            "{}",
            due.notices[0].text
        );
        let ko = measured(Locale::ko, &f, failing(Duration::minutes(5)));
        assert!(
            ko.notices[0]
                .text
                .contains("운영자는 장애를 공지하지 않았습니다"),
            "{}",
            ko.notices[0].text
        );
        assert_eq!(ko.services[0].text, "측정: 2개 지역 중 2곳에서 실패");
        // The headline says whose claim the declared status is.
        assert_eq!(early.headline, None);
        assert_eq!(
            due.headline.as_deref(),
            Some("The operator reports all services operational; independent probes in 2 of 2 regions see KakaoTalk failing")
        );
        assert_eq!(
            ko.headline.as_deref(),
            Some("운영자는 모든 서비스가 정상이라고 밝혔지만, 독립 프로브는 2개 지역 중 2곳에서 KakaoTalk 장애를 확인했습니다")
        );
        // Declared: no disagreement, whatever the probes say.
        assert_eq!(
            measured(
                Locale::en,
                &feed(Status::MajorOutage),
                failing(Duration::hours(1))
            )
            .notices,
            vec![]
        );
    }

    #[test]
    fn a_lone_region_cannot_disagree_for_the_page() {
        // Two regions probe; one is silent, the other finds it failing.
        let regions = vec![
            verified(seen(
                "seoul",
                true,
                Duration::hours(1),
                Duration::seconds(2),
            )),
            (
                "busan".to_owned(),
                ProbeReport::Unanswered(FetchError::Network),
                None,
            ),
        ];
        let m = measured(Locale::en, &feed(Status::Operational), regions);
        assert_eq!(m.services[0].text, "Measured: failing from 1 of 1 regions");
        assert_eq!(
            m.notices,
            vec![],
            "one of two probing regions is no majority"
        );
    }

    #[test]
    fn a_stale_region_is_shown_as_such_and_not_counted() {
        let regions = vec![
            verified(seen(
                "seoul",
                true,
                Duration::hours(1),
                Duration::minutes(10),
            )),
            verified(seen(
                "busan",
                false,
                Duration::hours(1),
                Duration::seconds(2),
            )),
        ];
        let m = measured(Locale::en, &feed(Status::Operational), regions);
        assert_eq!(m.regions[0].state, "stale");
        assert!(
            m.regions[0].text.contains("not counted"),
            "{}",
            m.regions[0].text
        );
        assert_eq!(m.services[0].text, "Measured: working from 1 of 1 regions");
        assert_eq!(m.notices, vec![]);
    }

    #[test]
    fn a_failed_answer_keeps_counting_a_current_observation() {
        let kept = seen("seoul", false, Duration::hours(1), Duration::seconds(3));
        let m = measured(
            Locale::en,
            &feed(Status::Operational),
            vec![(
                "seoul".into(),
                ProbeReport::Unanswered(FetchError::TimedOut { after_ms: 1500 }),
                Some(kept),
            )],
        );
        assert_eq!(m.regions[0].state, "unanswered");
        assert!(
            m.regions[0]
                .text
                .contains("still counting its observation measured 3 s ago"),
            "{}",
            m.regions[0].text
        );
        assert_eq!(m.services[0].state, "up");
    }
}

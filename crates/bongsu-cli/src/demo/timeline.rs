//! The Kakao outage of 15-20 October 2022, replayed from the sourced
//! timeline (`data/kakao_2022_timeline.csv`, times in KST) as a sequence of
//! declared states, so that the demo and the tests publish and log it
//! exactly as an operator would have.
//!
//! Only Kakao's own services and Kakao's own statements are replayed; the
//! datacenter, government and Naver rows are context, not declared status.

use bongsu_core::log::events_for_change;
use bongsu_core::log::LogEvent;
use bongsu_core::text::Localized;
use bongsu_core::{Component, Incident, IncidentState, IncidentUpdate, Service, Status};
use time::macros::{datetime, format_description};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

pub const TIMELINE_CSV: &str = include_str!("../../data/kakao_2022_timeline.csv");
pub const INCIDENT_ID: &str = "2022-10-15-pangyo-datacenter-fire";
pub const INCIDENT_TITLE: &str = "Fire at the SK C&C Pangyo datacenter";
/// The title in Korean: a translation, as the incident is written in English.
pub const INCIDENT_TITLE_KO: &str = "SK C&C 판교 데이터센터 화재";
/// When the replayed catalogue is published: the start of the day of the
/// fire, in KST, so that day's uptime bar covers the whole day.
pub const LISTED_AT: OffsetDateTime = datetime!(2022-10-15 00:00 +09:00);

/// One component: id, Korean name, English name, and the components it
/// needs (`service/component`).
type CatalogueComponent = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// (service id, Korean name, English name, components). Kakao named its
/// services in Korean first, so Korean is each name's original.
type CatalogueEntry = (
    &'static str,
    &'static str,
    &'static str,
    &'static [CatalogueComponent],
);

/// Kakao account's login, which the fire took down and with it every
/// service that signs its users in through it.
const LOGIN: &[&str] = &["kakao-account/login"];

/// The replay's catalogue: twelve services, 22 components.
pub const CATALOGUE: [CatalogueEntry; 12] = [
    (
        "kakaotalk",
        "카카오톡",
        "KakaoTalk",
        &[
            ("messaging", "메시지", "Messaging", &[]),
            ("media", "사진·파일 전송", "Photo & file transfer", &[]),
            ("pc-login", "PC·웹 로그인", "PC & web login", LOGIN),
            ("channel", "톡채널·알림톡", "TalkChannel & Alimtalk", &[]),
        ],
    ),
    (
        "kakao-account",
        "카카오계정",
        "Kakao Account",
        &[
            ("login", "로그인·인증", "Login & authentication", &[]),
            (
                "developers",
                "파트너 사이트의 카카오 로그인",
                "Kakao Login for partners",
                LOGIN,
            ),
        ],
    ),
    (
        "kakaopay",
        "카카오페이",
        "Kakao Pay",
        &[("payments", "결제·송금", "Payments & transfers", LOGIN)],
    ),
    (
        "kakao-t",
        "카카오T",
        "Kakao T",
        &[
            ("mobility", "택시·모빌리티", "Taxi & mobility", &[]),
            ("bike", "바이크·킥보드", "Bike & kickboard", &[]),
        ],
    ),
    (
        "kakao-navi",
        "카카오내비",
        "Kakao Navi",
        &[("navigation", "길안내", "Navigation", &[])],
    ),
    (
        "kakao-map",
        "카카오맵",
        "Kakao Map",
        &[
            ("map", "지도·장소 검색", "Map & place search", &[]),
            (
                "transit",
                "카카오버스·카카오지하철",
                "Kakao Bus & Subway",
                &[],
            ),
        ],
    ),
    (
        "daum",
        "다음",
        "Daum",
        &[
            ("portal", "포털·뉴스·검색", "Portal, news & search", &[]),
            ("cafe", "다음 카페", "Cafe", &[]),
            ("mail", "다음 메일", "Mail", &[]),
        ],
    ),
    (
        "kakaobank",
        "카카오뱅크",
        "KakaoBank",
        &[("banking", "뱅킹 앱", "Banking app", &[])],
    ),
    (
        "kakao-games",
        "카카오게임즈",
        "Kakao Games",
        &[
            ("mobile", "모바일 게임", "Mobile games", &[]),
            ("pc", "PC 게임", "PC games", LOGIN),
        ],
    ),
    (
        "kakao-webtoon",
        "카카오웹툰",
        "Kakao Webtoon",
        &[(
            "webtoon",
            "웹툰·카카오페이지·픽코마",
            "Webtoon, Kakao Page & Piccoma",
            // Row 33: "viewing resumes, but Kakao login still fails".
            LOGIN,
        )],
    ),
    (
        "melon",
        "멜론",
        "Melon",
        &[
            ("streaming", "스트리밍", "Streaming", LOGIN),
            ("charts", "차트·검색", "Charts & search", &[]),
        ],
    ),
    (
        "blogs",
        "티스토리·카카오스토리·브런치",
        "Tistory, KakaoStory & Brunch",
        &[("blogs", "블로그·스토리", "Blogs & stories", &[])],
    ),
];

/// A name in Korean, its original, and English.
fn name(ko: &str, en: &str) -> Localized {
    Localized::new("ko", ko, [("en".to_owned(), en.to_owned())])
}

/// The incident's title, written in English and translated into Korean.
pub fn incident_title() -> Localized {
    Localized::new(
        "en",
        INCIDENT_TITLE,
        [("ko".to_owned(), INCIDENT_TITLE_KO.to_owned())],
    )
}

/// Which of the catalogue's components a timeline row's (service, component) is.
fn components_for(service: &str, component: &str) -> &'static [(&'static str, &'static str)] {
    match (service, component) {
        ("kakaotalk", "text_messaging") => &[("kakaotalk", "messaging")],
        ("kakaotalk", "media_transfer") => &[("kakaotalk", "media")],
        ("kakaotalk", "pc_login") => &[("kakaotalk", "pc-login")],
        ("kakaotalk", "talk_channel") => &[("kakaotalk", "channel")],
        ("kakao_account", "login_auth") => &[("kakao-account", "login")],
        ("kakao_account", "developer_sdk") => &[("kakao-account", "developers")],
        ("kakaopay", "payments") => &[("kakaopay", "payments")],
        ("kakao_t", "taxi_and_mobility") => &[("kakao-t", "mobility")],
        ("kakao_t", "bike") => &[("kakao-t", "bike")],
        ("kakao_navi", "navigation") => &[("kakao-navi", "navigation")],
        ("kakao_map", "map") => &[("kakao-map", "map")],
        ("kakao_map", "bus_subway_apps") => &[("kakao-map", "transit")],
        ("daum", "portal_news_search") => &[("daum", "portal")],
        ("daum", "cafe") => &[("daum", "cafe")],
        ("daum", "mail") => &[("daum", "mail")],
        ("kakaobank", "banking") => &[("kakaobank", "banking")],
        ("kakao_games", "games") => &[("kakao-games", "mobile")],
        ("kakao_games", "pc_games") => &[("kakao-games", "pc")],
        ("kakao_webtoon", "webtoon_piccoma") => &[("kakao-webtoon", "webtoon")],
        ("melon", "streaming") => &[("melon", "streaming")],
        ("melon", "charts") => &[("melon", "charts")],
        ("tistory_story_brunch", "blogs") => &[("blogs", "blogs")],
        _ => &[],
    }
}

/// Rows whose text says more than their (service, component) cell: these
/// components change too, with the row's status unless one is given.
fn also_affected(seq: u32) -> &'static [(&'static str, &'static str, Option<Status>)] {
    match seq {
        // "Kakao account login/auth fails; third-party 'Kakao login' ... degrade"
        7 => &[("kakao-account", "developers", None)],
        // "Taxi hailing, driver apps, bike/kickboard return all down"
        12 => &[("kakao-t", "bike", None)],
        // "Kakao Map, Kakao Bus, Kakao Subway unavailable"
        14 => &[("kakao-map", "transit", None)],
        // "Odin, Uma Musume, Guardian Tales etc. fail at Kakao-account authentication"
        16 => &[("kakao-games", "pc", None)],
        // "Melon login/streaming fail"
        18 => &[("melon", "charts", None)],
        // "... reservations work; Navi app back"
        53 => &[(
            "kakao-navi",
            "navigation",
            Some(Status::DegradedPerformance),
        )],
        // MSIT: Kakao Games fully normal
        75 => &[("kakao-games", "pc", None)],
        // "... Melon ... fully restored"
        86 => &[("melon", "charts", None)],
        // "Kakao T and Kakao Navi fully restored"
        88 => &[("kakao-navi", "navigation", None)],
        _ => &[],
    }
}

/// One of Kakao's statements, as an update of the incident: the state it
/// left the incident in, and its words in English and Korean.
pub struct Statement {
    pub state: IncidentState,
    pub en: &'static str,
    pub ko: &'static str,
}

/// Kakao's own statements in the timeline, by row. The timeline describes
/// each in English and does not quote Kakao's Korean, so the English here
/// is that description written as the notice, and the Korean a faithful
/// translation of it (marked as a translation wherever it is shown).
pub fn statement(seq: u32) -> Option<Statement> {
    use IncidentState::*;
    let (state, en, ko) = match seq {
        23 => (
            Investigating,
            "Some Kakao services, KakaoTalk among them, are not working. We are carrying out an emergency check.",
            "카카오톡 등 일부 카카오 서비스가 원활하지 않습니다. 긴급 점검을 진행하고 있습니다.",
        ),
        26 => (
            Identified,
            "A fire at our datacenter since about 15:30 is why KakaoTalk and other services are failing.",
            "오후 3시 30분경 데이터센터에서 발생한 화재로 카카오톡 등 서비스에 장애가 생겼습니다.",
        ),
        29 => (
            Identified,
            "Kakao Pay: we are restoring the service.",
            "카카오페이: 서비스를 복구하고 있습니다.",
        ),
        34 => (
            Identified,
            "Once power is restored, all services will be back within two hours.",
            "전원이 복구되면 2시간 안에 모든 서비스를 정상화할 예정입니다.",
        ),
        35 => (
            Identified,
            "Recovery is delayed: power was cut while the fire was being put out. Work is likely to go on overnight.",
            "화재 진압 과정에서 전원이 차단되어 복구가 늦어지고 있습니다. 작업은 밤새 이어질 것으로 보입니다.",
        ),
        36 => (
            Identified,
            "We apologise for the disruption. You can now reach us on our telephone hotline; an email address will follow.",
            "불편을 드려 죄송합니다. 이제 전화 상담 창구로 문의하실 수 있으며, 이메일 주소도 곧 안내하겠습니다.",
        ),
        37 => (
            Identified,
            "Our co-CEOs apologise for the outage and report where recovery stands.",
            "공동대표가 이번 장애에 대해 사과드리며 복구 현황을 알려 드립니다.",
        ),
        45 => (
            Identified,
            "Messaging is partly restored. Login and other errors are still being fixed.",
            "메시지 수발신이 일부 복구되었습니다. 로그인 등 다른 오류는 계속 복구하고 있습니다.",
        ),
        59 => (
            Identified,
            "About 12,000 of our 32,000 servers are back. We cannot yet say when recovery will be complete.",
            "서버 3만 2천 대 가운데 약 1만 2천 대가 복구되었습니다. 완전 복구 시점은 아직 말씀드리기 어렵습니다.",
        ),
        70 => (
            Monitoring,
            "The main features are restored. A banner at the top of KakaoTalk links to this status.",
            "주요 기능이 복구되었습니다. 카카오톡 상단 배너에서 복구 현황을 확인하실 수 있습니다.",
        ),
        93 => (
            Monitoring,
            "We apologise. Co-CEO Namkoong Hoon is resigning. Our developer and operations tools were not redundant.",
            "사과드립니다. 남궁훈 공동대표가 사임합니다. 개발·운영 도구가 이중화되어 있지 않았습니다.",
        ),
        95 => (
            Resolved,
            "Every service and function is restored, 127 h 30 min after the outage began at about 15:30 on 15 October.",
            "모든 서비스와 기능이 복구되었습니다. 10월 15일 오후 3시 30분경 장애가 시작된 지 127시간 30분 만입니다.",
        ),
        _ => return None,
    };
    Some(Statement { state, en, ko })
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub seq: u32,
    pub at: OffsetDateTime,
    pub event_type: String,
    pub service: String,
    pub component: String,
    pub status_after: String,
    pub event: String,
    pub sources: String,
    pub confidence: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TimelineError {
    #[error("timeline line {line}: {message}")]
    Row { line: usize, message: String },
    #[error("timeline line {line}: status `{status}` is not one Bongsu knows")]
    Status { line: usize, status: String },
}

/// The declared state after one moment of the replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayStep {
    pub at: OffsetDateTime,
    pub services: Vec<Service>,
    pub incidents: Vec<Incident>,
}

/// Splits one CSV line into fields (RFC 4180 quoting).
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(field);
    Ok(fields)
}

/// `2022-10-15T15:30+09:00`: the timeline's minute-precision times.
fn parse_minute_time(text: &str) -> Option<OffsetDateTime> {
    let (local, offset) = text.split_at(text.len().checked_sub(6)?);
    let local = PrimitiveDateTime::parse(
        local,
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .ok()?;
    let offset = UtcOffset::parse(
        offset,
        format_description!("[offset_hour sign:mandatory]:[offset_minute]"),
    )
    .ok()?;
    Some(local.assume_offset(offset))
}

/// Every row of a timeline CSV with the shared data's columns.
pub fn parse_timeline(csv: &str) -> Result<Vec<TimelineRow>, TimelineError> {
    let mut rows = Vec::new();
    for (index, line) in csv.lines().enumerate().skip(1) {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| TimelineError::Row {
            line: line_no,
            message,
        };
        let f = split_csv_line(line).map_err(bad)?;
        if f.len() < 9 {
            return Err(bad(format!(
                "expected at least 9 fields, found {}",
                f.len()
            )));
        }
        let seq = f[0]
            .parse()
            .map_err(|_| bad(format!("seq `{}` is not a number", f[0])))?;
        let at = parse_minute_time(&f[1]).ok_or_else(|| {
            bad(format!(
                "time `{}` is not like 2022-10-15T15:30+09:00",
                f[1]
            ))
        })?;
        rows.push(TimelineRow {
            seq,
            at,
            event_type: f[3].clone(),
            service: f[4].clone(),
            component: f[5].clone(),
            status_after: f[6].clone(),
            event: f[7].clone(),
            sources: f.get(8).cloned().unwrap_or_default(),
            confidence: f.get(9).cloned().unwrap_or_default(),
        });
    }
    Ok(rows)
}

fn parse_status(row: &TimelineRow, line: usize) -> Result<Status, TimelineError> {
    Ok(match row.status_after.as_str() {
        "operational" => Status::Operational,
        "degraded" => Status::DegradedPerformance,
        "partial_outage" => Status::PartialOutage,
        "major_outage" => Status::MajorOutage,
        other => {
            return Err(TimelineError::Status {
                line,
                status: other.to_owned(),
            })
        }
    })
}

fn catalogue() -> Vec<Service> {
    CATALOGUE
        .iter()
        .map(|(id, ko, en, components)| Service {
            id: (*id).to_owned(),
            name: name(ko, en),
            components: components
                .iter()
                .map(|(id, ko, en, needs)| Component {
                    id: (*id).to_owned(),
                    name: name(ko, en),
                    status: Status::Operational,
                    depends_on: needs.iter().map(|n| (*n).to_owned()).collect(),
                })
                .collect(),
        })
        .collect()
}

fn set_status(services: &mut [Service], service: &str, component: &str, status: Status) {
    if let Some(c) = services
        .iter_mut()
        .filter(|s| s.id == service)
        .flat_map(|s| s.components.iter_mut())
        .find(|c| c.id == component)
    {
        c.status = status;
    }
}

/// An update for one of Kakao's statements: its words, and where the
/// timeline has it from, kept apart from them.
fn statement_update(row: &TimelineRow, statement: Statement) -> IncidentUpdate {
    IncidentUpdate {
        at: row.at,
        state: statement.state,
        message: Localized::new(
            "en",
            statement.en,
            [("ko".to_owned(), statement.ko.to_owned())],
        ),
        sources: Some(sources(row)),
    }
}

/// "timeline row 29 · K38 · confidence B": the research behind a row.
pub fn sources(row: &TimelineRow) -> String {
    format!(
        "timeline row {} · {} · confidence {}",
        row.seq,
        row.sources.replace(';', ", "),
        row.confidence
    )
}

/// The declared state after each distinct moment of the timeline, oldest first.
pub fn replay_steps(rows: &[TimelineRow]) -> Result<Vec<ReplayStep>, TimelineError> {
    let mut services = catalogue();
    let mut incident: Option<Incident> = None;
    let mut steps: Vec<ReplayStep> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let line = index + 2;
        let mut touched = false;
        if row.event_type == "outage" {
            let status = || parse_status(row, line);
            if (row.service.as_str(), row.component.as_str()) == ("kakao", "all_components") {
                let status = status()?;
                for s in &mut services {
                    for c in &mut s.components {
                        c.status = status;
                    }
                }
                let words = statement(row.seq).ok_or_else(|| TimelineError::Row {
                    line,
                    message: format!(
                        "row {} ends the outage but has no statement's words",
                        row.seq
                    ),
                })?;
                let incident = incident.get_or_insert_with(|| new_incident(&services));
                incident.updates.push(statement_update(row, words));
                touched = true;
            }
            for (service, component) in components_for(&row.service, &row.component) {
                set_status(&mut services, service, component, status()?);
                touched = true;
            }
            for (service, component, given) in also_affected(row.seq) {
                let status = match given {
                    Some(s) => *s,
                    None => status()?,
                };
                set_status(&mut services, service, component, status);
                touched = true;
            }
        } else if row.event_type == "comms" {
            if let Some(words) = statement(row.seq) {
                let incident = incident.get_or_insert_with(|| new_incident(&services));
                incident.updates.push(statement_update(row, words));
                touched = true;
            }
        }
        if !touched {
            continue;
        }
        let step = ReplayStep {
            at: row.at,
            services: services.clone(),
            incidents: incident.iter().cloned().collect(),
        };
        match steps.last_mut() {
            Some(last) if last.at == row.at => *last = step,
            _ => steps.push(step),
        }
    }
    Ok(steps)
}

/// The incident covers every component of the catalogue: all of them went down.
fn new_incident(services: &[Service]) -> Incident {
    Incident {
        id: INCIDENT_ID.to_owned(),
        title: incident_title(),
        impact: Status::MajorOutage,
        components: services
            .iter()
            .flat_map(|s| {
                s.components
                    .iter()
                    .map(move |c| format!("{}/{}", s.id, c.id))
            })
            .collect(),
        updates: Vec::new(),
        postmortem: None,
    }
}

/// The log events of the replay up to and including `until`: the catalogue
/// listing, then what each step changed, dated as the timeline dates it.
pub fn replay_events(steps: &[ReplayStep], until: OffsetDateTime) -> Vec<LogEvent> {
    let mut events = events_for_change(&[], &[], &catalogue(), &[], LISTED_AT);
    let mut before_services = catalogue();
    let mut before_incidents: Vec<Incident> = Vec::new();
    for step in steps.iter().take_while(|s| s.at <= until) {
        events.extend(events_for_change(
            &before_services,
            &before_incidents,
            &step.services,
            &step.incidents,
            step.at,
        ));
        before_services = step.services.clone();
        before_incidents = step.incidents.clone();
    }
    events
}

/// The Kakao replay from the bundled timeline.
pub fn kakao_2022() -> Result<Vec<ReplayStep>, TimelineError> {
    replay_steps(&parse_timeline(TIMELINE_CSV)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bongsu_core::log::History;
    use time::Duration;

    /// The Statuspage-compatible API of the whole replay, against the
    /// replay's own steps: the incident's start, end and updates, and what
    /// each update changed, recomputed here from the declared states rather
    /// than from the log the derivation reads.
    #[test]
    fn the_statuspage_api_of_the_replay_matches_its_history() {
        use bongsu_core::statuspage::model::IncidentsDoc;
        use bongsu_core::statuspage::{derive, PageInfo};
        use bongsu_core::{Feed, LogCommitment};
        use std::collections::BTreeMap;

        let steps = kakao_2022().unwrap();
        let end = steps.last().unwrap().at;
        let events = replay_events(&steps, end);
        let history = History::from_events(&events);
        let feed = Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: end + Duration::hours(1),
            expires_at: end + Duration::hours(2),
            log: Some(LogCommitment {
                size: events.len() as u64,
                root: String::new(),
            }),
            services: history.declared_services(),
            incidents: history.declared_incidents(),
            maintenances: vec![],
        };
        let page = PageInfo {
            name: "Kakao".into(),
            url: "https://status.example.kr/".into(),
            lang: None,
        };
        let files = derive(&feed, Some(&events), &page);
        let incidents: IncidentsDoc = serde_json::from_slice(&files[3].bytes).unwrap();
        assert_eq!(incidents.incidents.len(), 1);
        let api = &incidents.incidents[0];
        let last = steps.last().unwrap().incidents[0].clone();
        assert_eq!(api.id, INCIDENT_ID);
        assert_eq!(api.name, INCIDENT_TITLE);
        assert_eq!(api.status, "resolved");
        assert_eq!(api.incident_updates.len(), last.updates.len());
        let resolved = last.updates.last().unwrap();
        assert_eq!(resolved.state, IncidentState::Resolved);
        assert_eq!(api.resolved_at, Some(export_kst(resolved.at)));
        assert_eq!(api.created_at, export_kst(last.updates[0].at));
        // The start: the first step with one of the incident's components
        // down, if that came before the first notice.
        let first_down = steps
            .iter()
            .find(|s| {
                s.services
                    .iter()
                    .flat_map(|x| x.components.iter())
                    .any(|c| !matches!(c.status, Status::Operational | Status::UnderMaintenance))
            })
            .unwrap()
            .at;
        assert_eq!(
            api.started_at,
            export_kst(first_down.min(last.updates[0].at))
        );
        assert!(
            api.started_at < api.created_at,
            "Kakao services failed before the first notice"
        );

        // What each update changed, from the steps: changes accumulate until
        // the incident's next update takes them; before its first update,
        // a component that is operational again has nothing pending.
        let key = |s: &str, c: &str| format!("{s}.{c}");
        let mut status: BTreeMap<String, Status> = BTreeMap::new();
        for (s, _, _, cs) in CATALOGUE {
            for (c, ..) in cs.iter() {
                status.insert(key(s, c), Status::Operational);
            }
        }
        let order: Vec<String> = last
            .components
            .iter()
            .map(|r| r.replacen('/', ".", 1))
            .collect();
        let mut pending: BTreeMap<String, Vec<(Status, Status)>> = BTreeMap::new();
        let mut expected: Vec<Vec<(String, Status, Status)>> = Vec::new();
        let mut updates_seen = 0;
        for step in &steps {
            for s in &step.services {
                for c in &s.components {
                    let k = key(&s.id, &c.id);
                    let old = status.insert(k.clone(), c.status).unwrap();
                    if old != c.status {
                        if updates_seen == 0 && c.status == Status::Operational {
                            pending.remove(&k);
                        } else {
                            pending.entry(k).or_default().push((old, c.status));
                        }
                    }
                }
            }
            let now = step.incidents.first().map_or(0, |i| i.updates.len());
            for n in updates_seen..now {
                let mut took = Vec::new();
                if n == updates_seen {
                    for k in &order {
                        for (old, new) in pending.remove(k).unwrap_or_default() {
                            took.push((k.clone(), old, new));
                        }
                    }
                }
                expected.push(took);
            }
            updates_seen = now;
        }
        let got: Vec<Vec<(String, Status, Status)>> = api
            .incident_updates
            .iter()
            .rev()
            .map(|u| {
                u.affected_components
                    .iter()
                    .flatten()
                    .map(|a| (a.code.clone(), a.old_status, a.new_status))
                    .collect()
            })
            .collect();
        assert_eq!(got.len(), expected.len());
        for (n, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "update {n}: {}", last.updates[n].message.source());
        }
        assert!(
            expected.iter().filter(|e| !e.is_empty()).count() > 5,
            "the replay's updates carry status changes"
        );
        // Every component that went down came back, and an update says so.
        let recoveries = got
            .iter()
            .flatten()
            .filter(|(_, _, new)| *new == Status::Operational)
            .count();
        assert_eq!(
            recoveries,
            got.iter()
                .flatten()
                .filter(|(_, old, _)| *old == Status::Operational)
                .count()
        );
    }

    /// The time at each level, first partial recovery and full recovery of
    /// every replayed component, from the log, against the same worked out
    /// row by row from the sourced timeline itself; and KakaoTalk's
    /// course as the sources tell it (text back in part at 01:31 on the
    /// 16th, fully at 09:00 on the 17th), not "down for 127 hours".
    #[test]
    fn time_at_each_level_matches_the_timeline_row_by_row() {
        use bongsu_core::log::{component_recovery, service_recovery};
        use std::collections::BTreeMap;

        let rows = parse_timeline(TIMELINE_CSV).unwrap();
        let steps = kakao_2022().unwrap();
        let to = steps.last().unwrap().at + Duration::days(1);
        let history = History::from_events(&replay_events(&steps, to));

        // Each component's (time, status) straight from the rows.
        let mut course: BTreeMap<(&str, &str), Vec<(OffsetDateTime, Status)>> = BTreeMap::new();
        for (s, _, _, cs) in CATALOGUE {
            for (c, ..) in cs.iter() {
                course.insert((s, c), vec![(LISTED_AT, Status::Operational)]);
            }
        }
        for (i, row) in rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.event_type == "outage")
        {
            let status = || parse_status(row, i + 2).unwrap();
            let mut hit: Vec<(&str, &str, Status)> = Vec::new();
            if (row.service.as_str(), row.component.as_str()) == ("kakao", "all_components") {
                hit.extend(course.keys().map(|(s, c)| (*s, *c, status())));
            }
            hit.extend(
                components_for(&row.service, &row.component)
                    .iter()
                    .map(|(s, c)| (*s, *c, status())),
            );
            hit.extend(
                also_affected(row.seq)
                    .iter()
                    .map(|(s, c, given)| (*s, *c, given.unwrap_or_else(status))),
            );
            for (s, c, st) in hit {
                // A row restating the status it already has changes nothing.
                let changes = course.get_mut(&(s, c)).unwrap();
                if changes.last().is_some_and(|last| last.0 == row.at) {
                    changes.pop();
                }
                if changes.last().is_none_or(|last| last.1 != st) {
                    changes.push((row.at, st));
                }
            }
        }
        let mut checked = 0;
        for ((s, c), changes) in &course {
            let mut levels: BTreeMap<&str, i64> = BTreeMap::new();
            for (i, (at, st)) in changes.iter().enumerate() {
                let end = changes.get(i + 1).map_or(to, |n| n.0);
                *levels.entry(st.as_str()).or_default() += (end - *at).whole_minutes();
            }
            let start = changes
                .iter()
                .find(|(_, st)| *st != Status::Operational)
                .map(|x| x.0);
            let first_partial = changes
                .windows(2)
                .find(|w| w[1].1.rank() < w[0].1.rank() && w[1].1 != Status::Operational)
                .map(|w| w[1].0);
            let full = changes
                .last()
                .filter(|x| x.1 == Status::Operational)
                .map(|x| x.0);
            let h = history
                .service(s)
                .unwrap()
                .components
                .iter()
                .find(|x| x.id == *c)
                .unwrap();
            let got = component_recovery(h, LISTED_AT, to);
            assert_eq!(got.as_ref().map(|r| r.start), start, "{s}/{c} start");
            let Some(got) = got else { continue };
            for st in [
                Status::MajorOutage,
                Status::PartialOutage,
                Status::DegradedPerformance,
            ] {
                assert_eq!(
                    got.levels.at(st).whole_minutes(),
                    levels.get(st.as_str()).copied().unwrap_or(0),
                    "{s}/{c} at {}",
                    st.as_str()
                );
            }
            assert_eq!(
                got.first_partial_recovery, first_partial,
                "{s}/{c} first partial recovery"
            );
            assert_eq!(got.full_recovery, full, "{s}/{c} full recovery");
            checked += 1;
        }
        assert_eq!(checked, 22, "every replayed component went down");

        let kst = |t: &str| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
        };
        let talk = service_recovery(history.service("kakaotalk").unwrap(), LISTED_AT, to).unwrap();
        assert_eq!(talk.start, kst("2022-10-15T15:30:00+09:00"));
        assert_eq!(
            talk.first_partial_recovery,
            Some(kst("2022-10-16T01:31:00+09:00"))
        );
        assert_eq!(
            talk.core_recovery,
            Some(kst("2022-10-17T09:00:00+09:00")),
            "text messaging, the core"
        );
        let full = talk.full_recovery.unwrap();
        assert!(
            full >= kst("2022-10-19T15:00:00+09:00"),
            "TalkChannel ads last: {full}"
        );
        // Time at major outage is far shorter than the whole window.
        assert!(talk.levels.major_outage < full - talk.start);
        let messaging = component_recovery(
            &history.service("kakaotalk").unwrap().components[0],
            LISTED_AT,
            to,
        )
        .unwrap();
        assert_eq!(
            messaging.levels.major_outage,
            Duration::minutes(10 * 60 + 1),
            "15:30 to 01:31"
        );

        // The JSON export carries the same figures, per service and component.
        let proof = bongsu_core::log::export::ProofContext {
            origin: "log.test".into(),
            size: 0,
            root: String::new(),
            log_url: "https://status.example.kr/log".into(),
            page_url: "https://status.example.kr/".into(),
            lang: None,
        };
        let json: serde_json::Value = serde_json::from_str(
            &bongsu_core::log::export::incidents_json(&history, &proof, to),
        )
        .unwrap();
        let services = json["incidents"][0]["services"].as_array().unwrap();
        let talk_json = services
            .iter()
            .find(|s| s["service"] == "kakaotalk")
            .unwrap();
        assert_eq!(
            talk_json["first_partial_recovery"],
            "2022-10-16T01:31:00+09:00"
        );
        assert_eq!(talk_json["core_recovery"], "2022-10-17T09:00:00+09:00");
        assert_eq!(talk_json["full_recovery"], export_kst(full));
        assert_eq!(
            talk_json["minutes_at"]["major_outage"],
            talk.levels.major_outage.whole_minutes()
        );
        let messaging_json = &talk_json["components"][0];
        assert_eq!(messaging_json["component"], "messaging");
        assert_eq!(messaging_json["minutes_at"]["major_outage"], 601);
        assert_eq!(messaging_json["full_recovery"], "2022-10-17T09:00:00+09:00");
        assert_eq!(talk_json["components"].as_array().unwrap().len(), 4);
        // Kakao Pay's payments needed Kakao account login, then as now.
        let pay = services
            .iter()
            .find(|s| s["service"] == "kakaopay")
            .unwrap();
        assert_eq!(pay["components"][0]["depends_on"][0], "kakao-account/login");

        // The per-service CSV carries the same, one row per service and per component.
        let csv = bongsu_core::log::export::incident_services_csv(&history, &proof, to);
        let rows: Vec<Vec<String>> = csv.lines().map(|l| split_csv_line(l).unwrap()).collect();
        let column = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
        let row = |service: &str, component: &str| {
            rows.iter()
                .find(|r| r[column("service")] == service && r[column("component")] == component)
                .unwrap()
        };
        let talk_row = row("kakaotalk", "");
        assert_eq!(
            talk_row[column("name")],
            "카카오톡",
            "written as the operator wrote it"
        );
        assert_eq!(
            talk_row[column("first_partial_recovery_kst")],
            "2022-10-16T01:31:00+09:00"
        );
        assert_eq!(
            talk_row[column("core_recovery_kst")],
            "2022-10-17T09:00:00+09:00"
        );
        assert_eq!(
            talk_row[column("minutes_major_outage")],
            talk.levels.major_outage.whole_minutes().to_string()
        );
        let messaging_row = row("kakaotalk", "messaging");
        assert_eq!(messaging_row[column("minutes_major_outage")], "601");
        assert_eq!(
            messaging_row[column("full_recovery_kst")],
            "2022-10-17T09:00:00+09:00"
        );
        assert_eq!(
            row("kakaopay", "payments")[column("depends_on")],
            "kakao-account/login"
        );
        let english = bongsu_core::log::export::ProofContext {
            lang: Some("en".into()),
            ..proof.clone()
        };
        let csv = bongsu_core::log::export::incident_services_csv(&history, &english, to);
        assert!(
            csv.contains(",KakaoTalk,"),
            "in the reader's language when asked"
        );
        // 12 services and the 22 components under them.
        assert_eq!(rows.len(), 1 + 12 + 22);
    }

    fn export_kst(t: OffsetDateTime) -> String {
        bongsu_core::log::export::kst(t)
    }

    #[test]
    fn csv_quoting_keeps_commas_and_quotes() {
        assert_eq!(
            split_csv_line(r#"1,"a, b","say ""hi""",,x"#).unwrap(),
            vec!["1", "a, b", "say \"hi\"", "", "x"]
        );
        assert!(split_csv_line(r#"1,"open"#).is_err());
    }

    #[test]
    fn minute_times_keep_their_offset() {
        assert_eq!(
            parse_minute_time("2022-10-15T15:30+09:00"),
            Some(datetime!(2022-10-15 06:30 UTC))
        );
        assert_eq!(parse_minute_time("2022-10-15 15:30"), None);
        assert_eq!(parse_minute_time(""), None);
    }

    #[test]
    fn bad_rows_say_where() {
        let csv =
            "header\n1,not-a-time,exact,outage,kakaotalk,text_messaging,major_outage,x,K1,A\n";
        assert!(matches!(
            parse_timeline(csv),
            Err(TimelineError::Row { line: 2, .. })
        ));
        let csv = "header\n1,2022-10-15T15:30+09:00,exact,outage,kakaotalk,text_messaging,on_fire,x,K1,A\n";
        assert_eq!(
            parse_timeline(csv).and_then(|rows| replay_steps(&rows)),
            Err(TimelineError::Status {
                line: 2,
                status: "on_fire".into()
            })
        );
    }

    #[test]
    fn the_bundled_timeline_parses_completely() {
        let rows = parse_timeline(TIMELINE_CSV).unwrap();
        assert_eq!(rows.len(), 95);
        assert_eq!(rows.first().map(|r| r.seq), Some(1));
        assert_eq!(rows.last().map(|r| r.seq), Some(95));
    }

    #[test]
    fn every_component_goes_down_and_recovers_at_the_end() {
        let steps = kakao_2022().unwrap();
        let first = &steps[0];
        assert_eq!(first.at, datetime!(2022-10-15 15:30 +09:00));
        for s in &first.services {
            assert!(
                s.components.iter().all(|c| c.status != Status::Operational),
                "{} is not down at 15:30",
                s.id
            );
        }
        let last = steps.last().unwrap();
        assert_eq!(last.at, datetime!(2022-10-20 23:00 +09:00));
        assert!(last
            .services
            .iter()
            .all(|s| s.status() == Status::Operational));
        assert_eq!(
            last.incidents[0].state(),
            Some(IncidentState::Resolved),
            "the last row resolves the incident"
        );
    }

    #[test]
    fn the_logged_replay_spans_127_hours_30_minutes() {
        let steps = kakao_2022().unwrap();
        let events = replay_events(&steps, datetime!(2030-01-01 0:00 UTC));
        let history = History::from_events(&events);
        assert!(history.problems.is_empty(), "{:?}", history.problems);
        assert_eq!(history.services.len(), 12);
        let incident = history.incident(INCIDENT_ID).unwrap();
        assert_eq!(incident.updates.len(), 12);
        let window = history.impact_window(incident, datetime!(2030-01-01 0:00 UTC));
        let (start, end) = window.unwrap();
        assert_eq!(start, datetime!(2022-10-15 15:30 +09:00));
        assert_eq!(end, Some(datetime!(2022-10-20 23:00 +09:00)));
        assert_eq!(
            end.unwrap() - start,
            Duration::hours(127) + Duration::minutes(30)
        );
    }

    #[test]
    fn replaying_part_of_it_leaves_the_state_of_that_moment() {
        let steps = kakao_2022().unwrap();
        let until = datetime!(2022-10-15 17:00 +09:00);
        let history = History::from_events(&replay_events(&steps, until));
        let at = steps.iter().take_while(|s| s.at <= until).last().unwrap();
        let mut declared = history.declared_services();
        declared.sort_by(|a, b| a.id.cmp(&b.id));
        let mut expected = at.services.clone();
        expected.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(declared, expected);
        assert_eq!(history.declared_incidents(), at.incidents);
        let bank = at.services.iter().find(|s| s.id == "kakaobank").unwrap();
        assert_eq!(bank.status(), Status::DegradedPerformance, "row 28");
    }
}

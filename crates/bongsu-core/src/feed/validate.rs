//! Rules a feed must satisfy beyond parsing. The CLI checks them before it
//! signs, and the app checks them again after verifying, because a feed
//! signed by a buggy or older signer is still untrusted input.

use std::collections::HashSet;

use crate::feed::model::{ComponentRef, Feed};
use crate::text::Localized;

use crate::text::{is_valid_id, MAX_ID_LEN};
/// Longest name or title.
pub const MAX_NAME_LEN: usize = 200;
/// Longest incident update message.
pub const MAX_MESSAGE_LEN: usize = 4000;

/// What is wrong with a feed, with the path of the offending field
/// (`services[2].components[0].id`) so a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{path}: `{value}` is not a valid identifier (use 1-{MAX_ID_LEN} of a-z, 0-9, '-', '_', starting with a letter or digit)")]
    BadId { path: String, value: String },
    #[error("{path}: must not be empty")]
    Empty { path: String },
    #[error("{path}: is {len} characters long; at most {max} are allowed")]
    TooLong {
        path: String,
        len: usize,
        max: usize,
    },
    #[error("{path}: `{id}` appears more than once")]
    Duplicate { path: String, id: String },
    #[error("{path}: `{reference}` names no component of this feed (write service/component)")]
    UnknownComponent { path: String, reference: String },
    #[error("expires_at ({expires_at}) must be after issued_at ({issued_at})")]
    ExpiresBeforeIssued {
        issued_at: String,
        expires_at: String,
    },
    #[error("{path}: updates must be in time order, oldest first")]
    UpdatesOutOfOrder { path: String },
    #[error("seq must be at least 1")]
    ZeroSeq,
    #[error(
        "{path}: `{value}` is not an http(s) URL without spaces, at most {MAX_URL_LEN} characters"
    )]
    BadUrl { path: String, value: String },
    #[error("{path}: ends_at must be after starts_at")]
    EndsBeforeStart { path: String },
    #[error("{path}: {problem}")]
    BadLanguage { path: String, problem: String },
    #[error("{path}: `{reference}` is this component itself; a component cannot depend on itself")]
    DependsOnItself { path: String, reference: String },
    #[error("dependencies go round in a circle: {}; remove one of them", cycle.join(" → "))]
    DependencyCycle { cycle: Vec<String> },
}

/// Longest postmortem URL.
pub const MAX_URL_LEN: usize = 2000;

pub(crate) fn check_url(path: &str, value: &str) -> Result<(), ValidationError> {
    let scheme_ok = value.starts_with("https://") || value.starts_with("http://");
    let rest_ok = value.len() > "https://".len()
        && value.chars().count() <= MAX_URL_LEN
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if scheme_ok && rest_ok {
        Ok(())
    } else {
        Err(ValidationError::BadUrl {
            path: path.to_owned(),
            value: value.chars().take(100).collect(),
        })
    }
}

/// `list` is the path of the list of references (`incidents[0].components`).
fn check_components(
    list: &str,
    references: &[String],
    components: &HashSet<ComponentRef>,
) -> Result<(), ValidationError> {
    for (j, reference) in references.iter().enumerate() {
        let known = ComponentRef::parse(reference).is_some_and(|r| components.contains(&r));
        if !known {
            return Err(ValidationError::UnknownComponent {
                path: format!("{list}[{j}]"),
                reference: reference.clone(),
            });
        }
    }
    Ok(())
}

pub(crate) fn check_id(path: &str, value: &str) -> Result<(), ValidationError> {
    if is_valid_id(value) {
        Ok(())
    } else {
        Err(ValidationError::BadId {
            path: path.to_owned(),
            value: value.to_owned(),
        })
    }
}

pub(crate) fn check_text(path: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if value.trim().is_empty() {
        Err(ValidationError::Empty {
            path: path.to_owned(),
        })
    } else if len > max {
        Err(ValidationError::TooLong {
            path: path.to_owned(),
            len,
            max,
        })
    } else {
        Ok(())
    }
}

/// Every language of an operator-written text: valid tags, each text
/// non-empty and at most `max` characters. A translation's path ends in its
/// tag (`incidents[0].title.translations.en`).
pub(crate) fn check_localized(
    path: &str,
    value: &Localized,
    max: usize,
) -> Result<(), ValidationError> {
    if let Some(problem) = value.problem() {
        return Err(ValidationError::BadLanguage {
            path: path.to_owned(),
            problem,
        });
    }
    check_text(path, value.source(), max)?;
    for (lang, text) in value.translations() {
        check_text(&format!("{path}.translations.{lang}"), text, max)?;
    }
    Ok(())
}

fn check_unique<'a>(
    seen: &mut HashSet<&'a str>,
    path: &str,
    id: &'a str,
) -> Result<(), ValidationError> {
    if seen.insert(id) {
        Ok(())
    } else {
        Err(ValidationError::Duplicate {
            path: path.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// Checks every rule; returns the first violation found, in field order.
pub fn validate(feed: &Feed) -> Result<(), ValidationError> {
    check_id("feed", &feed.feed)?;
    if feed.seq == 0 {
        return Err(ValidationError::ZeroSeq);
    }
    if feed.expires_at <= feed.issued_at {
        return Err(ValidationError::ExpiresBeforeIssued {
            issued_at: crate::text::rfc3339::shown(feed.issued_at),
            expires_at: crate::text::rfc3339::shown(feed.expires_at),
        });
    }

    let mut components: HashSet<ComponentRef> = HashSet::new();
    let mut service_ids = HashSet::new();
    for (i, service) in feed.services.iter().enumerate() {
        let path = format!("services[{i}]");
        check_id(&format!("{path}.id"), &service.id)?;
        check_unique(&mut service_ids, &format!("{path}.id"), &service.id)?;
        check_localized(&format!("{path}.name"), &service.name, MAX_NAME_LEN)?;
        let mut component_ids = HashSet::new();
        for (j, component) in service.components.iter().enumerate() {
            let cpath = format!("{path}.components[{j}]");
            check_id(&format!("{cpath}.id"), &component.id)?;
            check_unique(&mut component_ids, &format!("{cpath}.id"), &component.id)?;
            check_localized(&format!("{cpath}.name"), &component.name, MAX_NAME_LEN)?;
            components.insert(ComponentRef {
                service: service.id.clone(),
                component: component.id.clone(),
            });
        }
    }

    for (i, service) in feed.services.iter().enumerate() {
        for (j, component) in service.components.iter().enumerate() {
            let path = format!("services[{i}].components[{j}].depends_on");
            check_components(&path, &component.depends_on, &components)?;
            let itself = format!("{}/{}", service.id, component.id);
            if let Some(r) = component.depends_on.iter().find(|r| **r == itself) {
                return Err(ValidationError::DependsOnItself {
                    path,
                    reference: r.clone(),
                });
            }
        }
    }
    if let Some(cycle) = crate::feed::dependencies::find_cycle(&feed.services) {
        return Err(ValidationError::DependencyCycle { cycle });
    }

    let mut incident_ids = HashSet::new();
    for (i, incident) in feed.incidents.iter().enumerate() {
        let path = format!("incidents[{i}]");
        check_id(&format!("{path}.id"), &incident.id)?;
        check_unique(&mut incident_ids, &format!("{path}.id"), &incident.id)?;
        check_localized(&format!("{path}.title"), &incident.title, MAX_NAME_LEN)?;
        check_components(
            &format!("{path}.components"),
            &incident.components,
            &components,
        )?;
        if let Some(url) = &incident.postmortem {
            check_url(&format!("{path}.postmortem"), url)?;
        }
        if incident.updates.is_empty() {
            return Err(ValidationError::Empty {
                path: format!("{path}.updates"),
            });
        }
        for (j, update) in incident.updates.iter().enumerate() {
            check_localized(
                &format!("{path}.updates[{j}].message"),
                &update.message,
                MAX_MESSAGE_LEN,
            )?;
            if let Some(sources) = &update.sources {
                check_text(
                    &format!("{path}.updates[{j}].sources"),
                    sources,
                    MAX_NAME_LEN,
                )?;
            }
        }
        if incident.updates.windows(2).any(|w| w[0].at > w[1].at) {
            return Err(ValidationError::UpdatesOutOfOrder {
                path: format!("{path}.updates"),
            });
        }
    }

    let mut maintenance_ids = HashSet::new();
    for (i, m) in feed.maintenances.iter().enumerate() {
        let path = format!("maintenances[{i}]");
        check_id(&format!("{path}.id"), &m.id)?;
        check_unique(&mut maintenance_ids, &format!("{path}.id"), &m.id)?;
        check_localized(&format!("{path}.title"), &m.title, MAX_NAME_LEN)?;
        if m.ends_at <= m.starts_at {
            return Err(ValidationError::EndsBeforeStart { path });
        }
        check_components(&format!("{path}.components"), &m.components, &components)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::*;
    use time::macros::datetime;

    #[test]
    fn postmortems_must_be_web_links() {
        let mut f = feed();
        for good in ["https://example.com/pm/1", "http://status.example/x?y=1"] {
            f.incidents[0].postmortem = Some(good.into());
            assert_eq!(validate(&f), Ok(()), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "https://",
            "https://a b",
            "ftp://x",
            "/relative",
        ] {
            f.incidents[0].postmortem = Some(bad.into());
            assert!(
                matches!(validate(&f), Err(ValidationError::BadUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn maintenance_needs_a_window_and_known_components() {
        let mut f = feed();
        let m = Maintenance {
            id: "db-upgrade".into(),
            title: "Database upgrade".into(),
            starts_at: datetime!(2022-10-20 02:00 +09:00),
            ends_at: datetime!(2022-10-20 04:00 +09:00),
            components: vec![f.incidents[0].components[0].clone()],
            state: MaintenanceState::Scheduled,
        };
        f.maintenances = vec![m.clone()];
        assert_eq!(validate(&f), Ok(()));
        f.maintenances[0].ends_at = m.starts_at;
        assert!(matches!(
            validate(&f),
            Err(ValidationError::EndsBeforeStart { .. })
        ));
        f.maintenances = vec![m.clone(), m.clone()];
        assert!(matches!(
            validate(&f),
            Err(ValidationError::Duplicate { .. })
        ));
        f.maintenances = vec![Maintenance {
            components: vec!["nowhere/none".into()],
            ..m
        }];
        assert!(matches!(
            validate(&f),
            Err(ValidationError::UnknownComponent { .. })
        ));
    }

    fn feed() -> Feed {
        Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: datetime!(2022-10-15 15:30 +09:00),
            expires_at: datetime!(2022-10-15 16:30 +09:00),
            log: None,
            services: vec![Service {
                id: "kakaotalk".into(),
                name: "KakaoTalk".into(),
                components: vec![Component {
                    depends_on: Vec::new(),
                    id: "messaging".into(),
                    name: "Messaging".into(),
                    status: Status::MajorOutage,
                }],
            }],
            incidents: vec![Incident {
                id: "dc-fire".into(),
                title: "Datacenter fire".into(),
                impact: Status::MajorOutage,
                components: vec!["kakaotalk/messaging".into()],
                updates: vec![IncidentUpdate {
                    sources: None,
                    at: datetime!(2022-10-15 15:50 +09:00),
                    state: IncidentState::Investigating,
                    message: "Messages fail to send.".into(),
                }],
                postmortem: None,
            }],
            maintenances: vec![],
        }
    }

    #[test]
    fn dependencies_name_known_components_and_never_go_round() {
        let mut f = feed();
        fn messaging(f: &mut Feed) -> &mut Component {
            &mut f.services[0].components[0]
        }
        messaging(&mut f).depends_on = vec!["kakaotalk/nothing".into()];
        assert_eq!(
            validate(&f),
            Err(ValidationError::UnknownComponent {
                path: "services[0].components[0].depends_on[0]".into(),
                reference: "kakaotalk/nothing".into()
            })
        );
        messaging(&mut f).depends_on = vec!["kakaotalk/messaging".into()];
        assert!(matches!(
            validate(&f),
            Err(ValidationError::DependsOnItself { .. })
        ));
        // Two components that need each other.
        f.services[0].components.push(Component {
            id: "login".into(),
            name: "Login".into(),
            status: Status::Operational,
            depends_on: vec!["kakaotalk/messaging".into()],
        });
        messaging(&mut f).depends_on = vec!["kakaotalk/login".into()];
        let err = validate(&f).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependencies go round in a circle: kakaotalk/messaging → kakaotalk/login → kakaotalk/messaging; remove one of them"
        );
        f.services[0].components[1].depends_on.clear();
        assert_eq!(validate(&f), Ok(()));
    }

    #[test]
    fn every_language_of_a_text_follows_the_rules() {
        let mut f = feed();
        f.incidents[0].title = Localized::new("ko", "화재", [("en".to_owned(), " ".to_owned())]);
        assert_eq!(
            validate(&f),
            Err(ValidationError::Empty {
                path: "incidents[0].title.translations.en".into()
            })
        );
        f.incidents[0].title = Localized::new("Korean", "화재", []);
        assert!(matches!(
            validate(&f),
            Err(ValidationError::BadLanguage { .. })
        ));
        f.incidents[0].updates[0].sources = Some("x".repeat(MAX_NAME_LEN + 1));
        f.incidents[0].title = "Fire".into();
        assert!(matches!(validate(&f), Err(ValidationError::TooLong { .. })));
    }

    #[test]
    fn a_well_formed_feed_passes() {
        assert_eq!(validate(&feed()), Ok(()));
    }

    #[test]
    fn ids_accept_lowercase_digits_dash_underscore() {
        for ok in ["a", "kakao_t", "2022-10-15-fire", "x9"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "_a",
            "Kakao",
            "a b",
            "a/b",
            "한글",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn duplicate_service_is_named_with_its_path() {
        let mut f = feed();
        f.services.push(f.services[0].clone());
        assert_eq!(
            validate(&f),
            Err(ValidationError::Duplicate {
                path: "services[1].id".into(),
                id: "kakaotalk".into()
            })
        );
    }

    #[test]
    fn incident_must_reference_a_known_component() {
        let mut f = feed();
        f.incidents[0].components = vec!["kakaotalk/voice".into()];
        assert!(matches!(
            validate(&f),
            Err(ValidationError::UnknownComponent { .. })
        ));
        f.incidents[0].components = vec!["kakaotalk".into()];
        assert!(matches!(
            validate(&f),
            Err(ValidationError::UnknownComponent { .. })
        ));
    }

    #[test]
    fn expiry_must_follow_issue() {
        let mut f = feed();
        f.expires_at = f.issued_at;
        assert!(matches!(
            validate(&f),
            Err(ValidationError::ExpiresBeforeIssued { .. })
        ));
    }

    #[test]
    fn seq_zero_is_rejected() {
        let mut f = feed();
        f.seq = 0;
        assert_eq!(validate(&f), Err(ValidationError::ZeroSeq));
    }

    #[test]
    fn blank_names_and_overlong_messages_are_rejected() {
        let mut f = feed();
        f.services[0].name = "  ".into();
        assert!(matches!(validate(&f), Err(ValidationError::Empty { .. })));
        let mut f = feed();
        f.incidents[0].updates[0].message = "가".repeat(MAX_MESSAGE_LEN + 1).into();
        assert!(matches!(validate(&f), Err(ValidationError::TooLong { .. })));
    }

    #[test]
    fn incident_updates_must_be_oldest_first() {
        let mut f = feed();
        let mut later = f.incidents[0].updates[0].clone();
        later.at = datetime!(2022-10-15 15:00 +09:00);
        f.incidents[0].updates.push(later);
        assert!(matches!(
            validate(&f),
            Err(ValidationError::UpdatesOutOfOrder { .. })
        ));
    }

    #[test]
    fn incident_without_updates_is_rejected() {
        let mut f = feed();
        f.incidents[0].updates.clear();
        assert!(matches!(validate(&f), Err(ValidationError::Empty { .. })));
    }
}

//! One command to declare: `bongsu incident open|update|resolve` and
//! `bongsu component set` edit the status file (keeping its comments), check
//! the result as `sign` does, then sign, log and (with `--to`) publish it in
//! the same step. Nothing is written until everything checks out: the file
//! is written only once the feeds are signed. `--dry-run` prints the diff
//! and writes nothing.

mod diff;
mod edit;

use std::path::{Path, PathBuf};

use bongsu_core::{IncidentState, Status};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::sign::Signing;
use edit::{EditError, GivenText, NewIncident, NewUpdate};

/// Where the status file is, and whether to only show what would change.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// The status file (TOML) to edit.
    #[arg(long)]
    status: PathBuf,
    /// Print the change as a diff and check it; write and sign nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    signing: Signing,
}

/// The words of an update, in Korean, English or both.
#[derive(Debug, Clone, clap::Args)]
pub struct Words {
    /// The message in Korean.
    #[arg(long)]
    ko: Option<String>,
    /// The message in English.
    #[arg(long)]
    en: Option<String>,
    /// Which of --ko and --en is the original, when both are given and the
    /// file sets no `lang`.
    #[arg(long, value_parser = ["ko", "en"])]
    source: Option<String>,
    /// Publish the message without a language the file's other texts have.
    #[arg(long)]
    untranslated: bool,
    /// Where the statement comes from, shown apart from it (e.g. "notice
    /// on X at 15:50").
    #[arg(long)]
    sources: Option<String>,
    /// When it was said (RFC 3339, e.g. 2022-10-15T15:50:00+09:00); default now.
    #[arg(long)]
    at: Option<String>,
    /// Set a component's status in the same step: service/component=status.
    /// Repeatable.
    #[arg(long = "set", value_name = "SERVICE/COMPONENT=STATUS")]
    set: Vec<String>,
}

impl Words {
    fn text(&self) -> GivenText {
        GivenText {
            ko: self.ko.clone(),
            en: self.en.clone(),
            source: self.source.clone(),
            untranslated: self.untranslated,
        }
    }

    fn update(&self, state: IncidentState, now: OffsetDateTime) -> NewUpdate {
        NewUpdate {
            at: self.at.clone().unwrap_or_else(|| {
                now.replace_nanosecond(0)
                    .unwrap_or(now)
                    .format(&Rfc3339)
                    .unwrap_or_default()
            }),
            state,
            message: self.text(),
            sources: self.sources.clone(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct IncidentArgs {
    #[command(subcommand)]
    action: IncidentAction,
}

#[derive(Debug, clap::Subcommand)]
enum IncidentAction {
    /// Open an incident with its first update.
    Open {
        /// The new incident's id (a-z, 0-9, -, _).
        id: String,
        /// The title in Korean.
        #[arg(long)]
        title_ko: Option<String>,
        /// The title in English.
        #[arg(long)]
        title_en: Option<String>,
        /// The worst status it causes.
        #[arg(long, value_parser = parse_status)]
        impact: Status,
        /// A component it affects (service/component); repeatable. Components
        /// given with --set are included.
        #[arg(long = "component")]
        components: Vec<String>,
        /// The first update's state.
        #[arg(long, value_parser = parse_state, default_value = "investigating")]
        state: IncidentState,
        #[command(flatten)]
        words: Words,
        #[command(flatten)]
        target: Target,
    },
    /// Add an update to an open incident.
    Update {
        id: String,
        #[arg(long, value_parser = parse_state)]
        state: IncidentState,
        #[command(flatten)]
        words: Words,
        #[command(flatten)]
        target: Target,
    },
    /// Resolve an incident with a last update.
    Resolve {
        id: String,
        #[command(flatten)]
        words: Words,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Debug, clap::Args)]
pub struct ComponentArgs {
    #[command(subcommand)]
    action: ComponentAction,
}

#[derive(Debug, clap::Subcommand)]
enum ComponentAction {
    /// Set one component's status.
    Set {
        /// service/component
        component: String,
        /// operational, under_maintenance, degraded_performance, partial_outage or major_outage
        #[arg(value_name = "STATUS", value_parser = parse_status)]
        new_status: Status,
        #[command(flatten)]
        target: Target,
    },
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| {
            format!(
                "`{s}` is not a status; use one of {}",
                Status::ALL.map(Status::as_str).join(", ")
            )
        })
}

fn parse_state(s: &str) -> Result<IncidentState, String> {
    use IncidentState::*;
    [Investigating, Identified, Monitoring, Resolved]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| {
            format!("`{s}` is not a state; use investigating, identified, monitoring or resolved")
        })
}

/// `service/component=status`, as --set takes it.
fn parse_set(s: &str) -> Result<(String, Status), EditError> {
    let bad = || EditError::BadReference(s.to_owned());
    let (reference, status) = s.split_once('=').ok_or_else(bad)?;
    let status = parse_status(status).map_err(|_| bad())?;
    Ok((reference.to_owned(), status))
}

pub fn run_incident(args: IncidentArgs) -> Result<(), CliError> {
    let now = OffsetDateTime::now_utc();
    match args.action {
        IncidentAction::Open {
            id,
            title_ko,
            title_en,
            impact,
            components,
            state,
            words,
            target,
        } => declare(&target, &words.set, |doc| {
            let mut all = components.clone();
            for set in &words.set {
                let (reference, _) = parse_set(set)?;
                if !all.contains(&reference) {
                    all.push(reference);
                }
            }
            let title = GivenText {
                ko: title_ko.clone(),
                en: title_en.clone(),
                source: words.source.clone(),
                untranslated: words.untranslated,
            };
            edit::open_incident(
                doc,
                &NewIncident {
                    id: id.clone(),
                    title,
                    impact,
                    components: all,
                    first: words.update(state, now),
                },
            )
        }),
        IncidentAction::Update {
            id,
            state,
            words,
            target,
        } => declare(&target, &words.set, |doc| {
            edit::add_update(doc, &id, &words.update(state, now))
        }),
        IncidentAction::Resolve { id, words, target } => declare(&target, &words.set, |doc| {
            edit::add_update(doc, &id, &words.update(IncidentState::Resolved, now))
        }),
    }
}

pub fn run_component(args: ComponentArgs) -> Result<(), CliError> {
    match args.action {
        ComponentAction::Set {
            component,
            new_status,
            target,
        } => declare(&target, &[], |doc| {
            edit::set_component(doc, &component, new_status)
        }),
    }
}

/// Reads the status file, applies `change` and every `--set`, checks the
/// result as `sign` would, then shows it (dry run) or signs it and writes it.
fn declare(
    target: &Target,
    sets: &[String],
    change: impl FnOnce(&mut toml_edit::DocumentMut) -> Result<(), EditError>,
) -> Result<(), CliError> {
    let path = &target.status;
    let fail = |message: String| CliError::Declare {
        path: path.clone(),
        message,
    };
    let before = std::fs::read_to_string(path).map_err(|source| CliError::ReadStatus {
        path: path.clone(),
        source,
    })?;
    let mut doc = edit::parse(&before).map_err(|e| fail(e.to_string()))?;
    for set in sets {
        let (reference, status) = parse_set(set).map_err(|e| fail(e.to_string()))?;
        edit::set_component(&mut doc, &reference, status).map_err(|e| fail(e.to_string()))?;
    }
    change(&mut doc).map_err(|e| fail(e.to_string()))?;
    let after = doc.to_string();
    check(path, &after)?;
    if target.dry_run {
        let name = path.display().to_string();
        print!(
            "{}",
            diff::unified(&before, &after, &name, &format!("{name} (declared)"), 3)
        );
        println!("dry run: checked; nothing was written or signed");
        return Ok(());
    }
    let destinations = target.signing.check()?;
    target.signing.sign(path, &after, destinations, |_| {
        crate::sign::write_atomically(path, after.as_bytes())
    })
}

/// What `sign` would refuse, refused before anything is written.
fn check(path: &Path, text: &str) -> Result<(), CliError> {
    let draft = crate::status_file::parse(text).map_err(|e| CliError::Declare {
        path: path.to_owned(),
        message: match e.position {
            Some((line, column)) => format!(
                "the result would not sign (line {line}, column {column}: {})",
                e.message
            ),
            None => format!("the result would not sign: {}", e.message),
        },
    })?;
    let feed = draft.into_feed(1, OffsetDateTime::UNIX_EPOCH);
    bongsu_core::feed::validate(&feed).map_err(|e| CliError::Declare {
        path: path.to_owned(),
        message: format!("the result would not sign: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_takes_a_reference_and_a_status() {
        assert_eq!(
            parse_set("kakaotalk/messaging=major_outage"),
            Ok(("kakaotalk/messaging".into(), Status::MajorOutage))
        );
        assert!(parse_set("kakaotalk/messaging").is_err());
        assert!(parse_set("kakaotalk/messaging=down").is_err());
    }
}

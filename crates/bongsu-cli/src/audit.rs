//! `bongsu audit`: verify the whole history log from one or more mirrors
//! (region directories, archived copies or URLs), check that every mirror
//! shows the same history, and print or export the timeline.
//!
//! Only the pinned root keys are trusted; everything else (the key chain,
//! the log and witness keys, the checkpoint, every entry and hash tile) is
//! checked from what the mirrors serve. The key chain is learnt from every
//! mirror at once, and each checkpoint is verified under the newest key set
//! (or, for an old copy, an earlier one whose log key was never revoked).
//! Key sets that have since expired are still used, with a note, because an
//! archive is audited years later.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bongsu_core::log::export::{self, duration_text, kst, ProofContext};
use bongsu_core::log::CHECKPOINT_PATH;
use bongsu_core::log::{
    bundle_paths, check_extends, check_hash_tiles, compare_views, hash_tile_paths, verify_entries,
    VerifiedLog,
};
use bongsu_core::log::{filter_incidents, History, IncidentFilter};
use bongsu_core::log::{verify_seen_checkpoint, verify_under_chain};
use bongsu_core::{parse_chain_file, KeyChain, RoleKeys};
use time::OffsetDateTime;

use crate::error::CliError;
use crate::keygen::{is_signer_key, resolve_verifier_key, KeyEntryError};
use crate::mirror_source::Source;

const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
    Atom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Export {
    Incidents,
    Events,
}

/// What one mirror showed.
pub struct MirrorView {
    pub mirror: String,
    pub log: VerifiedLog,
    pub key_set_version: u64,
    pub hash_tiles: usize,
    pub notes: Vec<String>,
    /// Where the mirror's Statuspage-compatible files and its feed part
    /// ways (reported as problems; the log itself may still be sound).
    pub api_problems: Vec<String>,
}

pub struct AuditReport {
    pub views: Vec<MirrorView>,
    /// Everything that failed a check, each naming the mirror.
    pub problems: Vec<String>,
}

/// Reads root keys given as verifier keys or `.pub` file paths.
pub fn read_roots(roots: &[String], threshold: usize) -> Result<RoleKeys, CliError> {
    let mut keys = Vec::new();
    for root in roots {
        let key =
            resolve_verifier_key(Path::new(""), root, is_signer_key).map_err(|e| match e {
                KeyEntryError::Unreadable { path, source } => CliError::ReadKey { path, source },
                KeyEntryError::NotAKey { path } => CliError::BadKey { path },
            })?;
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(CliError::AuditUsage(
            "give the pinned root key with --root (or --config with the app's config.json)".into(),
        ));
    }
    Ok(RoleKeys {
        threshold: threshold.max(1),
        keys,
    })
}

pub fn audit(options: &Args, now: OffsetDateTime) -> Result<AuditReport, CliError> {
    let anchor = read_roots(&options.roots, options.root_threshold)?;
    let seen = match &options.seen {
        Some(path) => Some(std::fs::read(path).map_err(|source| CliError::ReadFile {
            path: path.clone(),
            source,
        })?),
        None => None,
    };
    Ok(audit_mirrors(
        anchor,
        &options.feed,
        &options.mirrors,
        seen.as_deref(),
        now,
    ))
}

/// Audits `mirrors` under the pinned `anchor` (also `publish`'s read-back).
pub fn audit_mirrors(
    anchor: RoleKeys,
    feed: &str,
    mirrors: &[String],
    seen: Option<&[u8]>,
    now: OffsetDateTime,
) -> AuditReport {
    let agent = crate::mirror_source::agent(FETCH_TIMEOUT);
    let mut views = Vec::new();
    let mut problems = Vec::new();
    // One chain from every mirror's keys.json: a mirror cannot roll an
    // auditor back to a key set from before a revocation by serving an old
    // chain, as long as any mirror audited with it serves the newer one.
    let mut chain = KeyChain::new(anchor.clone(), feed);
    let mut chain_notes: Vec<Vec<String>> = Vec::new();
    for mirror in mirrors {
        chain_notes.push(learn_chain(&agent, mirror, &mut chain));
    }
    for (mirror, mut notes) in mirrors.iter().zip(chain_notes) {
        match audit_mirror(&agent, mirror, &chain, seen, now) {
            Ok(mut view) => {
                problems.extend(view.api_problems.iter().map(|p| format!("{mirror}: {p}")));
                notes.append(&mut view.notes);
                view.notes = notes;
                views.push(view);
            }
            Err(problem) if notes.is_empty() => problems.push(format!("{mirror}: {problem}")),
            Err(problem) => problems.push(format!("{mirror}: {problem}; {}", notes.join("; "))),
        }
    }
    // Every mirror against the largest: one must be a prefix of the other.
    if let Some(reference) = views.iter().max_by_key(|v| v.log.tree.size()) {
        for other in &views {
            if let Some(split) = compare_views(&reference.log, &other.log) {
                let show = |v: &MirrorView| {
                    v.log
                        .entries
                        .get(split.first_difference as usize)
                        .map_or("(no entry)".to_owned(), |e| {
                            String::from_utf8_lossy(e).replace('\n', " ")
                        })
                };
                problems.push(format!(
                    "split view: {} ({} entries) and {} ({} entries) disagree from entry {}: {} shows {}, {} shows {}",
                    reference.mirror,
                    reference.log.tree.size(),
                    other.mirror,
                    other.log.tree.size(),
                    split.first_difference,
                    reference.mirror,
                    show(reference),
                    other.mirror,
                    show(other),
                ));
            }
        }
    }
    AuditReport { views, problems }
}

/// Extends `chain` with what `mirror` serves as `keys.json`; returns notes
/// about a chain that could not be used in full (it is also checked again,
/// as a problem, when the mirror's checkpoint does not verify).
fn learn_chain(agent: &ureq::Agent, mirror: &str, chain: &mut KeyChain) -> Vec<String> {
    let source = Source::new(mirror);
    let notes = source
        .fetch(agent, "keys.json")
        .and_then(|bytes| parse_chain_file(&bytes).map_err(|e| e.to_string()));
    match notes.map(|notes| chain.extend(&notes)) {
        Ok(Ok(_)) => Vec::new(),
        Ok(Err(e)) => vec![format!("keys.json: not every key set was accepted: {e}")],
        Err(e) => vec![format!("keys.json: {e}")],
    }
}

fn audit_mirror(
    agent: &ureq::Agent,
    mirror: &str,
    chain: &KeyChain,
    seen: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<MirrorView, String> {
    let source = Source::new(mirror);
    let mut notes = Vec::new();
    let Some(newest) = chain.latest() else {
        return Err("no key set signed by the pinned root keys was served".to_owned());
    };
    let checkpoint_bytes = source.fetch(agent, &format!("log/{CHECKPOINT_PATH}"))?;
    let under = verify_under_chain(&checkpoint_bytes, chain.trusted())
        .map_err(|e| format!("checkpoint: {e}"))?;
    let key_set = chain
        .trusted()
        .iter()
        .find(|t| t.key_set.version == under.version)
        .map_or(newest, |t| &t.key_set);
    if !under.newest {
        notes.push(format!(
            "an old copy: its checkpoint is signed by a log key of key set version {}, \
             rotated out by version {} (not revoked)",
            under.version, newest.version
        ));
    }
    if key_set.expires_at < now {
        notes.push(format!(
            "verified with key set version {}, which expired {}",
            key_set.version,
            kst(key_set.expires_at)
        ));
    }
    let checkpoint = under.checkpoint;
    let mut bundles = Vec::new();
    for path in bundle_paths(checkpoint.size) {
        bundles.push(source.fetch(agent, &format!("log/{path}"))?);
    }
    let log = verify_entries(checkpoint, &bundles).map_err(|e| e.to_string())?;
    let mut tiles = Vec::new();
    for path in hash_tile_paths(log.tree.size()) {
        let bytes = source.fetch(agent, &format!("log/{path}"))?;
        tiles.push((path, bytes));
    }
    check_hash_tiles(&log, &tiles).map_err(|e| e.to_string())?;
    let api_problems = match check_statuspage_api(agent, &source, newest, &log) {
        Ok(note) => {
            notes.push(note);
            Vec::new()
        }
        Err(problems) => problems,
    };
    if let Some(seen) = seen {
        // What was seen stays evidence even if its key was revoked since.
        let (old, _) = verify_seen_checkpoint(seen, chain.trusted())
            .map_err(|e| format!("the --seen checkpoint: {e}"))?;
        check_extends(old.size, old.root, &log).map_err(|e| {
            format!(
                "{e} (seen: size {} root {}; now: size {} root {})",
                old.size,
                old.root,
                log.tree.size(),
                log.tree.root()
            )
        })?;
    }
    Ok(MirrorView {
        mirror: mirror.to_owned(),
        key_set_version: key_set.version,
        hash_tiles: tiles.len(),
        log,
        notes,
        api_problems,
    })
}

/// Checks the mirror's Statuspage-compatible files: its manifest verifies
/// under the newest key set's status keys, names the feed the mirror serves,
/// and every file is the one it signs and the one the feed and the verified
/// log give. A mirror serving no API at all is a note, not a problem (the
/// operator's status file may have no `[page]`); API files without a
/// manifest are a problem, since nothing vouches for them.
fn check_statuspage_api(
    agent: &ureq::Agent,
    source: &Source,
    key_set: &bongsu_core::KeySet,
    log: &VerifiedLog,
) -> Result<String, Vec<String>> {
    use bongsu_core::statuspage::{check_derived, verify_manifest, API_FILES, MANIFEST_PATH};
    let one = |p: String| vec![format!("Statuspage API: {p}")];
    let manifest = match source.fetch_if_there(agent, MANIFEST_PATH) {
        Ok(Some(bytes)) => {
            verify_manifest(&bytes, key_set).map_err(|e| one(format!("{MANIFEST_PATH}: {e}")))?
        }
        Ok(None) => {
            // Any one of the files without the manifest: nothing vouches for it.
            let served: Vec<String> = API_FILES
                .iter()
                .filter(|path| !matches!(source.fetch_if_there(agent, path), Ok(None)))
                .map(|path| {
                    format!("`{path}` is served without its signed manifest ({MANIFEST_PATH})")
                })
                .collect();
            return if served.is_empty() {
                Ok("serves no Statuspage-compatible API".to_owned())
            } else {
                Err(served
                    .into_iter()
                    .map(|p| format!("Statuspage API: {p}"))
                    .collect())
            };
        }
        Err(e) => return Err(one(e)),
    };
    let feed = source
        .fetch(agent, "feed.note")
        .and_then(|bytes| bongsu_core::verify_feed(&bytes, key_set).map_err(|e| e.to_string()))
        .map_err(|e| one(format!("feed.note, which the API is checked against: {e}")))?;
    let events = match &feed.log {
        Some(c) if c.size > log.tree.size() => {
            return Err(one(format!(
                "the feed commits to {} log entries, but the mirror's log has {}",
                c.size,
                log.tree.size()
            )))
        }
        Some(c) => Some(&log.events[..c.size as usize]),
        None => None,
    };
    if feed.log.is_some() {
        bongsu_core::log::check_feed(&feed, log).map_err(|e| one(e.to_string()))?;
    }
    let problems = check_derived(&feed, events, &manifest, &|path| {
        source.fetch_if_there(agent, path)
    });
    if problems.is_empty() {
        Ok(format!(
            "its Statuspage-compatible API ({} files) is signed and is exactly what feed seq {} and the log give",
            API_FILES.len(),
            feed.seq
        ))
    } else {
        Err(problems
            .into_iter()
            .map(|p| format!("Statuspage API: {p}"))
            .collect())
    }
}

/// The proof context of the largest verified view.
fn proof_context(view: &MirrorView, page_url: Option<&str>) -> ProofContext {
    let base = match Source::new(&view.mirror) {
        Source::Url(u) => format!("{u}log"),
        Source::Dir(d) => d.join("log").display().to_string(),
    };
    ProofContext {
        origin: view.log.checkpoint.origin.clone(),
        size: view.log.tree.size(),
        root: view.log.tree.root().to_string(),
        log_url: base,
        page_url: page_url.unwrap_or("").to_owned(),
        lang: None,
    }
}

/// Renders the report in the chosen format.
pub fn render(report: &AuditReport, options: &Args, now: OffsetDateTime) -> String {
    let Some(best) = report.views.iter().max_by_key(|v| v.log.tree.size()) else {
        return String::new();
    };
    let history = History::from_events(&best.log.events);
    let proof = proof_context(best, options.page_url.as_deref());
    let events = &best.log.events;
    let entries = &best.log.entries;
    match (options.format, options.export) {
        (Format::Json, Export::Incidents) => export::incidents_json(&history, &proof, now),
        (Format::Json, Export::Events) => export::events_json(events, entries, &proof),
        (Format::Csv, Export::Incidents) => export::incidents_csv(&history, &proof, now),
        (Format::Csv, Export::Events) => export::events_csv(events, entries, &proof),
        (Format::Atom, _) => export::incidents_atom(
            &history,
            &format!("{} incidents", proof.origin),
            &proof,
            now,
        ),
        (Format::Text, _) => timeline_text(&history, best, options.events, now),
    }
}

/// The summary of every mirror's checks: always printed (to stderr when an
/// export goes to stdout).
pub fn summary(report: &AuditReport) -> String {
    let mut out = String::new();
    for v in &report.views {
        let c = &v.log.checkpoint;
        let witnesses: Vec<&str> = c.cosigned.iter().map(|w| w.witness.as_str()).collect();
        out.push_str(&format!(
            "ok   {}: log {} has {} entries, root {}; signed by the log key of key set {}, cosigned by {}; every entry and {} hash tiles check out\n",
            v.mirror,
            c.origin,
            c.size,
            c.root,
            v.key_set_version,
            if witnesses.is_empty() { "no witness".to_owned() } else { witnesses.join(", ") },
            v.hash_tiles,
        ));
        for n in &v.notes {
            out.push_str(&format!("     note: {n}\n"));
        }
    }
    for p in &report.problems {
        out.push_str(&format!("FAIL {p}\n"));
    }
    if report.problems.is_empty() && !report.views.is_empty() {
        out.push_str(&format!(
            "every mirror shows the same history ({} mirror{})\n",
            report.views.len(),
            if report.views.len() == 1 { "" } else { "s" }
        ));
    }
    out
}

fn timeline_text(
    history: &History,
    view: &MirrorView,
    with_events: bool,
    now: OffsetDateTime,
) -> String {
    let short = |t: OffsetDateTime| {
        let k = kst(t);
        k.get(..16).unwrap_or(&k).replace('T', " ")
    };
    let mut out = String::from("\nIncidents, newest first (times in KST):\n");
    let incidents = filter_incidents(history, &IncidentFilter::default(), now);
    if incidents.is_empty() {
        out.push_str("  none\n");
    }
    for i in incidents {
        out.push_str(&format!(
            "\n{}  {}\n  impact {}, {}\n",
            i.id,
            i.title.source(),
            i.impact.as_str(),
            i.state().as_str()
        ));
        if let Some((start, end)) = history.impact_window(i, now) {
            match end {
                Some(end) => out.push_str(&format!(
                    "  affected {} to {} ({})\n",
                    short(start),
                    short(end),
                    duration_text((end - start).whole_minutes())
                )),
                None => out.push_str(&format!("  affected since {}, ongoing\n", short(start))),
            }
        }
        for s in history.service_impacts(i, now) {
            out.push_str(&format!(
                "    {:<30} {} to {}  worst {}\n",
                s.name.source(),
                short(s.start),
                s.end.map_or("ongoing".to_owned(), short),
                s.worst.as_str()
            ));
        }
        for u in &i.updates {
            out.push_str(&format!(
                "  {} {:<13} {}  [entry {}]\n",
                short(u.at),
                u.state.as_str(),
                u.message.source(),
                u.entry
            ));
        }
    }
    if with_events {
        out.push_str("\nEvents (entry, time KST, kind, details):\n");
        let proof = proof_context(view, None);
        for (i, (e, bytes)) in view.log.events.iter().zip(&view.log.entries).enumerate() {
            let r = export::event_row(i as u64, e, bytes, &proof);
            let detail = [
                r.service,
                r.component,
                r.status,
                r.incident,
                r.state,
                r.text,
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
            out.push_str(&format!(
                "  {:>6} {} {} {}\n",
                i,
                short(e.at),
                r.kind,
                detail
            ));
        }
    }
    out
}

/// Root keys from the app's config.json (its `trust.root`) and its feed id.
pub fn roots_from_config(path: &Path) -> Result<(Vec<String>, usize, String), CliError> {
    let config = crate::config_file::read_app_config(path)?;
    Ok((
        config.trust.root.keys.clone(),
        config.trust.root.threshold,
        config.feed,
    ))
}

/// `bongsu audit`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A mirror: a region directory, an archived copy, or a URL (holding keys.json and log/).
    #[arg(required = true)]
    mirrors: Vec<String>,
    /// A pinned root key (verifier key or .pub file). Repeatable.
    #[arg(long = "root")]
    roots: Vec<String>,
    /// How many --root keys must sign a key set.
    #[arg(long, default_value_t = 1)]
    root_threshold: usize,
    /// Take the root keys and feed id from the app's config.json instead.
    #[arg(long, conflicts_with = "roots")]
    config: Option<PathBuf>,
    /// The feed the key sets are for.
    #[arg(long, default_value = "kakao")]
    feed: String,
    /// A checkpoint saved earlier (e.g. from a previous audit): every mirror must extend it.
    #[arg(long)]
    seen: Option<PathBuf>,
    /// text (a readable timeline), json, csv, or atom (incidents).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// What json and csv export: incidents or every event.
    #[arg(long, value_enum, default_value_t = Export::Incidents)]
    export: Export,
    /// In text, also list every event.
    #[arg(long)]
    events: bool,
    /// Write the timeline or export here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The status page's URL, for incident permalinks in exports.
    #[arg(long)]
    page_url: Option<String>,
    /// Save the newest verified checkpoint here, for a later --seen.
    #[arg(long)]
    save_checkpoint: Option<PathBuf>,
}

/// Runs `bongsu audit`.
pub fn run(mut options: Args) -> Result<(), CliError> {
    if let Some(path) = options.config.take() {
        (options.roots, options.root_threshold, options.feed) = roots_from_config(&path)?;
    }
    let now = time::OffsetDateTime::now_utc();
    let report = audit(&options, now)?;
    let summary = summary(&report);
    let body = render(&report, &options, now);
    match (&options.out, options.format) {
        (Some(path), _) => {
            print!("{summary}");
            crate::sign::write_atomically(path, body.as_bytes())?;
            println!("wrote {}", path.display());
        }
        (None, Format::Text) => print!("{summary}{body}"),
        (None, _) => {
            eprint!("{summary}");
            print!("{body}");
        }
    }
    if let (Some(path), Some(best)) = (
        &options.save_checkpoint,
        report.views.iter().max_by_key(|v| v.log.tree.size()),
    ) {
        crate::sign::write_atomically(path, &best.log.checkpoint.note)?;
    }
    match report.problems.len() {
        0 => Ok(()),
        n => Err(CliError::AuditFailed(n)),
    }
}

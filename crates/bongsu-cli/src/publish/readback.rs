//! After a publish, each destination's public URL is read the way a reader
//! reads it: every mutable file (and every file of the app) must come back
//! as staged, with its class's Content-Type and Cache-Control, within the
//! wait a CDN's cache may need; the history log is audited as `bongsu
//! audit` does; the feed must verify under the key chain the destination
//! serves, as the page checks it. A destination serving stale or wrong
//! bytes is reported, not trusted.

use std::path::Path;
use std::time::{Duration, Instant};

use bongsu_core::keys::Note;
use bongsu_core::{parse_chain_file, KeyChain, RoleKeys};

use super::plan::{self, Item, Step};
use super::Options;
use crate::files::Tree;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The app's largest file (its wasm) is well under this.
const MAX_APP_FILE: u64 = 16 << 20;

/// Checks `public` against the staged tree at `root`; the summary of what
/// was checked, or what is wrong.
pub fn check(
    public: &str,
    root: &Path,
    tree: Tree,
    only: Option<&[String]>,
    options: &Options,
) -> Result<String, String> {
    let only: Option<Vec<&str>> = only.map(|o| o.iter().map(String::as_str).collect());
    let items = plan::read_tree(root, tree, only.as_deref())?;
    let agent = crate::mirror_source::agent(REQUEST_TIMEOUT);
    let base = format!("{}/", public.trim_end_matches('/'));
    let wait = Duration::from_secs(options.readback_wait);
    let compared: Vec<&Item> = items
        .iter()
        .filter(|i| tree == Tree::App || i.step != Step::Immutable)
        .collect();
    for item in &compared {
        same_as_staged(&agent, &base, item, wait)?;
    }
    let mut summary = vec![format!("{} files as staged", compared.len())];
    if tree == Tree::Region {
        let has = |path: &str| items.iter().any(|i| i.path == path);
        let anchor = anchor(root, &options.readback_roots)?;
        if has("log/checkpoint") {
            let report = crate::audit::audit_mirrors(
                anchor.clone(),
                &feed_id(root)?,
                &[public.to_owned()],
                None,
                time::OffsetDateTime::now_utc(),
            );
            if let Some(problem) = report.problems.first() {
                return Err(format!("audit: {problem}"));
            }
            let size = report.views.first().map_or(0, |v| v.log.tree.size());
            summary.push(format!("log of {size} audited"));
        }
        if has("feed.note") {
            feed_verifies(&agent, &base, anchor, &feed_id(root)?)?;
            summary.push("feed verified".to_owned());
        }
    }
    Ok(summary.join(", "))
}

/// GETs `item` until it is what was staged, or `wait` has passed.
fn same_as_staged(
    agent: &ureq::Agent,
    base: &str,
    item: &Item,
    wait: Duration,
) -> Result<(), String> {
    let url = format!("{base}{}", item.path);
    let started = Instant::now();
    loop {
        let (status, content_type, cache_control, bytes) = get(agent, &url)?;
        let problem = if status != 200 {
            format!("{url}: HTTP {status}")
        } else if bytes != *item.bytes {
            format!(
                "{url}: serves other bytes than staged ({} bytes, staged {})",
                bytes.len(),
                item.bytes.len()
            )
        } else if content_type.as_deref() != Some(item.class.content_type) {
            return Err(format!(
                "{url}: Content-Type is {}, should be {} (the app checks it)",
                content_type.as_deref().unwrap_or("missing"),
                item.class.content_type
            ));
        } else if cache_control.as_deref() != Some(item.class.cache_control()) {
            return Err(format!(
                "{url}: Cache-Control is {}, should be {}",
                cache_control.as_deref().unwrap_or("missing"),
                item.class.cache_control()
            ));
        } else {
            return Ok(());
        };
        if started.elapsed() >= wait {
            return Err(format!("{problem}, still after {} s", wait.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

type Got = (u16, Option<String>, Option<String>, Vec<u8>);

fn get(agent: &ureq::Agent, url: &str) -> Result<Got, String> {
    let mut response = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, cache_control) = (header("content-type"), header("cache-control"));
    let status = response.status().as_u16();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_APP_FILE)
        .read_to_vec()
        .map_err(|e| format!("{url}: {e}"))?;
    Ok((status, content_type, cache_control, bytes))
}

/// The pinned roots: given, or those the staged chain starts from.
fn anchor(root: &Path, given: &[String]) -> Result<RoleKeys, String> {
    if !given.is_empty() {
        return crate::audit::read_roots(given, 1).map_err(|e| e.to_string());
    }
    let chain = std::fs::read(root.join("keys.json")).map_err(|e| {
        format!("no --readback-root and no staged keys.json to take the root keys from: {e}")
    })?;
    let notes = parse_chain_file(&chain).map_err(|e| format!("staged keys.json: {e}"))?;
    let first = notes
        .first()
        .and_then(|n| Note::parse(n.as_bytes()))
        .and_then(|n| bongsu_core::keys::decode_key_set_text(n.text()).ok())
        .ok_or("the staged keys.json has no readable first key set")?;
    Ok(first.root)
}

fn feed_id(root: &Path) -> Result<String, String> {
    let chain =
        std::fs::read(root.join("keys.json")).map_err(|e| format!("staged keys.json: {e}"))?;
    let notes = parse_chain_file(&chain).map_err(|e| format!("staged keys.json: {e}"))?;
    notes
        .last()
        .and_then(|n| Note::parse(n.as_bytes()))
        .and_then(|n| bongsu_core::keys::decode_key_set_text(n.text()).ok())
        .map(|k| k.feed)
        .ok_or_else(|| "the staged keys.json has no readable key set".to_owned())
}

/// The page's rules: the served key chain extends from the roots, and the
/// served feed verifies under its current key set, with the right type.
fn feed_verifies(
    agent: &ureq::Agent,
    base: &str,
    anchor: RoleKeys,
    feed: &str,
) -> Result<(), String> {
    let (_, _, _, chain_bytes) = get(agent, &format!("{base}keys.json"))?;
    let notes = parse_chain_file(&chain_bytes).map_err(|e| format!("served keys.json: {e}"))?;
    let mut chain = KeyChain::new(anchor, feed);
    chain
        .extend(&notes)
        .map_err(|e| format!("served keys.json: {e}"))?;
    let key_set = chain
        .current(time::OffsetDateTime::now_utc())
        .map_err(|e| format!("served keys.json: {e}"))?;
    let (_, content_type, _, feed_bytes) = get(agent, &format!("{base}feed.note"))?;
    bongsu_core::feed::check_content_type(content_type.as_deref())
        .map_err(|e| format!("served feed.note: {e}"))?;
    bongsu_core::feed::verify_feed(&feed_bytes, key_set)
        .map(|_| ())
        .map_err(|e| format!("served feed.note: {e}"))
}

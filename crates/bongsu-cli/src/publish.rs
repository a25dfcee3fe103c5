//! `bongsu publish`: a staged region tree (what `sign`, `keyset` and
//! `probe` write) or the built app, to any number of destinations at once:
//! object stores (S3 and S3-compatibles, Azure Blob, Google Cloud Storage)
//! and directories. One destination that is down never holds up the
//! others; the command prints what each got and exits 3 naming those that
//! lag, and running it again catches them up.
//!
//! The staging directory stays the source of truth: nothing is ever read
//! back from a store to decide what to sign, and nothing is ever deleted
//! from one.

pub mod connect;
pub mod destination;
pub mod guard;
pub mod plan;
pub mod readback;
pub mod run;
pub mod sink;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::CliError;
use crate::files::Tree;
use destination::Destination;
use run::{Job, Outcome};

/// `bongsu publish`'s flags.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("tree").required(true).args(["from", "app"])))]
pub struct Args {
    /// A staged region tree: feed.note, keys.json, log/, probe.note.
    #[arg(long)]
    from: Option<PathBuf>,
    /// The built app (dist/): hashed assets first, then the pages and config.json.
    #[arg(long)]
    app: Option<PathBuf>,
    /// A destination: s3://bucket/prefix, az://container/prefix, gs://bucket/prefix or
    /// file://dir, with options as query parameters (endpoint, region, virtual_hosted,
    /// account, public, profile, encoding, conditional). Repeatable.
    #[arg(long = "to", required = true)]
    to: Vec<String>,
    #[command(flatten)]
    options: Options,
}

/// What every publishing command shares (`publish`, and `--to` on `sign`,
/// `keyset` and `probe`).
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Where the journal of what each destination holds is kept; default
    /// <tree>/.publish (never published, never served).
    #[arg(long)]
    pub publish_state: Option<PathBuf>,
    /// Seconds each destination may take, retries included; one that takes
    /// longer is reported as lagging.
    #[arg(long = "publish-deadline", default_value_t = 60)]
    pub deadline: u64,
    /// After publishing, how long to wait for a destination's public URL to
    /// serve the new files (a CDN's cache), in seconds.
    #[arg(long, default_value_t = 30)]
    pub readback_wait: u64,
    /// A pinned root key (verifier key or .pub file) to audit read-backs
    /// with; default: the root keys the staged keys.json starts from.
    /// Repeatable.
    #[arg(long = "readback-root")]
    pub readback_roots: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            publish_state: None,
            deadline: 60,
            readback_wait: 30,
            readback_roots: Vec::new(),
        }
    }
}

/// Runs `bongsu publish`.
pub fn run(args: Args) -> Result<(), CliError> {
    let (root, tree) = match (&args.from, &args.app) {
        (Some(dir), None) => (dir.clone(), Tree::Region),
        (None, Some(dir)) => (dir.clone(), Tree::App),
        _ => {
            return Err(CliError::PublishUsage(
                "give either --from (a region tree) or --app (the built app)".into(),
            ))
        }
    };
    if tree == Tree::App && !root.join("index.html").is_file() {
        return Err(CliError::AppNotBuilt { dist: root });
    }
    let destinations = parse_all(&args.to)?;
    publish(
        &[Staged {
            root,
            tree,
            only: None,
            destinations,
        }],
        &args.options,
        "run the same command again to catch them up",
    )
}

/// One staged tree and where it goes.
#[derive(Debug, Clone)]
pub struct Staged {
    pub root: PathBuf,
    pub tree: Tree,
    /// Only these paths (what a command just wrote), or the whole tree.
    pub only: Option<Vec<String>>,
    pub destinations: Vec<Destination>,
}

/// Parses every `--to`.
pub fn parse_all(specs: &[String]) -> Result<Vec<Destination>, CliError> {
    let mut out: Vec<Destination> = Vec::new();
    for spec in specs {
        let d = destination::parse(spec).map_err(CliError::PublishUsage)?;
        if out.iter().any(|o| o.target == d.target) {
            return Err(CliError::PublishUsage(format!("`{spec}` is given twice")));
        }
        out.push(d);
    }
    Ok(out)
}

/// Publishes every tree to its destinations, all at once; prints the
/// report; errors naming the destinations that lag.
pub fn publish(trees: &[Staged], options: &Options, retry: &str) -> Result<(), CliError> {
    crate::runtime()?.block_on(publish_async(trees, options, retry))
}

/// [`publish`], on the caller's runtime (the probe's).
pub async fn publish_async(
    trees: &[Staged],
    options: &Options,
    retry: &str,
) -> Result<(), CliError> {
    let (outcomes, readbacks) = publish_quietly(trees, options, true).await?;
    print_report(&outcomes, &readbacks)?;
    let lagging: Vec<String> = outcomes
        .iter()
        .zip(&readbacks)
        .filter(|(o, r)| o.error.is_some() || matches!(r, Some(Err(_))))
        .map(|(o, _)| {
            let shown = &o.destination.shown;
            shown.split('?').next().unwrap_or(shown).to_owned()
        })
        .collect();
    if lagging.is_empty() {
        Ok(())
    } else {
        Err(CliError::PublishIncomplete {
            lagging,
            total: outcomes.len(),
            retry: retry.to_owned(),
        })
    }
}

/// What one destination's read-back found: None if it was not read back.
pub type Readback = Option<Result<String, String>>;

/// [`publish_async`] without the report: every destination's outcome and
/// read-back (only with `readback`), in order.
pub async fn publish_quietly(
    trees: &[Staged],
    options: &Options,
    readback: bool,
) -> Result<(Vec<Outcome>, Vec<Readback>), CliError> {
    let deadline = Duration::from_secs(options.deadline.max(1));
    let budget = connect::Budget::within(deadline);
    let mut jobs = Vec::new();
    let mut failed_to_start = Vec::new();
    for t in trees {
        let only: Option<Vec<&str>> = t
            .only
            .as_ref()
            .map(|o| o.iter().map(String::as_str).collect());
        let items = plan::read_tree(&t.root, t.tree, only.as_deref()).map_err(|message| {
            CliError::PublishUsage(format!("cannot publish {}: {message}", t.root.display()))
        })?;
        let items = Arc::new(items);
        let state = options
            .publish_state
            .clone()
            .unwrap_or_else(|| t.root.join(".publish"));
        for destination in &t.destinations {
            match connect::sink(destination, budget) {
                Ok(sink) => jobs.push(Job {
                    journal: run::journal_path(&state, &destination.shown),
                    destination: destination.clone(),
                    sink,
                    items: items.clone(),
                }),
                Err(why) => failed_to_start.push(Outcome {
                    destination: destination.clone(),
                    counts: Default::default(),
                    elapsed: Duration::ZERO,
                    error: Some(why),
                }),
            }
        }
    }
    let mut outcomes = run::publish_all(jobs, deadline).await;
    outcomes.extend(failed_to_start);
    // Read back, like a reader, what has a public URL: all at once, each
    // on a blocking thread (the checks are the audit's, which block).
    let checks: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let public = o.destination.public.clone().filter(|_| readback)?;
            let staged = trees
                .iter()
                .find(|t| {
                    t.destinations
                        .iter()
                        .any(|d| d.target == o.destination.target)
                })?
                .clone();
            if o.error.is_some() {
                return None;
            }
            let options = options.clone();
            Some(tokio::task::spawn_blocking(move || {
                readback::check(
                    &public,
                    &staged.root,
                    staged.tree,
                    staged.only.as_deref(),
                    &options,
                )
            }))
        })
        .collect();
    let mut readbacks: Vec<Readback> = Vec::new();
    for check in checks {
        readbacks.push(match check {
            Some(task) => Some(task.await.unwrap_or_else(|e| Err(e.to_string()))),
            None => None,
        });
    }
    Ok((outcomes, readbacks))
}

fn print_report(outcomes: &[Outcome], readbacks: &[Readback]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<44} {:>7} {:>9} {:>6} {:>10} {:>7}  read back",
        "destination", "written", "unchanged", "failed", "bytes", "time"
    )?;
    for (o, readback) in outcomes.iter().zip(readbacks) {
        let shown = shorten(&o.destination.shown, 44);
        let verdict = match (&o.error, readback) {
            (Some(_), _) => "-".to_owned(),
            (None, None) => "no public URL".to_owned(),
            (None, Some(Ok(summary))) => format!("ok ({summary})"),
            (None, Some(Err(_))) => "FAILED".to_owned(),
        };
        writeln!(
            out,
            "{shown:<44} {:>7} {:>9} {:>6} {:>10} {:>6.2}s  {verdict}",
            o.counts.written,
            o.counts.unchanged,
            o.counts.failed,
            o.counts.bytes,
            o.elapsed.as_secs_f64(),
        )?;
        if let Some(error) = &o.error {
            writeln!(out, "  LAGS: {error}")?;
        }
        if let Some(Err(why)) = readback {
            writeln!(out, "  READ BACK FAILED: {why}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The URL without its options, cut to `width` characters.
fn shorten(url: &str, width: usize) -> String {
    let base = url.split('?').next().unwrap_or(url);
    if base.chars().count() <= width {
        base.to_owned()
    } else {
        let tail: String = base
            .chars()
            .rev()
            .take(width - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

/// For `sign`, `keyset` and `probe`: the `--to` flags and where each goes.
#[derive(Debug, Clone, clap::Args)]
pub struct To {
    /// Publish what this command wrote: a destination URL as `bongsu publish --to` takes,
    /// or <folder>=<URL> to say which --out folder goes there. Repeatable.
    #[arg(long = "to")]
    pub to: Vec<String>,
    #[command(flatten)]
    pub options: Options,
}

/// A folder a command wrote into, the names it wrote there, and where it
/// goes.
#[derive(Debug, Clone)]
pub struct Planned {
    pub root: PathBuf,
    pub written: Vec<String>,
    pub destinations: Vec<Destination>,
}

impl To {
    /// Checks every `--to` against the folders of the command's `--out`
    /// files before anything is written.
    pub fn plan(&self, outs: &[PathBuf]) -> Result<Vec<Planned>, CliError> {
        if self.to.is_empty() {
            return Ok(Vec::new());
        }
        let mut dirs: Vec<(PathBuf, Vec<String>)> = Vec::new();
        for out in outs {
            let dir = out
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match dirs.iter_mut().find(|(d, _)| same_dir(d, &dir)) {
                Some((_, names)) => names.push(name),
                None => dirs.push((dir, vec![name])),
            }
        }
        let roots: Vec<PathBuf> = dirs.iter().map(|(d, _)| d.clone()).collect();
        Ok(destinations_for(&self.to, &roots)?
            .into_iter()
            .map(|(root, destinations)| Planned {
                written: dirs
                    .iter()
                    .find(|(d, _)| *d == root)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                root,
                destinations,
            })
            .collect())
    }

    /// The trees to publish: each planned folder whole, or only what was
    /// written into it; `what` names what was done locally, for the advice
    /// on catching up.
    fn staged(planned: &[Planned], whole_tree: bool) -> Vec<Staged> {
        planned
            .iter()
            .map(|p| Staged {
                root: p.root.clone(),
                tree: Tree::Region,
                only: (!whole_tree).then(|| p.written.clone()),
                destinations: p.destinations.clone(),
            })
            .collect()
    }

    fn catch_up(planned: &[Planned], what: &str) -> String {
        let commands = planned
            .iter()
            .map(|p| format!("`bongsu publish --from {}`", p.root.display()))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{what} is staged; {commands} with the same --to catches them up")
    }

    /// Publishes the planned folders (whole, or only what was written).
    pub fn publish(
        &self,
        planned: &[Planned],
        whole_tree: bool,
        what: &str,
    ) -> Result<(), CliError> {
        if planned.is_empty() {
            return Ok(());
        }
        publish(
            &Self::staged(planned, whole_tree),
            &self.options,
            &Self::catch_up(planned, what),
        )
    }

    /// [`Self::publish`] on the caller's runtime.
    pub async fn publish_async(
        &self,
        planned: &[Planned],
        whole_tree: bool,
        what: &str,
    ) -> Result<(), CliError> {
        if planned.is_empty() {
            return Ok(());
        }
        publish_async(
            &Self::staged(planned, whole_tree),
            &self.options,
            &Self::catch_up(planned, what),
        )
        .await
    }
}

/// For `sign`, `keyset` and `probe`: `--to [DIR=]URL` against the trees a
/// command wrote (`dirs`, the folders of its --out files). A plain URL
/// publishes the only tree; with several, each --to names its tree.
pub fn destinations_for(
    specs: &[String],
    dirs: &[PathBuf],
) -> Result<Vec<(PathBuf, Vec<Destination>)>, CliError> {
    let mut by_dir: Vec<(PathBuf, Vec<String>)> =
        dirs.iter().map(|d| (d.clone(), Vec::new())).collect();
    for spec in specs {
        let (dir, url) = destination::split_tree(spec);
        let index = match dir {
            Some(dir) => by_dir
                .iter()
                .position(|(d, _)| same_dir(d, Path::new(dir)))
                .ok_or_else(|| {
                    CliError::PublishUsage(format!(
                        "--to {spec}: {dir} is not the folder of any --out"
                    ))
                })?,
            None if by_dir.len() == 1 => 0,
            None => {
                return Err(CliError::PublishUsage(format!(
                    "--to {url}: with several --out files, say which folder goes there: --to <folder>={url}"
                )))
            }
        };
        by_dir[index].1.push(url.to_owned());
    }
    by_dir
        .into_iter()
        .filter(|(_, specs)| !specs.is_empty())
        .map(|(dir, specs)| Ok((dir, parse_all(&specs)?)))
        .collect()
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let norm = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    norm(a) == norm(b)
}

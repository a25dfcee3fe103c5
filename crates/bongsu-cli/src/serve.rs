//! `bongsu serve`: region directories and the built app as static sites,
//! with the headers a status feed needs, and a witness in any region that
//! is given one. This is the production server: it serves files and
//! witnesses and nothing else. (Fault injection lives with the demo and
//! the tests, in [`crate::demo`], and builds on the pieces here.)
//!
//! Every site is served through [`connections::serve`], which holds up
//! under slow and abusive clients: header and idle timeouts, a connection
//! cap below the descriptor limit, and no request body read except the
//! witness's, which is capped.

pub mod connections;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use crate::error::CliError;
use crate::files::{self, Encoding, Tree};
use crate::keygen::KeyEntryError;
use crate::witness::server::{add_checkpoint, Witness, ADD_CHECKPOINT_PATH};
use bongsu_core::log::MAX_ADD_CHECKPOINT_BYTES;

pub use connections::Limits;

/// One static site to serve.
#[derive(Debug, Clone)]
pub struct Site {
    pub kind: SiteKind,
    pub dir: PathBuf,
    /// `127.0.0.1:8401`; port 0 picks a free port.
    pub addr: String,
}

#[derive(Debug, Clone)]
pub enum SiteKind {
    /// A region: CORS open, headers by [`files`].
    Region { id: String },
    /// The app, with `/config.json` optionally served from elsewhere.
    App { config: Option<PathBuf> },
    /// Any other page (the demo's sample partner page).
    Page,
}

impl SiteKind {
    /// Which table of [`files`] its files are served by.
    pub fn tree(&self) -> Tree {
        match self {
            SiteKind::Region { .. } => Tree::Region,
            SiteKind::App { .. } | SiteKind::Page => Tree::App,
        }
    }
}

impl Site {
    pub fn label(&self) -> String {
        match &self.kind {
            SiteKind::Region { id } => format!("region {id}"),
            SiteKind::App { .. } => "app".to_owned(),
            SiteKind::Page => "partner".to_owned(),
        }
    }
}

/// `seoul=regions/seoul@127.0.0.1:8401`
pub fn parse_region_spec(spec: &str) -> Result<Site, CliError> {
    let bad = || CliError::BadRegionSpec(spec.to_owned());
    let (id, rest) = spec.split_once('=').ok_or_else(bad)?;
    let (dir, addr) = rest.rsplit_once('@').ok_or_else(bad)?;
    if id.is_empty() || dir.is_empty() || addr.is_empty() {
        return Err(bad());
    }
    Ok(Site {
        kind: SiteKind::Region { id: id.to_owned() },
        dir: dir.into(),
        addr: addr.to_owned(),
    })
}

/// `dist@127.0.0.1:8400`
pub fn parse_app_spec(spec: &str, config: Option<PathBuf>) -> Result<Site, CliError> {
    let bad = || CliError::BadAppSpec(spec.to_owned());
    let (dir, addr) = spec.rsplit_once('@').ok_or_else(bad)?;
    if dir.is_empty() || addr.is_empty() {
        return Err(bad());
    }
    Ok(Site {
        kind: SiteKind::App { config },
        dir: dir.into(),
        addr: addr.to_owned(),
    })
}

/// `--witness seoul=keys/witness-seoul.key`, with the log's key and the
/// state directory; `init` lets a witness without state start a new one.
pub fn parse_witness_specs(
    specs: &[String],
    log: Option<&str>,
    state: Option<&Path>,
    init: bool,
) -> Result<BTreeMap<String, Arc<Witness>>, CliError> {
    let mut out = BTreeMap::new();
    if specs.is_empty() {
        return Ok(out);
    }
    let (Some(log), Some(state)) = (log, state) else {
        return Err(CliError::BadWitnessSpec(
            "--witness needs --witness-log and --witness-state".into(),
        ));
    };
    let log_key =
        crate::keygen::resolve_verifier_key(Path::new(""), log, crate::keygen::is_signer_key)
            .map_err(|e| match e {
                KeyEntryError::Unreadable { path, source } => CliError::ReadKey { path, source },
                KeyEntryError::NotAKey { .. } => CliError::BadWitnessSpec(format!(
                    "--witness-log `{log}` is not a verifier key or a .pub file holding one"
                )),
            })?;
    for spec in specs {
        let (id, key) = spec
            .split_once('=')
            .filter(|(id, key)| !id.is_empty() && !key.is_empty())
            .ok_or_else(|| {
                CliError::BadWitnessSpec(format!(
                    "`{spec}` is not of the form <region-id>=<witness key file>"
                ))
            })?;
        crate::keygen::read_witness(Path::new(key), 0)?;
        let log = bongsu_core::RoleKeys {
            threshold: 1,
            keys: vec![log_key.clone()],
        };
        let witness = Witness::open(id, key.into(), log, state.join(format!("{id}.json")), init)?;
        out.insert(id.to_owned(), Arc::new(witness));
    }
    Ok(out)
}

/// Checks every site and binds its address, then prints one line per site
/// (`region seoul http://127.0.0.1:8401/ regions/seoul`).
pub async fn bind(sites: Vec<Site>) -> Result<Vec<(TcpListener, Site)>, CliError> {
    if sites.is_empty() {
        return Err(CliError::NothingToServe);
    }
    let mut bound = Vec::with_capacity(sites.len());
    for site in sites {
        if !site.dir.is_dir() {
            return Err(CliError::MissingDir { path: site.dir });
        }
        if let SiteKind::App { .. } = site.kind {
            if !site.dir.join("index.html").is_file() {
                return Err(CliError::AppNotBuilt { dist: site.dir });
            }
        }
        let listener = TcpListener::bind(&site.addr)
            .await
            .map_err(|source| CliError::Listen {
                addr: site.addr.clone(),
                what: site.label(),
                source,
            })?;
        bound.push((listener, site));
    }
    let mut stdout = std::io::stdout().lock();
    for (listener, site) in &bound {
        let addr = listener.local_addr()?;
        writeln!(
            stdout,
            "{} http://{addr}/ {}",
            site.label(),
            site.dir.display()
        )?;
    }
    stdout.flush()?;
    Ok(bound)
}

/// Serves every site until the process is interrupted; `witnesses` by
/// region id.
pub async fn serve(
    sites: Vec<Site>,
    witnesses: BTreeMap<String, Arc<Witness>>,
) -> Result<(), CliError> {
    for id in witnesses.keys() {
        let known = sites
            .iter()
            .any(|s| matches!(&s.kind, SiteKind::Region { id: r } if r == id));
        if !known {
            return Err(CliError::UnknownRegion(id.clone()));
        }
    }
    let limits = Limits::public();
    for (listener, site) in bind(sites).await? {
        let witness = match &site.kind {
            SiteKind::Region { id } => witnesses.get(id).cloned(),
            _ => None,
        };
        let app = site_router(Arc::new(site), witness);
        tokio::spawn(connections::serve(
            listener,
            app,
            limits,
            std::future::pending(),
        ));
    }
    ready()?;
    wait_for_shutdown().await;
    Ok(())
}

/// Prints `ready`, which scripts and tests wait for.
pub fn ready() -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready")?;
    stdout.flush()?;
    Ok(())
}

/// A site's routes: its files, and a region's witness (the one route that
/// reads a request body, capped at the witness protocol's limit).
pub fn site_router(site: Arc<Site>, witness: Option<Arc<Witness>>) -> Router {
    let files = Router::new().fallback(handle).with_state(site);
    match witness {
        Some(witness) => Router::new()
            .route(
                ADD_CHECKPOINT_PATH,
                post(witness_route)
                    .layer(DefaultBodyLimit::max(MAX_ADD_CHECKPOINT_BYTES))
                    .with_state(witness),
            )
            .merge(files),
        None => files,
    }
}

async fn witness_route(State(witness): State<Arc<Witness>>, body: Bytes) -> Response<Body> {
    with_region_headers(add_checkpoint(&witness, &body).await)
}

pub async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// A GET or HEAD of one of the site's files (no request body is read).
pub async fn handle(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let is_region = matches!(site.kind, SiteKind::Region { .. });
    let response = match method {
        Method::GET | Method::HEAD => {
            serve_file(&site, uri.path(), &headers, method == Method::HEAD).await
        }
        Method::OPTIONS if is_region => plain(StatusCode::NO_CONTENT, ""),
        _ => plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served\n",
        ),
    };
    if is_region {
        return with_region_headers(response);
    }
    let mut response = response;
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Regions are read from other origins: open CORS, and expose the ETag.
pub fn with_region_headers(mut response: Response<Body>) -> Response<Body> {
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("If-None-Match"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag"),
        );
    }
    response
}

async fn serve_file(
    site: &Site,
    url_path: &str,
    headers: &HeaderMap,
    head: bool,
) -> Response<Body> {
    let Some(relative) = safe_relative_path(url_path) else {
        return plain(StatusCode::BAD_REQUEST, "bad path\n");
    };
    let path = match &site.kind {
        SiteKind::App {
            config: Some(config),
        } if relative == Path::new("config.json") => config.clone(),
        _ => site.dir.join(&relative),
    };
    let (path, relative) = if path.is_dir() {
        (path.join("index.html"), relative.join("index.html"))
    } else {
        (path, relative)
    };
    // Files only, inside the site: not a symlink out of it.
    let inside = tokio::fs::canonicalize(&path)
        .await
        .ok()
        .zip(tokio::fs::canonicalize(&site.dir).await.ok())
        .is_some_and(|(file, dir)| file.starts_with(dir))
        || matches!(&site.kind, SiteKind::App { config: Some(c) } if *c == path);
    let Some(bytes) = (if inside {
        tokio::fs::read(&path).await.ok()
    } else {
        None
    }) else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let class = files::classify(site.kind.tree(), &url_form(&relative));
    let hash = hex_prefix(&Sha256::digest(&bytes));
    let encoding = if class.compressible {
        files::negotiate(
            headers
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok()),
        )
    } else {
        Encoding::Identity
    };
    let (encoding, body) = encoded_body(&path, bytes, &hash, encoding).await;
    let etag = format!("\"{hash}{}\"", encoding.etag_suffix());
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, class.cache_control());
    if class.compressible {
        builder = builder.header(header::VARY, "Accept-Encoding");
    }
    let built = if not_modified {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        let mut builder = builder
            .header(header::CONTENT_TYPE, class.content_type)
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(coding) = encoding.header() {
            builder = builder.header(header::CONTENT_ENCODING, coding);
        }
        builder.body(if head {
            Body::empty()
        } else {
            Body::from(body)
        })
    };
    built.unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "\n"))
}

/// The relative path as in a URL, '/'-separated.
fn url_form(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Compressed bodies by content hash and encoding: a file is compressed
/// once per content, whichever site or name serves it. Bounded: when full,
/// it starts again (the app's assets come back from their precompressed
/// copies, the regions' files are small).
static ENCODED: std::sync::LazyLock<std::sync::Mutex<EncodedCache>> =
    std::sync::LazyLock::new(Default::default);

/// Bytes held, and the bodies by (content hash, encoding).
type EncodedCache = (usize, HashMap<(String, Encoding), Bytes>);
const ENCODED_CACHE_BYTES: usize = 64 << 20;

/// The body to send for `bytes` (the file at `path`) in `wanted`: a
/// precompressed copy beside the file if it decodes to exactly these bytes
/// (the app's build writes them, at the best compression), else compressed
/// now; identity if compressing does not make it smaller.
async fn encoded_body(
    path: &Path,
    bytes: Vec<u8>,
    hash: &str,
    wanted: Encoding,
) -> (Encoding, Bytes) {
    if wanted == Encoding::Identity {
        return (Encoding::Identity, Bytes::from(bytes));
    }
    let key = (hash.to_owned(), wanted);
    let cached = ENCODED
        .lock()
        .ok()
        .and_then(|cache| cache.1.get(&key).cloned());
    let encoded = match cached {
        Some(encoded) => encoded,
        None => {
            let sibling = wanted
                .sibling_suffix()
                .map(|suffix| {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    PathBuf::from(name)
                })
                .filter(|p| p.is_file());
            let source = bytes.clone();
            let made = tokio::task::spawn_blocking(move || {
                let precompressed = sibling
                    .and_then(|p| std::fs::read(p).ok())
                    .filter(|c| files::decode(c, wanted, source.len()).as_deref() == Some(&source));
                precompressed
                    .unwrap_or_else(|| files::encode(&source, wanted, files::Effort::Quick))
            })
            .await;
            let Ok(made) = made else {
                return (Encoding::Identity, Bytes::from(bytes));
            };
            let made = Bytes::from(made);
            if let Ok(mut cache) = ENCODED.lock() {
                if cache.0 + made.len() > ENCODED_CACHE_BYTES {
                    *cache = Default::default();
                }
                cache.0 += made.len();
                cache.1.insert(key, made.clone());
            }
            made
        }
    };
    if encoded.len() < bytes.len() {
        (wanted, encoded)
    } else {
        (Encoding::Identity, Bytes::from(bytes))
    }
}

pub fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The URL path as a relative filesystem path that cannot leave the site's
/// directory, or None for anything suspicious.
pub fn safe_relative_path(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let mut out = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return None,
            // Dotfiles (lock files, editor leftovers) are never served.
            s if s.starts_with('.') => return None,
            s if s.contains('\\') || s.contains('\0') || s.contains(':') => return None,
            s => out.push(s),
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// `bongsu serve`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A region: <id>=<dir>@<address>, e.g. seoul=regions/seoul@127.0.0.1:8401. Repeatable.
    #[arg(long)]
    region: Vec<String>,
    /// The built app: <dir>@<address>, e.g. dist@127.0.0.1:8400.
    #[arg(long)]
    app: Option<String>,
    /// Serve this file as the app's /config.json.
    #[arg(long, requires = "app")]
    config: Option<PathBuf>,
    /// Run a witness in a region: <id>=<witness key file> (bongsu keygen --witness). It answers
    /// POST /witness/add-checkpoint on the region's address. Repeatable.
    #[arg(long, requires_all = ["witness_log", "witness_state"])]
    witness: Vec<String>,
    /// The verifier key of the log the witnesses cosign, or a .pub file holding it.
    #[arg(long)]
    witness_log: Option<String>,
    /// A directory for the witnesses' memory (<id>.json), outside any served directory.
    /// A witness refuses to start without its file: one that forgot what it cosigned
    /// would cosign any fork.
    #[arg(long)]
    witness_state: Option<PathBuf>,
    /// Start a witness that has no state file with an empty one: only for a new witness
    /// that has never cosigned.
    #[arg(long, requires = "witness_state")]
    witness_init: bool,
}

/// Runs `bongsu serve`.
pub fn run(args: Args) -> Result<(), CliError> {
    let Args {
        region,
        app,
        config,
        witness,
        witness_log,
        witness_state,
        witness_init,
    } = args;
    let witnesses = parse_witness_specs(
        &witness,
        witness_log.as_deref(),
        witness_state.as_deref(),
        witness_init,
    )?;
    let mut sites = region
        .iter()
        .map(|s| parse_region_spec(s))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(app) = app {
        sites.push(parse_app_spec(&app, config)?);
    }
    crate::runtime()?.block_on(serve(sites, witnesses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_directory() {
        assert_eq!(
            safe_relative_path("/feed.note"),
            Some(PathBuf::from("feed.note"))
        );
        assert_eq!(safe_relative_path("/a/./b"), Some(PathBuf::from("a/b")));
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        for bad in [
            "/../etc/passwd",
            "/a/%2e%2e/b",
            "/a%5cb",
            "/%00",
            "/%zz",
            "/c:/x",
            "/.bongsu.lock",
            "/log/.hidden",
        ] {
            assert_eq!(safe_relative_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn specs_parse() {
        let s = parse_region_spec("seoul=r/seoul@127.0.0.1:0").unwrap();
        assert_eq!(
            (s.dir, s.addr),
            (PathBuf::from("r/seoul"), "127.0.0.1:0".to_owned())
        );
        assert!(parse_region_spec("seoul@127.0.0.1:1").is_err());
        assert!(parse_region_spec("=d@a").is_err());
        assert!(parse_app_spec("dist", None).is_err());
    }
}

//! `bongsu serve`: region directories and the built app as static sites on
//! loopback ports, with the headers a status feed needs; and, with
//! `--admin`, an endpoint that switches each region into a fault mode at
//! run time ([`crate::fault`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use axum::Router;

use crate::demo_services::{DemoServices, ServiceFault};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::error::CliError;
use crate::fault::{forged_feed, Fault, FaultKeys, PORTAL_PAGE};
use crate::keygen::KeyEntryError;
use crate::witness_server::{add_checkpoint, Witness, ADD_CHECKPOINT_PATH};

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
    /// A region: CORS open, feeds always revalidated.
    Region { id: String },
    /// The app, with `/config.json` optionally served from elsewhere.
    App { config: Option<PathBuf> },
    /// A partner's page embedding the widget (the demo's sample, on its own
    /// origin). Its HTML names the app's default origin, which is replaced
    /// by `app_origin`, so the sample works on any port.
    Partner { app_origin: String },
}

/// The app's origin as the sample partner page names it.
pub const SAMPLE_APP_ORIGIN: &str = "http://127.0.0.1:8400";

impl Site {
    fn label(&self) -> String {
        match &self.kind {
            SiteKind::Region { id } => format!("region {id}"),
            SiteKind::App { .. } => "app".to_owned(),
            SiteKind::Partner { .. } => "partner".to_owned(),
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

/// Fault injection: where the admin endpoint listens, the keys forged feeds
/// are signed with, and the modes regions start in.
pub struct Faults {
    pub admin: Option<String>,
    pub keys: FaultKeys,
    pub initial: BTreeMap<String, Fault>,
    /// Regions that also run a witness, by region id.
    pub witnesses: BTreeMap<String, Arc<Witness>>,
    /// `POST /replay` on the admin endpoint: the demo steps its replay.
    pub replay: Option<ReplayHook>,
    /// `PUT /services/<id>/fault` breaks and repairs the demo's stand-in services.
    pub services: Option<Arc<DemoServices>>,
}

/// Runs (blocking) with the request body; `Ok` text is the answer, `Err` a
/// refusal.
pub type ReplayHook = Arc<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

/// What the admin endpoint controls.
struct Admin {
    regions: BTreeMap<String, Arc<Region>>,
    replay: Option<ReplayHook>,
    services: Option<Arc<DemoServices>>,
}

/// `seoul=blackhole`
pub fn parse_fault_spec(spec: &str) -> Result<(String, Fault), CliError> {
    let bad = || CliError::BadFaultSpec {
        spec: spec.to_owned(),
        modes: Fault::names(),
    };
    let (id, mode) = spec.split_once('=').ok_or_else(bad)?;
    Ok((id.to_owned(), Fault::parse(mode).ok_or_else(bad)?))
}

/// `--witness seoul=keys/witness-seoul.key`, with the log's key and the state directory.
pub fn parse_witness_specs(
    specs: &[String],
    log: Option<&str>,
    state: Option<&Path>,
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
    std::fs::create_dir_all(state)?;
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
        out.insert(
            id.to_owned(),
            Arc::new(Witness {
                key: key.into(),
                log: bongsu_core::RoleKeys {
                    threshold: 1,
                    keys: vec![log_key.clone()],
                },
                state: state.join(format!("{id}.json")),
                lock: tokio::sync::Mutex::new(()),
            }),
        );
    }
    Ok(out)
}

/// What one region's server and the admin endpoint share.
struct Region {
    site: Site,
    fault: watch::Sender<Fault>,
    keys: Arc<FaultKeys>,
    witness: Option<Arc<Witness>>,
}

/// Binds every site, prints one line per site and then `ready`, and serves
/// until the process is interrupted.
pub async fn serve(sites: Vec<Site>, faults: Option<Faults>) -> Result<(), CliError> {
    serve_then(sites, faults, async { Ok(()) }).await
}

/// Like [`serve`], running `before_ready` once every site is serving and
/// before `ready` is printed: the demo signs there, because signing the
/// history needs the regions' witnesses to answer.
pub async fn serve_then(
    sites: Vec<Site>,
    faults: Option<Faults>,
    before_ready: impl std::future::Future<Output = Result<(), CliError>>,
) -> Result<(), CliError> {
    if sites.is_empty() {
        return Err(CliError::NothingToServe);
    }
    let (admin_addr, fault_keys, initial, witnesses, replay, services) = match faults {
        Some(f) => (
            f.admin,
            Some(f.keys),
            f.initial,
            f.witnesses,
            f.replay,
            f.services,
        ),
        None => (None, None, BTreeMap::new(), BTreeMap::new(), None, None),
    };
    let fault_keys = Arc::new(match fault_keys {
        Some(keys) => keys,
        None => FaultKeys::new(None, None)?,
    });
    for id in initial.keys().chain(witnesses.keys()) {
        let known = sites
            .iter()
            .any(|s| matches!(&s.kind, SiteKind::Region { id: r } if r == id));
        if !known {
            return Err(CliError::UnknownRegion(id.clone()));
        }
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
        let listener = tokio::net::TcpListener::bind(&site.addr)
            .await
            .map_err(|source| CliError::Listen {
                addr: site.addr.clone(),
                what: site.label(),
                source,
            })?;
        bound.push((listener, site));
    }
    let admin_listener = match &admin_addr {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|source| CliError::Listen {
                    addr: addr.clone(),
                    what: "the admin endpoint".to_owned(),
                    source,
                })?,
        ),
        None => None,
    };
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
    if let Some(listener) = &admin_listener {
        writeln!(stdout, "admin http://{}/", listener.local_addr()?)?;
    }
    stdout.flush()?;
    drop(stdout);

    let mut regions = BTreeMap::new();
    for (listener, site) in bound {
        match &site.kind {
            SiteKind::Region { id } => {
                let start = initial.get(id).copied().unwrap_or(Fault::Healthy);
                let region = Arc::new(Region {
                    site: site.clone(),
                    fault: watch::Sender::new(start),
                    keys: fault_keys.clone(),
                    witness: witnesses.get(id).cloned(),
                });
                regions.insert(id.clone(), region.clone());
                tokio::spawn(run_region(listener, region));
            }
            SiteKind::App { .. } | SiteKind::Partner { .. } => {
                let app = Router::new().fallback(handle).with_state(Arc::new(site));
                tokio::spawn(async move {
                    if let Err(error) = axum::serve(listener, app).await {
                        eprintln!("error: server stopped: {error}");
                    }
                });
            }
        }
    }
    if let Some(listener) = admin_listener {
        let app = Router::new().fallback(admin).with_state(Arc::new(Admin {
            regions,
            replay,
            services,
        }));
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("error: admin endpoint stopped: {error}");
            }
        });
    }
    before_ready.await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "ready")?;
        stdout.flush()?;
    }
    wait_for_shutdown().await;
    Ok(())
}

/// Serves one region, closing its port while it is `down` and opening it
/// again on the same address afterwards.
async fn run_region(listener: TcpListener, region: Arc<Region>) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let mut listener = Some(listener);
    let mut faults = region.fault.subscribe();
    loop {
        let _ = faults.wait_for(|f| *f != Fault::Down).await;
        let current = match listener.take() {
            Some(l) => l,
            None => match bind_again(addr).await {
                Some(l) => l,
                None => continue,
            },
        };
        let app = Router::new()
            .fallback(handle_region)
            .with_state(region.clone());
        let mut down = region.fault.subscribe();
        // Graceful shutdown drops the listener at once (refusing new
        // connections) and closes idle keep-alive connections.
        tokio::spawn(async move {
            let _ = axum::serve(current, app)
                .with_graceful_shutdown(async move {
                    let _ = down.wait_for(|f| *f == Fault::Down).await;
                })
                .await;
        });
        let _ = faults.wait_for(|f| *f == Fault::Down).await;
    }
}

async fn bind_again(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Some(listener),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    eprintln!("error: could not listen on {addr} again after the down fault");
    tokio::time::sleep(Duration::from_secs(1)).await;
    None
}

/// `GET /` lists every region's mode; `PUT /regions/<id>/fault` with a mode
/// name as the body switches one; `POST /replay` steps the demo's replay.
async fn admin(
    State(admin): State<Arc<Admin>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let regions = &admin.regions;
    let path = uri.path().trim_end_matches('/');
    if path == "/replay" {
        let plain = "text/plain; charset=utf-8";
        let Some(hook) = admin.replay.clone() else {
            return text(StatusCode::NOT_FOUND, plain, "no replay here\n".into());
        };
        if method != Method::POST {
            return text(
                StatusCode::METHOD_NOT_ALLOWED,
                plain,
                "POST next or end\n".into(),
            );
        }
        let wanted = String::from_utf8_lossy(&body).trim().to_owned();
        return match tokio::task::spawn_blocking(move || hook(&wanted)).await {
            Ok(Ok(answer)) => text(StatusCode::OK, plain, format!("{answer}\n")),
            Ok(Err(why)) => text(StatusCode::CONFLICT, plain, format!("{why}\n")),
            Err(_) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                plain,
                "the replay step failed\n".into(),
            ),
        };
    }
    if let (Some(id), Some(services)) = (
        path.strip_prefix("/services/")
            .and_then(|rest| rest.strip_suffix("/fault")),
        &admin.services,
    ) {
        let plain = "text/plain; charset=utf-8";
        if method != Method::PUT && method != Method::POST {
            return text(
                StatusCode::METHOD_NOT_ALLOWED,
                plain,
                "PUT break, repair or a mode\n".into(),
            );
        }
        return match services.set(id, &String::from_utf8_lossy(&body)) {
            Ok(answer) => text(StatusCode::OK, plain, format!("{answer}\n")),
            Err(why) => text(StatusCode::NOT_FOUND, plain, format!("{why}\n")),
        };
    }
    if path.is_empty() && method == Method::GET {
        let modes: BTreeMap<&str, &str> = regions
            .iter()
            .map(|(id, r)| (id.as_str(), r.fault.borrow().as_str()))
            .collect();
        let json = serde_json::json!({
            "regions": modes,
            "modes": Fault::ALL.map(Fault::as_str),
            "services": admin.services.as_ref().map(|s| s.modes()),
            "service_modes": ServiceFault::ALL.map(ServiceFault::as_str),
        });
        return text(StatusCode::OK, "application/json", format!("{json:#}\n"));
    }
    let Some(id) = path
        .strip_prefix("/regions/")
        .and_then(|rest| rest.strip_suffix("/fault"))
    else {
        return text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "use GET /, PUT /regions/<id>/fault with a mode as the body, or POST /replay\n"
                .to_owned(),
        );
    };
    let Some(region) = regions.get(id) else {
        return text(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            format!("no region `{id}`\n"),
        );
    };
    if method != Method::PUT && method != Method::POST {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "PUT a mode name\n".to_owned(),
        );
    }
    let wanted = String::from_utf8_lossy(&body);
    let Some(fault) = Fault::parse(&wanted) else {
        return text(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            format!(
                "unknown fault mode `{}`; use one of: {}\n",
                wanted.trim(),
                Fault::names()
            ),
        );
    };
    if let Some(why) = region.keys.missing_for(fault) {
        return text(
            StatusCode::CONFLICT,
            "text/plain; charset=utf-8",
            format!("cannot switch {id} to {}: {why}\n", fault.as_str()),
        );
    }
    region.fault.send_replace(fault);
    println!("fault: region {id} is now {}", fault.as_str());
    text(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        format!("{id} {}\n", fault.as_str()),
    )
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A region's request, through whatever fault it is in.
async fn handle_region(
    State(region): State<Arc<Region>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let fault = *region.fault.borrow();
    if let (Some(witness), false) = (&region.witness, fault == Fault::Blackhole) {
        if uri.path() == ADD_CHECKPOINT_PATH && method == Method::POST {
            return add_checkpoint(witness, &body).await;
        }
    }
    let is_feed = uri.path().trim_start_matches('/') == "feed.note";
    let site = Arc::new(region.site.clone());
    match fault {
        Fault::Blackhole => {
            // Hold the request until the mode changes; the reader's
            // deadline is what ends it.
            let mut changes = region.fault.subscribe();
            let _ = changes.changed().await;
            with_region_headers(plain(StatusCode::SERVICE_UNAVAILABLE, "fault cleared\n"))
        }
        Fault::Slow => {
            // Never a quick 304: the point is a slow body.
            let mut headers = headers;
            headers.remove(header::IF_NONE_MATCH);
            let response = handle(State(site), method, uri, headers).await;
            with_region_headers(trickle(response, region.fault.subscribe()).await)
        }
        Fault::Oversized if is_feed => with_region_headers(endless_body()),
        Fault::WrongContentType if is_feed => with_region_headers(text(
            StatusCode::OK,
            "text/html; charset=utf-8",
            PORTAL_PAGE.to_owned(),
        )),
        Fault::Stale
        | Fault::Expired
        | Fault::BadSignature
        | Fault::UnknownKey
        | Fault::RevokedKey
        | Fault::Equivocating
        | Fault::Malformed
            if is_feed =>
        {
            let real = tokio::fs::read(region.site.dir.join("feed.note")).await;
            let forged = real
                .map_err(|e| format!("cannot read the real feed: {e}"))
                .and_then(|real| {
                    forged_feed(fault, &real, &region.keys, time::OffsetDateTime::now_utc())
                });
            match forged {
                Ok(bytes) => with_region_headers(
                    Response::builder()
                        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                        .header(header::CACHE_CONTROL, "no-cache")
                        .body(Body::from(bytes))
                        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "\n")),
                ),
                Err(why) => {
                    eprintln!("error: fault {}: {why}", fault.as_str());
                    with_region_headers(plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "fault injection failed\n",
                    ))
                }
            }
        }
        _ => handle(State(site), method, uri, headers).await,
    }
}

/// The response's body, one byte per second, until the mode changes.
async fn trickle(response: Response<Body>, changes: watch::Receiver<Fault>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "\n");
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let stream = futures_util::stream::unfold(
        (bytes, 0usize, changes),
        |(bytes, at, changes)| async move {
            if at >= bytes.len() || *changes.borrow() != Fault::Slow {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let chunk = bytes.slice(at..at + 1);
            Some((Ok::<_, std::io::Error>(chunk), (bytes, at + 1, changes)))
        },
    );
    Response::from_parts(parts, Body::from_stream(stream))
}

/// 2 MiB of text in 64 KiB chunks with no declared length: a reader must
/// cut it off by counting.
fn endless_body() -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    let stream = futures_util::stream::iter(
        (0..32).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'A'; CHUNK]))),
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "\n"))
}

async fn wait_for_shutdown() {
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

async fn handle(
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
fn with_region_headers(mut response: Response<Body>) -> Response<Body> {
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
    let path = if path.is_dir() {
        path.join("index.html")
    } else {
        path
    };
    let Ok(mut bytes) = tokio::fs::read(&path).await else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    if let SiteKind::Partner { app_origin } = &site.kind {
        if path.extension().is_some_and(|e| e == "html") {
            bytes = String::from_utf8_lossy(&bytes)
                .replace(SAMPLE_APP_ORIGIN, app_origin)
                .into_bytes();
        }
    }
    let etag = format!("\"{}\"", hex_prefix(&Sha256::digest(&bytes)));
    let cache = cache_control(&site.kind, &relative);
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache);
    let built = if not_modified {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        let builder = builder
            .header(header::CONTENT_TYPE, content_type(&path))
            .header(header::CONTENT_LENGTH, bytes.len());
        builder.body(if head {
            Body::empty()
        } else {
            Body::from(bytes)
        })
    };
    built.unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "\n"))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
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

/// Feeds and the app's entry points must always be revalidated; Trunk's
/// hashed assets may be cached briefly.
fn cache_control(kind: &SiteKind, path: &Path) -> &'static str {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match kind {
        // Full log tiles never change (C2SP tlog-tiles); partial ones and
        // the checkpoint do.
        SiteKind::Region { .. }
            if path.starts_with("log/tile")
                && !path
                    .components()
                    .any(|c| c.as_os_str().to_string_lossy().ends_with(".p")) =>
        {
            "public, max-age=31536000, immutable"
        }
        SiteKind::Region { .. } => "no-cache",
        SiteKind::App { .. } if matches!(name, "index.html" | "config.json" | "sw.js") => {
            "no-cache"
        }
        SiteKind::App { .. } => "public, max-age=300",
        SiteKind::Partner { .. } => "no-cache",
    }
}

pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        _ if path.file_name().is_some_and(|n| n == "checkpoint") => "text/plain; charset=utf-8",
        "note" | "txt" => "text/plain; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
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

    #[test]
    fn wasm_has_its_streaming_content_type() {
        assert_eq!(content_type(Path::new("a_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("feed.note")),
            "text/plain; charset=utf-8"
        );
    }
}

//! `bongsu serve`: region directories and the built app as static sites on
//! loopback ports, with the headers a status feed needs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use axum::Router;
use sha2::{Digest, Sha256};

use crate::error::CliError;

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
}

impl Site {
    fn label(&self) -> String {
        match &self.kind {
            SiteKind::Region { id } => format!("region {id}"),
            SiteKind::App { .. } => "app".to_owned(),
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

/// Binds every site, prints one line per site and then `ready`, and serves
/// until the process is interrupted.
pub async fn serve(sites: Vec<Site>) -> Result<(), CliError> {
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
        let listener = tokio::net::TcpListener::bind(&site.addr)
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
    writeln!(stdout, "ready")?;
    stdout.flush()?;
    drop(stdout);

    for (listener, site) in bound {
        let app = Router::new().fallback(handle).with_state(Arc::new(site));
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("error: server stopped: {error}");
            }
        });
    }
    wait_for_shutdown().await;
    Ok(())
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
    let mut response = match method {
        Method::GET | Method::HEAD => {
            serve_file(&site, uri.path(), &headers, method == Method::HEAD).await
        }
        Method::OPTIONS if is_region => plain(StatusCode::NO_CONTENT, ""),
        _ => plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served\n",
        ),
    };
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_region {
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
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let etag = format!("\"{}\"", hex_prefix(&Sha256::digest(&bytes)));
    let cache = cache_control(&site.kind, &path);
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
        SiteKind::Region { .. } => "no-cache",
        SiteKind::App { .. } if matches!(name, "index.html" | "config.json") => "no-cache",
        SiteKind::App { .. } => "public, max-age=300",
    }
}

pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
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

//! The demo's (and the tests') control endpoint: switch a region's fault,
//! step the Kakao replay, break a stand-in service.
//!
//! It can take the page off the air, so it is hard to reach by accident or
//! from a web page: it listens on loopback only; it takes `PUT` only (a
//! cross-site `POST` of a form or a `fetch` with `no-cors` is refused); it
//! refuses any request that carries an `Origin` header (browsers send one
//! on every cross-origin and every non-GET request; curl does not) or a
//! `Host` that is not loopback (DNS rebinding); and every request must
//! carry the random token printed at start, as `Authorization: Bearer`.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use axum::Router;
use tokio::net::TcpListener;

use super::fault::{unavailable, Fault};
use super::faulty_region::FaultyRegion;
use super::services::DemoServices;
use crate::error::CliError;
use crate::serve::{connections, Limits};

/// Runs (blocking) with the request body; `Ok` text is the answer, `Err` a
/// refusal.
pub type ReplayHook = Arc<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

/// What the endpoint controls.
pub struct Admin {
    pub regions: Vec<Arc<FaultyRegion>>,
    /// `PUT /replay` steps the demo's replay.
    pub replay: Option<ReplayHook>,
    /// `PUT /services/<id>/fault` breaks and repairs the demo's stand-ins.
    pub services: Option<Arc<DemoServices>>,
    pub token: String,
}

/// A token of 128 random bits, in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Binds `addr`, which must be a loopback address.
pub async fn bind(addr: &str) -> Result<TcpListener, CliError> {
    let parsed: SocketAddr = addr
        .parse()
        .map_err(|_| CliError::AdminAddress(addr.to_owned()))?;
    if !parsed.ip().is_loopback() {
        return Err(CliError::AdminAddress(addr.to_owned()));
    }
    TcpListener::bind(parsed)
        .await
        .map_err(|source| CliError::Listen {
            addr: addr.to_owned(),
            what: "the admin endpoint".to_owned(),
            source,
        })
}

/// Serves the endpoint on `listener` for as long as the process runs.
pub async fn serve(listener: TcpListener, admin: Admin) {
    let app = Router::new()
        .fallback(handle)
        .with_state(Arc::new(admin))
        .layer(axum::extract::DefaultBodyLimit::max(4096));
    connections::serve(listener, app, Limits::public(), std::future::pending()).await;
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Why a request is refused before anything else is looked at, if it is.
pub fn refusal(
    method: &Method,
    headers: &HeaderMap,
    token: &str,
) -> Option<(StatusCode, &'static str)> {
    if headers.contains_key(header::ORIGIN) {
        return Some((StatusCode::FORBIDDEN, "no requests from web pages\n"));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !is_loopback_host(host) {
        return Some((StatusCode::FORBIDDEN, "loopback only\n"));
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same(given.trim().as_bytes(), token.as_bytes()) {
        return Some((
            StatusCode::UNAUTHORIZED,
            "send the token printed at start: Authorization: Bearer <token>\n",
        ));
    }
    if method != Method::PUT {
        return Some((StatusCode::METHOD_NOT_ALLOWED, "PUT only\n"));
    }
    None
}

/// `127.0.0.1:8409`, `localhost:8409`, `[::1]:8409` (with or without port).
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn handle(
    State(admin): State<Arc<Admin>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    if let Some((status, why)) = refusal(&method, &headers, &admin.token) {
        return text(status, why.to_owned());
    }
    let wanted = String::from_utf8_lossy(&body).trim().to_owned();
    let path = uri.path().trim_end_matches('/');
    if path == "/replay" {
        let Some(hook) = admin.replay.clone() else {
            return text(StatusCode::NOT_FOUND, "no replay here\n".into());
        };
        return match tokio::task::spawn_blocking(move || hook(&wanted)).await {
            Ok(Ok(answer)) => text(StatusCode::OK, format!("{answer}\n")),
            Ok(Err(why)) => text(StatusCode::CONFLICT, format!("{why}\n")),
            Err(_) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the replay step failed\n".into(),
            ),
        };
    }
    if let (Some(id), Some(services)) = (
        path.strip_prefix("/services/")
            .and_then(|rest| rest.strip_suffix("/fault")),
        &admin.services,
    ) {
        return match services.set(id, &wanted) {
            Ok(answer) => text(StatusCode::OK, format!("{answer}\n")),
            Err(why) => text(StatusCode::NOT_FOUND, format!("{why}\n")),
        };
    }
    let Some(id) = path
        .strip_prefix("/regions/")
        .and_then(|rest| rest.strip_suffix("/fault"))
    else {
        return text(
            StatusCode::NOT_FOUND,
            "use PUT /regions/<id>/fault with a mode as the body, or PUT /replay\n".to_owned(),
        );
    };
    let Some(region) = admin.regions.iter().find(|r| r.id() == id) else {
        return text(StatusCode::NOT_FOUND, format!("no region `{id}`\n"));
    };
    let Some(fault) = Fault::parse(&wanted) else {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown fault mode `{wanted}`; use one of: {}\n",
                Fault::names()
            ),
        );
    };
    if let Some(why) = unavailable(fault, &region.forger, &region.variants) {
        return text(
            StatusCode::CONFLICT,
            format!("cannot switch {id} to {}: {why}\n", fault.as_str()),
        );
    }
    region.fault.send_replace(fault);
    // (Not println!: a reader of our output that has gone away is no
    // reason to fail the switch.)
    let _ = writeln!(
        std::io::stdout(),
        "fault: region {id} is now {}",
        fault.as_str()
    );
    text(StatusCode::OK, format!("{id} {}\n", fault.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn only_a_put_from_loopback_with_the_token_and_no_origin_gets_through() {
        let token = "0123abcd";
        let good = [
            (header::HOST, "127.0.0.1:8409"),
            (header::AUTHORIZATION, "Bearer 0123abcd"),
        ];
        assert_eq!(refusal(&Method::PUT, &headers(&good), token), None);
        let with = |extra: (header::HeaderName, &'static str)| {
            let mut h = headers(&good);
            h.insert(extra.0, HeaderValue::from_static(extra.1));
            refusal(&Method::PUT, &h, token).map(|(s, _)| s)
        };
        assert_eq!(
            with((header::ORIGIN, "https://evil.example")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(with((header::ORIGIN, "null")), Some(StatusCode::FORBIDDEN));
        assert_eq!(
            with((header::HOST, "evil.example:8409")),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            with((header::AUTHORIZATION, "Bearer 0123abce")),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            with((header::AUTHORIZATION, "0123abcd")),
            Some(StatusCode::UNAUTHORIZED)
        );
        for method in [Method::POST, Method::GET, Method::DELETE] {
            assert_eq!(
                refusal(&method, &headers(&good), token).map(|(s, _)| s),
                Some(StatusCode::METHOD_NOT_ALLOWED)
            );
        }
        for host in ["localhost:8409", "[::1]:8409", "127.0.0.1", "127.1.2.3:1"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "10.0.0.1:8409",
            "127.0.0.1.evil.example",
            "[2001:db8::1]:80",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}

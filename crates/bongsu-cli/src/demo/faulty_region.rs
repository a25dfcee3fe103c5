//! A region that can be switched into any [`Fault`] at run time: the
//! production region ([`crate::serve`]) behind a fault layer, for the demo
//! and the tests. `down` closes its port and opens it again on the same
//! address afterwards.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use super::fault::{forged_feed, Fault, Forger, PORTAL_PAGE};
use crate::serve::{connections, plain, site_router, with_region_headers, Limits, Site};
use crate::witness::server::Witness;

/// One region with a fault switch.
pub struct FaultyRegion {
    pub site: Site,
    pub fault: watch::Sender<Fault>,
    pub witness: Option<Arc<Witness>>,
    /// Where this region's pre-signed variants are (see [`super::fault::PRESIGNED`]).
    pub variants: PathBuf,
    pub forger: Arc<Forger>,
}

impl FaultyRegion {
    pub fn id(&self) -> &str {
        match &self.site.kind {
            crate::serve::SiteKind::Region { id } => id,
            _ => "",
        }
    }
}

/// Serves `region` on `listener` for as long as the process runs.
pub async fn run(listener: TcpListener, region: Arc<FaultyRegion>) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let mut listener = Some(listener);
    let mut faults = region.fault.subscribe();
    let healthy = site_router(Arc::new(region.site.clone()), region.witness.clone());
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
            .fallback(handle)
            .with_state((region.clone(), healthy.clone()));
        let mut down = region.fault.subscribe();
        // Down: stop accepting and close every connection.
        let until_down = async move {
            let _ = down.wait_for(|f| *f == Fault::Down).await;
        };
        connections::serve(current, app, Limits::public(), until_down).await;
    }
}

async fn bind_again(addr: std::net::SocketAddr) -> Option<TcpListener> {
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

/// A region's request, through whatever fault it is in.
async fn handle(
    State((region, healthy)): State<(Arc<FaultyRegion>, Router)>,
    request: Request,
) -> Response<Body> {
    let fault = *region.fault.borrow();
    let is_feed = request.uri().path().trim_start_matches('/') == "feed.note";
    let healthy_answer = |request: Request| async move {
        healthy
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {})
    };
    match fault {
        // Down is closing every connection. One the reader kept alive may
        // bring a request before its turn comes: it must not get the
        // healthy answer (a refresh right after the fault then showed the
        // region as verified, in about 1 CI run in 5). It waits instead,
        // and the reader sees the connection dropped.
        Fault::Down => std::future::pending().await,
        Fault::Blackhole => {
            // Hold the request until the mode changes; the reader's
            // deadline is what ends it.
            let mut changes = region.fault.subscribe();
            let _ = changes.changed().await;
            with_region_headers(plain(StatusCode::SERVICE_UNAVAILABLE, "fault cleared\n"))
        }
        Fault::Slow if request.method() == Method::GET => {
            // Never a quick 304: the point is a slow body.
            let mut request = request;
            request.headers_mut().remove(header::IF_NONE_MATCH);
            trickle(healthy_answer(request).await, region.fault.subscribe()).await
        }
        Fault::Oversized if is_feed => with_region_headers(endless_body()),
        Fault::WrongContentType if is_feed => with_region_headers(
            Response::builder()
                .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                .body(Body::from(PORTAL_PAGE))
                .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "\n")),
        ),
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
                .and_then(|real| forged_feed(fault, &real, &region.forger, &region.variants));
            match forged {
                Ok(bytes) => {
                    let mut response = Response::new(Body::from(bytes));
                    let h = response.headers_mut();
                    h.insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    );
                    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                    with_region_headers(response)
                }
                Err(why) => {
                    eprintln!("error: fault {}: {why}", fault.as_str());
                    with_region_headers(plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "fault injection failed\n",
                    ))
                }
            }
        }
        _ => healthy_answer(request).await,
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

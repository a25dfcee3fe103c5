//! Accepting and serving HTTP connections so that slow and abusive clients
//! cannot take a region off the air.
//!
//! A region is public by necessity, and a status page is needed most when
//! someone wants it gone. axum's own `serve` sets no timer, so hyper's
//! header timeout never fires and an idle connection is kept forever;
//! a thousand clients sending one header byte a minute then hold every file
//! descriptor. Here:
//!
//! - hyper reads each request head under [`Limits::header_timeout`];
//! - every connection is tracked, and a sweeper closes one that sent no
//!   complete request within the header timeout, or sat idle between
//!   requests longer than [`Limits::idle_timeout`], or kept one request
//!   open longer than [`Limits::request_timeout`];
//! - at [`Limits::max_connections`] (below the process's descriptor limit)
//!   a new connection first evicts the oldest one that has not sent a
//!   request, then the longest idle one: a reader whose request arrives in
//!   its first packet is always served, whatever the attackers hold. If
//!   every connection is busy, the new one is closed at once;
//! - an accept that fails for want of descriptors evicts one connection
//!   and retries after a moment, instead of axum's one-second sleep.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// How long connections may take, and how many there may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    /// For a complete request head (the first, and each after it).
    pub header_timeout: Duration,
    /// Between requests on a kept-alive connection.
    pub idle_timeout: Duration,
    /// From a request's head to the end of its response body: long enough
    /// for a phone on a congested network to download the app.
    pub request_timeout: Duration,
}

impl Limits {
    /// The defaults for a public region or app server: the connection cap
    /// leaves headroom below this process's file descriptor limit.
    pub fn public() -> Limits {
        Limits {
            max_connections: connection_cap(descriptor_limit()),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// Descriptors kept back for listeners, files being served and the rest.
const RESERVED_DESCRIPTORS: u64 = 64;

/// Connections allowed with `limit` open descriptors.
pub fn connection_cap(limit: u64) -> usize {
    let cap = limit.saturating_sub(RESERVED_DESCRIPTORS).clamp(16, 20_000);
    usize::try_from(cap).unwrap_or(20_000)
}

/// This process's soft limit on open files (1024 where it cannot be read).
fn descriptor_limit() -> u64 {
    #[cfg(unix)]
    if let Some(limit) = rustix::process::getrlimit(rustix::process::Resource::Nofile).current {
        return limit;
    }
    1024
}

/// One tracked connection.
struct Tracked {
    opened: Instant,
    /// Milliseconds since `opened` of the last request head or response end.
    last_active_ms: AtomicU64,
    /// Requests whose response has not finished.
    busy: AtomicUsize,
    /// Requests whose head arrived.
    requests: AtomicU64,
    /// When the current oldest open request began (ms since `opened`).
    busy_since_ms: AtomicU64,
    close: Notify,
}

impl Tracked {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn idle_for(&self) -> Duration {
        Duration::from_millis(
            self.elapsed_ms()
                .saturating_sub(self.last_active_ms.load(Ordering::Relaxed)),
        )
    }

    /// Why the sweeper should close it now, if it should.
    fn overdue(&self, limits: &Limits) -> bool {
        let busy = self.busy.load(Ordering::Relaxed) > 0;
        if self.requests.load(Ordering::Relaxed) == 0 {
            return self.opened.elapsed() > limits.header_timeout;
        }
        if busy {
            let since = self.busy_since_ms.load(Ordering::Relaxed);
            return Duration::from_millis(self.elapsed_ms().saturating_sub(since))
                > limits.request_timeout;
        }
        self.idle_for() > limits.idle_timeout
    }
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    open: BTreeMap<u64, Arc<Tracked>>,
}

impl Registry {
    /// Closes one connection to make room: the oldest that never sent a
    /// request, else the longest idle one. False when every one is busy.
    fn evict_one(&mut self) -> bool {
        let silent = self
            .open
            .iter()
            .filter(|(_, c)| c.requests.load(Ordering::Relaxed) == 0)
            .min_by_key(|(_, c)| c.opened)
            .map(|(id, _)| *id);
        let idle = || {
            self.open
                .iter()
                .filter(|(_, c)| c.busy.load(Ordering::Relaxed) == 0)
                .max_by_key(|(_, c)| c.idle_for())
                .map(|(id, _)| *id)
        };
        match silent.or_else(idle) {
            Some(id) => {
                if let Some(c) = self.open.remove(&id) {
                    c.close.notify_one();
                }
                true
            }
            None => false,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves;
/// then stops accepting and closes every connection.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Arc::new(Mutex::new(Registry::default()));
    let sweeper = tokio::spawn(sweep(registry.clone(), limits));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of descriptors (or a connection reset before we took
                // it): make room and try again shortly.
                if is_resource_error(&error) {
                    lock(&registry).evict_one();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let tracked = {
            let mut r = lock(&registry);
            if r.open.len() >= limits.max_connections && !r.evict_one() {
                // Every connection is serving a request: refuse this one.
                continue;
            }
            r.next_id += 1;
            let id = r.next_id;
            let tracked = Arc::new(Tracked {
                opened: Instant::now(),
                last_active_ms: AtomicU64::new(0),
                busy: AtomicUsize::new(0),
                requests: AtomicU64::new(0),
                busy_since_ms: AtomicU64::new(0),
                close: Notify::new(),
            });
            r.open.insert(id, tracked.clone());
            (id, tracked)
        };
        tokio::spawn(connection(
            stream,
            app.clone(),
            limits,
            tracked,
            registry.clone(),
        ));
    }
    sweeper.abort();
    drop(listener);
    let open: Vec<Arc<Tracked>> = lock(&registry).open.values().cloned().collect();
    for c in open {
        c.close.notify_one();
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    app: Router,
    limits: Limits,
    (id, tracked): (u64, Arc<Tracked>),
    registry: Arc<Mutex<Registry>>,
) {
    let _ = stream.set_nodelay(true);
    let on_request = tracked.clone();
    let service = app.map_request(move |request: Request<hyper::body::Incoming>| {
        let t = &on_request;
        let now = t.elapsed_ms();
        if t.busy.fetch_add(1, Ordering::Relaxed) == 0 {
            t.busy_since_ms.store(now, Ordering::Relaxed);
        }
        t.requests.fetch_add(1, Ordering::Relaxed);
        t.last_active_ms.store(now, Ordering::Relaxed);
        request
    });
    let on_response = tracked.clone();
    let service = service.map_response(move |response: Response<Body>| {
        let guard = BusyGuard(on_response.clone());
        let (parts, body) = response.into_parts();
        Response::from_parts(
            parts,
            Body::new(Guarded {
                body,
                _guard: guard,
            }),
        )
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::select! {
        _ = served => {}
        () = tracked.close.notified() => {}
    }
    lock(&registry).open.remove(&id);
}

/// Marks a request finished when its response body is done (or dropped).
struct BusyGuard(Arc<Tracked>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let t = &self.0;
        t.last_active_ms.store(t.elapsed_ms(), Ordering::Relaxed);
        t.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that holds a [`BusyGuard`] until it is finished.
struct Guarded {
    body: Body,
    _guard: BusyGuard,
}

impl http_body::Body for Guarded {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Closes connections that overstayed, once a second.
async fn sweep(registry: Arc<Mutex<Registry>>, limits: Limits) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut r = lock(&registry);
        let overdue: Vec<u64> = r
            .open
            .iter()
            .filter(|(_, c)| c.overdue(&limits))
            .map(|(id, _)| *id)
            .collect();
        for id in overdue {
            if let Some(c) = r.open.remove(&id) {
                c.close.notify_one();
            }
        }
    }
}

fn is_resource_error(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        let resource = [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM];
        if resource
            .iter()
            .any(|e| error.raw_os_error() == Some(e.raw_os_error()))
        {
            return true;
        }
    }
    let _ = error;
    false
}

fn lock(registry: &Mutex<Registry>) -> std::sync::MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_below_the_descriptor_limit() {
        assert_eq!(connection_cap(1024), 960);
        assert_eq!(connection_cap(20), 16);
        assert_eq!(connection_cap(u64::MAX), 20_000);
    }

    fn tracked(requests: u64, busy: usize, age_ms: u64) -> Arc<Tracked> {
        Arc::new(Tracked {
            opened: Instant::now() - Duration::from_millis(age_ms),
            last_active_ms: AtomicU64::new(0),
            busy: AtomicUsize::new(busy),
            requests: AtomicU64::new(requests),
            busy_since_ms: AtomicU64::new(0),
            close: Notify::new(),
        })
    }

    #[test]
    fn eviction_takes_the_silent_first_then_the_idle_never_the_busy() {
        let mut r = Registry::default();
        r.open.insert(1, tracked(3, 1, 50_000)); // busy
        r.open.insert(2, tracked(2, 0, 40_000)); // idle since it opened
        r.open.insert(3, tracked(0, 0, 30_000)); // never sent a request
        r.open.insert(4, tracked(0, 0, 10_000));
        assert!(r.evict_one());
        assert!(!r.open.contains_key(&3), "the oldest silent one goes first");
        assert!(r.evict_one());
        assert!(!r.open.contains_key(&4));
        assert!(r.evict_one());
        assert!(!r.open.contains_key(&2), "then the idle one");
        assert!(!r.evict_one(), "a busy connection is never evicted");
        assert!(r.open.contains_key(&1));
    }

    #[test]
    fn overdue_connections_are_named_by_what_they_failed_to_do() {
        let limits = Limits {
            max_connections: 10,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
        };
        assert!(tracked(0, 0, 11_000).overdue(&limits), "no request in time");
        assert!(!tracked(0, 0, 5_000).overdue(&limits));
        assert!(tracked(1, 0, 31_000).overdue(&limits), "idle too long");
        assert!(!tracked(1, 1, 31_000).overdue(&limits), "serving");
        assert!(
            tracked(1, 1, 121_000).overdue(&limits),
            "one request too long"
        );
    }
}

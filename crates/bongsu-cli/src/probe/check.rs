//! The single checks a regional probe runs against a service's endpoints: an
//! HTTP GET, a TCP connect or a name lookup, timed and reduced to an
//! [`ErrorClass`]. Only the class leaves this module, never the raw error,
//! so nothing about the probe's network ends up in a signed observation.
//!
//! HTTP goes through ureq (blocking, on tokio's blocking pool) with its own
//! resolver wrapper, because std reports a failed lookup as an uncategorized
//! `io::Error` that looks like any other socket error once ureq returns it.

use std::io;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bongsu_core::probe::ErrorClass;
use tokio::net::{lookup_host, TcpStream, ToSocketAddrs};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Sent with every HTTP check, so operators can tell probe traffic apart.
const USER_AGENT: &str = concat!("bongsu-probe/", env!("CARGO_PKG_VERSION"));

/// One check of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// GET `url` (http or https); passes when the status is `expect_status`
    /// and the status line and headers arrived within `max_latency`. The body
    /// is never read. Redirects are not followed: a redirect is the answer.
    Http {
        url: String,
        expect_status: u16,
        max_latency: Duration,
    },
    /// A TCP connection to `addr` ("host:port") opens.
    Tcp { addr: String },
    /// `name` resolves to at least one address.
    Dns { name: String },
}

/// What one check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// From the start of the check to its answer or failure (capped at the timeout).
    pub latency: Duration,
    /// None when the check passed.
    pub error: Option<ErrorClass>,
}

impl Check {
    /// Whether the check can be run at all, so that a probe rejects a bad
    /// configuration when it loads instead of reporting it as an outage on
    /// every round (`run` classes a malformed check as `Connection`).
    pub fn validate(&self) -> Result<(), &'static str> {
        match self {
            Check::Http {
                url, expect_status, ..
            } => {
                if !(100..=599).contains(expect_status) {
                    return Err("expected HTTP status must be 100-599");
                }
                validate_url(url)
            }
            Check::Tcp { addr } => match addr.rsplit_once(':') {
                Some((host, port))
                    if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0) =>
                {
                    Ok(())
                }
                _ => Err("TCP address must be host:port"),
            },
            Check::Dns { name } => {
                let bad = name.is_empty() || name.len() > 253 || name.contains(char::is_whitespace);
                if bad {
                    Err("DNS name must be a host name")
                } else {
                    Ok(())
                }
            }
        }
    }
}

fn validate_url(url: &str) -> Result<(), &'static str> {
    let uri: Uri = url.parse().map_err(|_| "URL does not parse")?;
    let web = |s: &str| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https");
    if !uri.scheme_str().is_some_and(web) {
        return Err("URL must be http:// or https://");
    }
    match uri.host() {
        Some(host) if !host.is_empty() => Ok(()),
        _ => Err("URL has no host"),
    }
}

/// Runs `check`, never taking longer than `timeout` (plus scheduling), never panicking.
pub async fn run(check: &Check, timeout: Duration) -> Outcome {
    let start = Instant::now();
    let result = tokio::time::timeout(timeout, attempt(check, timeout)).await;
    let latency = start.elapsed().min(timeout);
    let error = match result {
        Err(_elapsed) => Some(ErrorClass::Timeout),
        Ok(Err(class)) => Some(class),
        Ok(Ok(())) => match check {
            Check::Http { max_latency, .. } if latency > *max_latency => Some(ErrorClass::Slow),
            _ => None,
        },
    };
    Outcome { latency, error }
}

/// The check itself, without the deadline: `run` owns that.
async fn attempt(check: &Check, timeout: Duration) -> Result<(), ErrorClass> {
    match check {
        Check::Http {
            url, expect_status, ..
        } => match http_status(url, timeout).await? {
            status if status == *expect_status => Ok(()),
            _ => Err(ErrorClass::HttpStatus),
        },
        Check::Tcp { addr } => tcp_connect(addr.as_str()).await,
        Check::Dns { name } => resolve((name.as_str(), 0)).await.map(drop),
    }
}

/// The status of a GET of `url`. ureq blocks, so it runs on the blocking
/// pool; its own timeout frees that thread when `run` has stopped waiting.
async fn http_status(url: &str, timeout: Duration) -> Result<u16, ErrorClass> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || get_status(&url, timeout))
        .await
        // A panic inside ureq is a failed check, not a failed probe.
        .unwrap_or(Err(ErrorClass::Connection))
}

fn get_status(url: &str, timeout: Duration) -> Result<u16, ErrorClass> {
    let request = agent()
        .get(url)
        .config()
        .timeout_global(Some(timeout))
        .build();
    match request.call() {
        // Dropping the response unread closes the connection: the head is the answer.
        Ok(response) => Ok(response.status().as_u16()),
        Err(error) => Err(classify_http(error, is_https(url))),
    }
}

/// One agent for every HTTP check; it keeps the TLS configuration, not connections.
fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // The redirect is the answer; following it would check another endpoint.
            .max_redirects(0)
            // A fresh connection each time, so connect and TLS are measured and
            // a dead server cannot hide behind a pooled socket.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            // The probe reports what its region sees, not what a proxy in the
            // environment (HTTP_PROXY) sees.
            .proxy(None)
            .user_agent(USER_AGENT)
            .build();
        ureq::Agent::with_parts(config, DefaultConnector::new(), NamingResolver::default())
    })
}

/// ureq's resolver, with every lookup error reported as `HostNotFound`.
/// (The resolver API is outside ureq's semver promise; Cargo.lock pins ureq,
/// so a change there breaks the build, not the classification.)
#[derive(Debug, Default)]
struct NamingResolver(DefaultResolver);

impl Resolver for NamingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0
            .resolve(uri, config, timeout)
            .map_err(|error| match error {
                ureq::Error::Io(_) => ureq::Error::HostNotFound,
                other => other,
            })
    }
}

fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

fn classify_http(error: ureq::Error, https: bool) -> ErrorClass {
    use ureq::Error as E;
    match error {
        E::Timeout(_) => ErrorClass::Timeout,
        E::HostNotFound => ErrorClass::Dns,
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => ErrorClass::Tls,
        // rustls reports every TLS failure (alerts, certificates, a peer
        // that does not speak TLS) as InvalidData through the io layer.
        E::Io(e) if https && e.kind() == io::ErrorKind::InvalidData => ErrorClass::Tls,
        E::Io(e) => classify_io(&e),
        // Not produced with http_status_as_error(false); still a status.
        E::StatusCode(_) => ErrorClass::HttpStatus,
        // Malformed answers (Protocol), bad URLs and the like.
        _ => ErrorClass::Connection,
    }
}

fn classify_io(error: &io::Error) -> ErrorClass {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => ErrorClass::Refused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorClass::Timeout,
        _ => ErrorClass::Connection,
    }
}

/// Opens a connection to the first address of `addr` that accepts. Resolved
/// apart from connecting, since tokio would report a failed lookup as an
/// uncategorized io error too.
async fn tcp_connect(addr: &str) -> Result<(), ErrorClass> {
    let mut last = ErrorClass::Connection;
    for target in resolve(addr).await? {
        match TcpStream::connect(target).await {
            Ok(_stream) => return Ok(()),
            Err(error) => last = classify_io(&error),
        }
    }
    Err(last)
}

async fn resolve(target: impl ToSocketAddrs) -> Result<Vec<SocketAddr>, ErrorClass> {
    let addrs: Vec<_> = lookup_host(target)
        .await
        .map_err(|_| ErrorClass::Dns)?
        .collect();
    if addrs.is_empty() {
        Err(ErrorClass::Dns)
    } else {
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener};

    const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    const SECOND: Duration = Duration::from_secs(1);

    /// How a test server answers each connection.
    #[derive(Clone)]
    enum Reply {
        /// After the delay, these raw bytes, then a clean close.
        After(Duration, String),
        /// These raw bytes, then the connection stays open and silent.
        Stall(String),
        /// Reads the request and never answers.
        Silence,
        /// Closes at once, without reading.
        Hangup,
    }

    /// A server on std threads (the CLI's tokio has no io-util), which also
    /// keeps it apart from the runtime under test.
    fn server(reply: Reply) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let reply = reply.clone();
                std::thread::spawn(move || answer(stream, reply));
            }
        });
        addr
    }

    fn answer(mut stream: std::net::TcpStream, reply: Reply) {
        if matches!(reply, Reply::Hangup) {
            return;
        }
        read_request(&mut stream);
        match reply {
            Reply::After(delay, raw) => {
                std::thread::sleep(delay);
                let _ = stream.write_all(raw.as_bytes());
                let _ = stream.shutdown(Shutdown::Write);
                // Drain until the client closes, so that unread bytes never
                // turn the close into a reset.
                let _ = stream.set_read_timeout(Some(5 * SECOND));
                let _ = std::io::copy(&mut stream, &mut std::io::sink());
            }
            Reply::Stall(raw) => {
                let _ = stream.write_all(raw.as_bytes());
                // Silent until the client gives up.
                let _ = std::io::copy(&mut stream, &mut std::io::sink());
            }
            Reply::Silence => {
                let _ = std::io::copy(&mut stream, &mut std::io::sink());
            }
            Reply::Hangup => {}
        }
    }

    /// Reads an HTTP request head, or the first chunk of anything else (a
    /// TLS ClientHello has no blank line to wait for).
    fn read_request(stream: &mut std::net::TcpStream) {
        let mut head = Vec::new();
        let mut buf = [0; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            head.extend_from_slice(&buf[..n]);
            if !head.starts_with(b"GET ") || head.windows(4).any(|w| w == b"\r\n\r\n") {
                return;
            }
        }
    }

    /// An address where nothing listens: bound once, then released.
    fn refused_addr() -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }

    fn http(url: String, expect_status: u16, max_latency: Duration) -> Check {
        Check::Http {
            url,
            expect_status,
            max_latency,
        }
    }

    fn status(code: u16, reason: &str) -> String {
        format!("HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    #[tokio::test]
    async fn http_expected_status_passes_with_its_latency() {
        let addr = server(Reply::After(Duration::from_millis(30), OK.into()));
        let outcome = run(&http(format!("http://{addr}/health"), 200, SECOND), SECOND).await;
        assert_eq!(outcome.error, None);
        assert!(outcome.latency >= Duration::from_millis(30), "{outcome:?}");
        assert!(outcome.latency < SECOND, "{outcome:?}");
    }

    #[tokio::test]
    async fn http_server_error_is_http_status() {
        let addr = server(Reply::After(
            Duration::ZERO,
            status(500, "Internal Server Error"),
        ));
        let outcome = run(&http(format!("http://{addr}/"), 200, SECOND), SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::HttpStatus));
    }

    #[tokio::test]
    async fn http_other_success_status_is_http_status() {
        let addr = server(Reply::After(Duration::ZERO, OK.into()));
        let outcome = run(&http(format!("http://{addr}/"), 204, SECOND), SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::HttpStatus));
    }

    #[tokio::test]
    async fn http_redirect_is_the_answer_and_not_followed() {
        // Following the redirect would end in a refused connection.
        let location = format!("http://{}/", refused_addr());
        let raw = format!(
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let addr = server(Reply::After(Duration::ZERO, raw));
        let outcome = run(&http(format!("http://{addr}/"), 302, SECOND), SECOND).await;
        assert_eq!(outcome.error, None);
    }

    #[tokio::test]
    async fn http_refused() {
        let url = format!("http://{}/", refused_addr());
        let outcome = run(&http(url, 200, SECOND), SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::Refused));
    }

    #[tokio::test]
    async fn http_silent_server_times_out_on_time() {
        let addr = server(Reply::Silence);
        let timeout = Duration::from_millis(300);
        let started = Instant::now();
        let outcome = run(&http(format!("http://{addr}/"), 200, SECOND), timeout).await;
        let elapsed = started.elapsed();
        assert_eq!(outcome.error, Some(ErrorClass::Timeout));
        assert_eq!(outcome.latency, timeout);
        assert!(elapsed >= timeout && elapsed < 2 * SECOND, "{elapsed:?}");
    }

    #[tokio::test]
    async fn http_late_answer_within_timeout_is_slow() {
        let addr = server(Reply::After(Duration::from_millis(250), OK.into()));
        let check = http(format!("http://{addr}/"), 200, Duration::from_millis(50));
        let outcome = run(&check, 2 * SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::Slow));
        assert!(outcome.latency >= Duration::from_millis(250), "{outcome:?}");
    }

    #[tokio::test]
    async fn http_late_answer_past_timeout_is_timeout() {
        let addr = server(Reply::After(Duration::from_millis(250), OK.into()));
        let check = http(format!("http://{addr}/"), 200, Duration::from_millis(50));
        let outcome = run(&check, Duration::from_millis(100)).await;
        assert_eq!(outcome.error, Some(ErrorClass::Timeout));
        assert_eq!(outcome.latency, Duration::from_millis(100));
    }

    #[tokio::test]
    async fn http_wrong_status_outranks_slow() {
        let addr = server(Reply::After(
            Duration::from_millis(100),
            status(503, "Unavailable"),
        ));
        let check = http(format!("http://{addr}/"), 200, Duration::from_millis(10));
        let outcome = run(&check, SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::HttpStatus));
    }

    #[tokio::test]
    async fn http_does_not_wait_for_the_body() {
        // A head promising a large body that never comes: the head is the answer.
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\npartial".to_owned();
        let addr = server(Reply::Stall(head));
        let outcome = run(&http(format!("http://{addr}/"), 200, SECOND), SECOND).await;
        assert_eq!(outcome.error, None);
        assert!(outcome.latency < SECOND, "{outcome:?}");
    }

    #[tokio::test]
    async fn http_hangup_is_connection() {
        let addr = server(Reply::Hangup);
        let outcome = run(&http(format!("http://{addr}/"), 200, SECOND), SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::Connection));
    }

    #[tokio::test]
    async fn http_garbage_answer_is_connection() {
        let addr = server(Reply::After(Duration::ZERO, "garbage\r\n\r\n".into()));
        let outcome = run(&http(format!("http://{addr}/"), 200, SECOND), SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::Connection));
    }

    #[tokio::test]
    async fn https_to_plain_http_server_fails_tls_or_connection() {
        let addr = server(Reply::After(Duration::ZERO, status(400, "Bad Request")));
        let outcome = run(&http(format!("https://{addr}/"), 200, SECOND), SECOND).await;
        assert!(
            matches!(
                outcome.error,
                Some(ErrorClass::Tls | ErrorClass::Connection)
            ),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn http_unresolvable_host_is_dns_or_timeout() {
        let check = http("http://nonexistent.invalid/".into(), 200, SECOND);
        let outcome = run(&check, Duration::from_millis(500)).await;
        assert!(
            matches!(outcome.error, Some(ErrorClass::Dns | ErrorClass::Timeout)),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn http_malformed_url_fails_without_panicking() {
        for url in ["", "not a url", "ftp://127.0.0.1/", "http://"] {
            let outcome = run(&http(url.into(), 200, SECOND), SECOND).await;
            assert_eq!(outcome.error, Some(ErrorClass::Connection), "{url:?}");
        }
    }

    #[tokio::test]
    async fn zero_timeout_is_timeout() {
        let addr = server(Reply::After(Duration::ZERO, OK.into()));
        let outcome = run(
            &http(format!("http://{addr}/"), 200, SECOND),
            Duration::ZERO,
        )
        .await;
        assert_eq!(outcome.error, Some(ErrorClass::Timeout));
        assert_eq!(outcome.latency, Duration::ZERO);
    }

    #[tokio::test]
    async fn tcp_open_port_passes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let outcome = run(&Check::Tcp { addr }, SECOND).await;
        assert_eq!(outcome.error, None);
        assert!(outcome.latency < SECOND);
    }

    #[tokio::test]
    async fn tcp_refused() {
        let addr = refused_addr().to_string();
        let outcome = run(&Check::Tcp { addr }, SECOND).await;
        assert_eq!(outcome.error, Some(ErrorClass::Refused));
    }

    #[tokio::test]
    async fn tcp_unresolvable_host_is_dns_or_timeout() {
        let addr = "nonexistent.invalid:80".to_owned();
        let outcome = run(&Check::Tcp { addr }, Duration::from_millis(500)).await;
        assert!(
            matches!(outcome.error, Some(ErrorClass::Dns | ErrorClass::Timeout)),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn dns_localhost_resolves() {
        let outcome = run(
            &Check::Dns {
                name: "localhost".into(),
            },
            SECOND,
        )
        .await;
        assert_eq!(outcome.error, None);
    }

    #[tokio::test]
    async fn dns_unresolvable_is_dns_or_timeout() {
        let name = "nonexistent.invalid".to_owned();
        let outcome = run(&Check::Dns { name }, Duration::from_millis(500)).await;
        assert!(
            matches!(outcome.error, Some(ErrorClass::Dns | ErrorClass::Timeout)),
            "{outcome:?}"
        );
    }

    #[test]
    fn io_errors_are_classified_by_kind() {
        let io = |kind| ureq::Error::Io(io::Error::from(kind));
        let cases = [
            (
                io(io::ErrorKind::ConnectionRefused),
                false,
                ErrorClass::Refused,
            ),
            (io(io::ErrorKind::TimedOut), false, ErrorClass::Timeout),
            (
                io(io::ErrorKind::ConnectionReset),
                false,
                ErrorClass::Connection,
            ),
            (
                io(io::ErrorKind::UnexpectedEof),
                true,
                ErrorClass::Connection,
            ),
            (io(io::ErrorKind::InvalidData), true, ErrorClass::Tls),
            (
                io(io::ErrorKind::InvalidData),
                false,
                ErrorClass::Connection,
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                false,
                ErrorClass::Timeout,
            ),
            (ureq::Error::HostNotFound, false, ErrorClass::Dns),
            (ureq::Error::Tls("bad certificate"), true, ErrorClass::Tls),
            (
                ureq::Error::BadUri("x".into()),
                false,
                ErrorClass::Connection,
            ),
        ];
        for (error, https, class) in cases {
            let shown = error.to_string();
            assert_eq!(classify_http(error, https), class, "{shown}");
        }
    }

    #[test]
    fn https_is_recognised_in_any_case() {
        assert!(is_https("https://example.com/"));
        assert!(is_https("HTTPS://example.com/"));
        assert!(!is_https("http://example.com/"));
        assert!(!is_https("https"));
    }

    #[test]
    fn validate_accepts_good_checks_and_names_bad_ones() {
        let good = [
            http("https://status.example.com/health".into(), 200, SECOND),
            http("http://127.0.0.1:8080/".into(), 302, SECOND),
            Check::Tcp {
                addr: "db.example.com:5432".into(),
            },
            Check::Tcp {
                addr: "[::1]:22".into(),
            },
            Check::Dns {
                name: "example.com".into(),
            },
        ];
        for check in good {
            assert_eq!(check.validate(), Ok(()), "{check:?}");
        }
        let bad = [
            http("ftp://example.com/".into(), 200, SECOND),
            http("example.com/health".into(), 200, SECOND),
            http("http://".into(), 200, SECOND),
            http("https://example.com/".into(), 42, SECOND),
            Check::Tcp {
                addr: "example.com".into(),
            },
            Check::Tcp { addr: ":80".into() },
            Check::Tcp {
                addr: "example.com:0".into(),
            },
            Check::Tcp {
                addr: "example.com:http".into(),
            },
            Check::Dns {
                name: String::new(),
            },
            Check::Dns {
                name: "two words".into(),
            },
        ];
        for check in bad {
            assert!(check.validate().is_err(), "{check:?}");
        }
    }
}

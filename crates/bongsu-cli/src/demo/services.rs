//! The demo's stand-ins for the real services: one small HTTP server per
//! service on loopback, which the demo's probes check and which can be
//! broken and repaired at run time (`PUT /services/<id>/fault` on the admin
//! endpoint), so the page's measured status changes for real.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How a stand-in service behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceFault {
    /// `200 OK` at once.
    Healthy,
    /// `500 Internal Server Error`.
    Error,
    /// `200 OK` after [`SLOW_ANSWER`], past the probes' latency threshold.
    Slow,
    /// Accepts the connection and never answers.
    Hang,
    /// Nothing listens: connections are refused.
    Down,
}

/// Slower than the demo probes' 1 s latency threshold, within their timeout.
pub const SLOW_ANSWER: Duration = Duration::from_millis(1500);

impl ServiceFault {
    pub const ALL: [ServiceFault; 5] = [
        ServiceFault::Healthy,
        ServiceFault::Error,
        ServiceFault::Slow,
        ServiceFault::Hang,
        ServiceFault::Down,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceFault::Healthy => "healthy",
            ServiceFault::Error => "error",
            ServiceFault::Slow => "slow",
            ServiceFault::Hang => "hang",
            ServiceFault::Down => "down",
        }
    }

    pub fn parse(text: &str) -> Option<ServiceFault> {
        let text = text.trim();
        // "repair" and "break" are what a person types; they mean healthy and down.
        match text {
            "repair" => Some(ServiceFault::Healthy),
            "break" => Some(ServiceFault::Down),
            _ => Self::ALL.into_iter().find(|f| f.as_str() == text),
        }
    }

    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

/// The running stand-ins, by service id.
pub struct DemoServices {
    services: BTreeMap<String, (SocketAddr, watch::Sender<ServiceFault>)>,
}

impl DemoServices {
    /// Every service's mode (for the tests).
    #[cfg(test)]
    pub fn modes(&self) -> BTreeMap<String, &'static str> {
        self.services
            .iter()
            .map(|(id, (_, tx))| (id.clone(), tx.borrow().as_str()))
            .collect()
    }

    /// Starts one server per `(service id, address)`, each in `initial` mode.
    pub fn start(services: &[(String, SocketAddr)], initial: ServiceFault) -> Arc<DemoServices> {
        let mut running = BTreeMap::new();
        for (id, addr) in services {
            let (tx, rx) = watch::channel(initial);
            tokio::spawn(serve_service(*addr, rx));
            running.insert(id.clone(), (*addr, tx));
        }
        Arc::new(DemoServices { services: running })
    }

    /// Switches one service; the answer or refusal is for the admin endpoint.
    pub fn set(&self, id: &str, wanted: &str) -> Result<String, String> {
        let Some((_, tx)) = self.services.get(id) else {
            let known: Vec<&str> = self.services.keys().map(String::as_str).collect();
            return Err(format!(
                "no service `{id}`; the demo runs: {}",
                known.join(", ")
            ));
        };
        let Some(fault) = ServiceFault::parse(wanted) else {
            return Err(format!(
                "unknown mode `{}`; use break, repair or one of: {}",
                wanted.trim(),
                ServiceFault::names()
            ));
        };
        tx.send_replace(fault);
        println!("service {id} is now {}", fault.as_str());
        Ok(format!("{id} {}", fault.as_str()))
    }

    /// Sets every listed service at once (the replay follows the timeline).
    pub fn set_all(&self, modes: &BTreeMap<String, ServiceFault>) {
        for (id, fault) in modes {
            if let Some((_, tx)) = self.services.get(id) {
                tx.send_if_modified(|f| std::mem::replace(f, *fault) != *fault);
            }
        }
    }
}

/// Serves while the mode is not `Down`; stops listening while it is.
async fn serve_service(addr: SocketAddr, mut fault: watch::Receiver<ServiceFault>) {
    loop {
        while *fault.borrow_and_update() == ServiceFault::Down {
            if fault.changed().await.is_err() {
                return;
            }
        }
        let Some(listener) = bind(addr).await else {
            return;
        };
        let app = Router::new().fallback({
            let fault = fault.clone();
            move || answer(fault.clone())
        });
        let mut down = fault.clone();
        tokio::select! {
            _ = axum::serve(listener, app) => return,
            _ = down.wait_for(|f| *f == ServiceFault::Down) => {}
        }
    }
}

/// Binds, retrying briefly: a listener just dropped may still hold the port.
async fn bind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..50 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return Some(listener);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("error: the demo service on {addr} could not listen again");
    None
}

async fn answer(mut fault: watch::Receiver<ServiceFault>) -> Response<Body> {
    let mode = *fault.borrow_and_update();
    match mode {
        ServiceFault::Healthy | ServiceFault::Down => plain(StatusCode::OK, "ok\n"),
        ServiceFault::Error => plain(StatusCode::INTERNAL_SERVER_ERROR, "broken on purpose\n"),
        ServiceFault::Slow => {
            tokio::time::sleep(SLOW_ANSWER).await;
            plain(StatusCode::OK, "ok, slowly\n")
        }
        ServiceFault::Hang => {
            // Held until the mode changes, so a repair also frees hung requests.
            let _ = fault.changed().await;
            plain(StatusCode::SERVICE_UNAVAILABLE, "was hung\n")
        }
    }
}

fn plain(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::check::{run, Check};
    use bongsu_core::probe::ErrorClass;

    async fn free_addr() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    }

    async fn check(addr: SocketAddr) -> Option<ErrorClass> {
        let check = Check::Http {
            url: format!("http://{addr}/health"),
            expect_status: 200,
            max_latency: Duration::from_millis(1000),
        };
        run(&check, Duration::from_millis(2500)).await.error
    }

    /// Waits for a mode change to take effect (a re-bind takes a moment).
    async fn settles(addr: SocketAddr, expected: Option<ErrorClass>) {
        for _ in 0..50 {
            if check(addr).await == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{addr} never answered as {expected:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_mode_is_what_a_probe_sees() {
        let addr = free_addr().await;
        let services = DemoServices::start(&[("talk".into(), addr)], ServiceFault::Healthy);
        settles(addr, None).await;
        let expected = [
            ("error", Some(ErrorClass::HttpStatus)),
            ("slow", Some(ErrorClass::Slow)),
            ("hang", Some(ErrorClass::Timeout)),
            ("break", Some(ErrorClass::Refused)),
            ("repair", None),
        ];
        for (mode, class) in expected {
            services.set("talk", mode).unwrap();
            settles(addr, class).await;
        }
        assert!(services
            .set("talk", "melt")
            .unwrap_err()
            .contains("unknown mode"));
        assert!(services
            .set("pay", "break")
            .unwrap_err()
            .contains("no service"));
        assert_eq!(services.modes()["talk"], "healthy");
    }
}

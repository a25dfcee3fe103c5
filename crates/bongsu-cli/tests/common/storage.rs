//! Real storage servers on loopback for the publish tests, started and
//! stopped by the tests themselves: moto's S3 server (pip, pinned in
//! xtask/storage/requirements.txt) and Microsoft's Azurite (npm, pinned in
//! e2e/package.json), both installed by `cargo xtask setup`. And a proxy
//! that counts the writes passing through it and can stop a server in the
//! middle of a publish.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn missing(what: &str, path: &Path) -> ! {
    panic!(
        "{what} is not installed at {}: run `cargo xtask setup` (the README's test command does)",
        path.display()
    )
}

/// Reads lines from `stream` until one contains `marker` followed by an
/// http:// URL; returns the URL.
fn wait_for_url(stream: impl Read + Send + 'static, marker: &str) -> String {
    let mut lines = BufReader::new(stream).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let Ok(line) = line else { break };
        if line.contains(marker) {
            if let Some(at) = line.find("http://") {
                let url: String = line[at..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                // Keep draining, so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return url.trim_end_matches('/').to_owned();
            }
        }
        seen.push(line);
    }
    panic!(
        "the server never said `{marker}`; it said:\n{}",
        seen.join("\n")
    )
}

/// A running server process, stopped on drop.
pub struct Process(Child);

impl Process {
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// moto's S3 server.
pub struct Moto {
    pub process: Process,
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl Moto {
    pub fn start() -> Moto {
        let dir = repo_root().join("target/storage-emulators/moto");
        if !dir.join("moto").is_dir() {
            missing("moto (the S3-compatible server)", &dir);
        }
        let mut child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
            .env("PYTHONPATH", &dir)
            // Without it, every response reflects any Origin (flask-cors):
            // CORS must come from the bucket's own rules, as on S3.
            .env("MOTO_DISABLE_GLOBAL_CORS", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start moto");
        let stderr = child.stderr.take().expect("moto's stderr");
        let process = Process(child);
        let url = wait_for_url(stderr, "Running on");
        Moto { process, url }
    }

    /// A bucket that anyone may read, with the CORS rules a status page's
    /// regions need.
    pub fn bucket(&self, name: &str) -> String {
        let agent = agent();
        let put = |path: &str, content_type: &str, body: &str| {
            let response = agent
                .put(&format!("{}/{path}", self.url))
                .header("Content-Type", content_type)
                .send(body)
                .unwrap();
            assert!(
                response.status().is_success(),
                "moto {path}: {}",
                response.status()
            );
        };
        put(name, "application/xml", "");
        put(
            &format!("{name}?policy"),
            "application/json",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{name}/*"}}]}}"#
            ),
        );
        put(
            &format!("{name}?cors"),
            "application/xml",
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>",
        );
        format!("{}/{name}", self.url)
    }

    /// Writes an object as anyone with the bucket's credentials could.
    pub fn put_object(&self, bucket: &str, key: &str, body: &[u8]) {
        let response = agent()
            .put(&format!("{}/{bucket}/{key}", self.url))
            .send(body)
            .unwrap();
        assert!(response.status().is_success());
    }
}

/// The emulator's well-known account and key (Microsoft publishes them).
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Azurite's Blob service.
pub struct Azurite {
    pub process: Process,
    /// `http://127.0.0.1:<port>/devstoreaccount1`
    pub url: String,
    /// `http://127.0.0.1:<port>`
    pub root: String,
    pub port: u16,
}

impl Azurite {
    /// In memory, on a free port.
    pub fn start() -> Azurite {
        Azurite::spawn(&["--inMemoryPersistence"], 0)
    }

    /// Keeping its blobs in `dir`, on `port` (0: a free one), so a test can
    /// stop it and start it again with what it held.
    pub fn start_in(dir: &Path, port: u16) -> Azurite {
        Azurite::spawn(&["--location", dir.to_str().unwrap()], port)
    }

    fn spawn(storage: &[&str], port: u16) -> Azurite {
        let bin = repo_root().join("e2e/node_modules/.bin/azurite-blob");
        if !bin.exists() {
            missing("Azurite (the Azure Blob emulator)", &bin);
        }
        let mut child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(storage)
            // object_store speaks a newer API version than Azurite 3.35
            // knows; the requests it makes are all older features.
            .args(["--disableTelemetry", "--skipApiVersionCheck"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start azurite");
        let stdout = child.stdout.take().expect("azurite's stdout");
        let process = Process(child);
        let base = wait_for_url(stdout, "successfully listens on");
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        Azurite {
            process,
            url: format!("{base}/{AZURITE_ACCOUNT}"),
            root: base,
            port,
        }
    }

    /// A container anyone may read blobs from, and CORS for any origin.
    pub fn container(&self, name: &str) -> String {
        self.signed(
            "PUT",
            &format!("/{name}"),
            &[("restype", "container")],
            &[("x-ms-blob-public-access", "blob")],
            "",
            "",
        );
        self.signed(
            "PUT",
            "/",
            &[("comp", "properties"), ("restype", "service")],
            &[],
            "application/xml",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><Cors><CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET,HEAD,OPTIONS</AllowedMethods><MaxAgeInSeconds>3600</MaxAgeInSeconds><ExposedHeaders>ETag</ExposedHeaders><AllowedHeaders>*</AllowedHeaders></CorsRule></Cors></StorageServiceProperties>",
        );
        format!("{}/{name}", self.url)
    }

    /// A request signed with the account key (Shared Key, as the Azure
    /// SDKs sign), for the setup publish does not do.
    fn signed(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        content_type: &str,
        body: &str,
    ) {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let date = httpdate();
        let mut ms: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
            .collect();
        ms.push(("x-ms-date".into(), date));
        ms.push(("x-ms-version".into(), "2021-10-04".into()));
        ms.sort();
        let canonical_headers: String = ms.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let mut sorted_query: Vec<_> = query.to_vec();
        sorted_query.sort();
        // Path-style URLs name the account twice in the signed resource.
        let resource = format!(
            "/{AZURITE_ACCOUNT}/{AZURITE_ACCOUNT}{path}{}",
            sorted_query
                .iter()
                .map(|(k, v)| format!("\n{k}:{v}"))
                .collect::<String>()
        );
        let length = if body.is_empty() {
            String::new()
        } else {
            body.len().to_string()
        };
        let to_sign = format!(
            "{method}\n\n\n{length}\n\n{content_type}\n\n\n\n\n\n\n{canonical_headers}{resource}"
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &b64.decode(AZURITE_KEY).unwrap());
        let signature = b64.encode(ring::hmac::sign(&key, to_sign.as_bytes()).as_ref());
        let query_string: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let url = format!("{}{path}?{}", self.url, query_string.join("&"));
        assert_eq!(method, "PUT", "only the setup's PUTs are signed here");
        let mut request = agent().put(&url).header(
            "Authorization",
            &format!("SharedKey {AZURITE_ACCOUNT}:{signature}"),
        );
        for (k, v) in &ms {
            request = request.header(k, v);
        }
        if !content_type.is_empty() {
            request = request.header("Content-Type", content_type);
        }
        let response = request.send(body.as_bytes()).unwrap();
        assert!(
            response.status().is_success(),
            "azurite {method} {path}: {}",
            response.status()
        );
    }
}

fn httpdate() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    now.format(&format).unwrap()
}

/// An HTTP client that reports error statuses as answers.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A TCP proxy in front of a storage server: counts the writes (PUT
/// requests) that pass, and can run an action (stop the server) when the
/// n-th write arrives, before passing it on.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    pub puts: Arc<AtomicUsize>,
    trip: Trip,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let puts = Arc::new(AtomicUsize::new(0));
        let trip: Trip = Arc::new(Mutex::new(None));
        let (count, trip2) = (puts.clone(), trip.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (upstream, count, trip) = (upstream.clone(), count.clone(), trip2.clone());
                std::thread::spawn(move || relay(client, &upstream, &count, &trip));
            }
        });
        Proxy { url, puts, trip }
    }

    /// Runs `action` when the `n`-th write (counted from now) arrives.
    pub fn on_write(&self, n: usize, action: impl FnOnce() + Send + 'static) {
        let at = self.puts.load(Ordering::SeqCst) + n;
        *self.trip.lock().unwrap() = Some((at, Box::new(action)));
    }

    pub fn writes(&self) -> usize {
        self.puts.load(Ordering::SeqCst)
    }
}

type Trip = Arc<Mutex<Option<(usize, Box<dyn FnOnce() + Send>)>>>;

fn relay(mut client: TcpStream, upstream: &str, count: &AtomicUsize, trip: &Trip) {
    let Ok(mut server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(mut client_read), Ok(mut server_write)) = (client.try_clone(), server.try_clone())
    else {
        return;
    };
    // Server to client, as it comes.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server, &mut client);
        let _ = client.shutdown(Shutdown::Both);
    });
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let n = match client_read.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // A request's head arrives at the start of a read (the client
        // waits for each answer before the next request on a connection).
        if buffer[..n].starts_with(b"PUT ") {
            let seen = count.fetch_add(1, Ordering::SeqCst) + 1;
            let action = {
                let mut trip = trip.lock().unwrap();
                match trip.as_ref() {
                    Some((at, _)) if seen >= *at => trip.take().map(|(_, a)| a),
                    _ => None,
                }
            };
            if let Some(action) = action {
                action();
            }
        }
        if server_write.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = server_write.shutdown(Shutdown::Both);
}

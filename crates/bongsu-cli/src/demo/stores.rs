//! `bongsu demo --stores`: the demo's regions and the app on real storage
//! servers, the way an operator deploys them (docs/DEPLOYING.md). Seoul
//! and Busan are S3 buckets (moto), Tokyo an Azure Blob container
//! (Azurite), the app a third bucket; the signer still writes the local
//! region directories, and `bongsu publish` carries every change to the
//! stores within a second. The servers are the ones the tests use,
//! installed pinned by `cargo xtask setup`, and live only as long as the
//! demo: each runs under a `sh` that stops it when the demo's pipe closes,
//! however the demo ends.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::CliError;
use crate::files::Tree;
use crate::publish::destination::{self, Destination};
use crate::publish::{publish_quietly, Options, Staged};

/// The storage servers' ports after the demo's others.
pub const MOTO_OFFSET: u16 = 22;
pub const AZURITE_OFFSET: u16 = 23;

/// Where `cargo xtask setup` installs them, from the repository's root.
const MOTO_DIR: &str = "target/storage-emulators/moto";
const AZURITE_BIN: &str = "e2e/node_modules/.bin/azurite-blob";

/// Azurite's well-known development account (Microsoft publishes the key;
/// it opens nothing but a local emulator).
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// moto checks no signature; any pair will do.
const MOTO_KEY_ID: &str = "bongsu-demo";
const MOTO_SECRET: &str = "bongsu-demo-secret";

/// The prefix every region is published under, as a shared bucket would.
const PREFIX: &str = "kakao";
/// How often the local regions are carried to the stores.
const SYNC_EVERY: Duration = Duration::from_secs(1);
/// A store that has not answered in this long is reported lagging, and
/// tried again; the others never wait for it.
const SYNC_DEADLINE: u64 = 10;

/// One region's store.
pub struct StoreRegion {
    pub id: String,
    /// What the page calls it: the provider, so a newcomer sees which.
    pub name: String,
    pub destination: Destination,
    /// Where readers fetch it.
    pub public: String,
}

/// The running storage servers and where everything goes.
pub struct Stores {
    pub moto: Server,
    pub azurite: Server,
    pub regions: Vec<StoreRegion>,
    pub app: Destination,
    /// The app's URL in its bucket.
    pub app_url: String,
    /// Journals and snapshots, under the demo's folder.
    state: PathBuf,
}

/// A storage server under a `sh` that stops it when our end of its stdin
/// closes: on drop, or when the demo dies, even by SIGKILL.
pub struct Server {
    shell: Child,
    stdin: Option<ChildStdin>,
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.shell.wait();
    }
}

impl Server {
    /// The server's process id, for a newcomer who wants to stop it.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.log.with_extension("pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }
}

/// Starts a server: `command` under a watchdog shell, its output in `log`,
/// ready once `addr` accepts connections.
fn spawn(
    what: &str,
    command: &mut Command,
    addr: SocketAddr,
    log: &Path,
) -> Result<Server, CliError> {
    if TcpListener::bind(addr).is_err() {
        return Err(CliError::Stores(format!(
            "{what} cannot listen on {addr}: the port is taken (another demo still running? \
             stop it, or give --port another base)"
        )));
    }
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let pid_file = log.with_extension("pid");
    let log_file = std::fs::File::create(log)?;
    let watchdog = format!(
        "\"$@\" </dev/null & child=$!; echo $child > '{}'; read _; kill $child; wait $child",
        pid_file.display()
    );
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(watchdog)
        .arg("sh")
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => shell.env(k, v),
            None => shell.env_remove(k),
        };
    }
    let mut shell = shell.spawn()?;
    let stdin = shell.stdin.take();
    let mut server = Server {
        shell,
        stdin,
        log: log.to_owned(),
    };
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if started.elapsed() > Duration::from_secs(30)
            || server.shell.try_wait().ok().flatten().is_some()
        {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = said.lines().rev().take(15).collect();
            drop(server);
            return Err(CliError::Stores(format!(
                "{what} did not start on {addr}; its last words ({}):\n{}",
                log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(server)
}

/// Starts both servers (installed under `repo`), makes the buckets and the
/// container public with CORS, and writes the credentials profiles.
pub fn start(repo: &Path, dir: &Path, port: u16) -> Result<Stores, CliError> {
    let moto_dir = repo.join(MOTO_DIR);
    let azurite_bin = repo.join(AZURITE_BIN);
    for (what, path) in [
        ("moto (the S3-compatible server)", moto_dir.join("moto")),
        ("Azurite (the Azure Blob emulator)", azurite_bin.clone()),
    ] {
        if !path.exists() {
            return Err(CliError::Stores(format!(
                "{what} is not installed at {}: run `cargo xtask setup`, or give --emulators \
                 the repository's folder",
                path.display()
            )));
        }
    }
    let state = dir.join("stores");
    std::fs::create_dir_all(&state)?;
    let moto_addr: SocketAddr = ([127, 0, 0, 1], port + MOTO_OFFSET).into();
    let azurite_addr: SocketAddr = ([127, 0, 0, 1], port + AZURITE_OFFSET).into();
    let moto = spawn(
        "moto",
        Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(moto_addr.port().to_string())
            .env("PYTHONPATH", &moto_dir)
            // CORS comes from each bucket's rules, as on S3, not from moto.
            .env("MOTO_DISABLE_GLOBAL_CORS", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        moto_addr,
        &state.join("moto.log"),
    )?;
    let azurite = spawn(
        "Azurite",
        Command::new(&azurite_bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(azurite_addr.port().to_string())
            .args([
                "--inMemoryPersistence",
                "--disableTelemetry",
                // object_store speaks a newer API version than Azurite knows.
                "--skipApiVersionCheck",
            ]),
        azurite_addr,
        &state.join("azurite.log"),
    )?;
    let s3 = format!("http://{moto_addr}");
    let blob = format!("http://{azurite_addr}/{AZURITE_ACCOUNT}");
    for bucket in ["seoul", "busan", "app"] {
        s3_bucket(&s3, bucket)?;
    }
    azure_container(&blob, "tokyo")?;

    let s3_profile = state.join("s3-profile.toml");
    crate::demo::stage::write_secret(
        &s3_profile,
        &format!("access_key_id = \"{MOTO_KEY_ID}\"\nsecret_access_key = \"{MOTO_SECRET}\"\n"),
    )?;
    let azure_profile = state.join("azure-profile.toml");
    crate::demo::stage::write_secret(&azure_profile, &format!("access_key = \"{AZURITE_KEY}\"\n"))?;

    let s3_spec = |bucket: &str, prefix: &str| {
        let path = [bucket, prefix]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        format!(
            "s3://{path}?endpoint={s3}&region=us-east-1&profile={}&public={s3}/{path}",
            s3_profile.display()
        )
    };
    let parse = |spec: String| destination::parse(&spec).map_err(CliError::Stores);
    let mut regions = Vec::new();
    for (id, name) in [("seoul", "Seoul (S3)"), ("busan", "Busan (S3)")] {
        let destination = parse(s3_spec(id, PREFIX))?;
        regions.push(StoreRegion {
            id: id.to_owned(),
            name: name.to_owned(),
            public: format!("{s3}/{id}/{PREFIX}/"),
            destination,
        });
    }
    regions.push(StoreRegion {
        id: "tokyo".to_owned(),
        name: "Tokyo (Azure Blob)".to_owned(),
        public: format!("{blob}/tokyo/{PREFIX}/"),
        destination: parse(format!(
            "az://tokyo/{PREFIX}?account={AZURITE_ACCOUNT}&endpoint={blob}&profile={}&public={blob}/tokyo/{PREFIX}",
            azure_profile.display()
        ))?,
    });
    let app = parse(s3_spec("app", ""))?;
    Ok(Stores {
        moto,
        azurite,
        regions,
        app,
        app_url: format!("{s3}/app/index.html"),
        state,
    })
}

impl Stores {
    /// The region's store, by id.
    pub fn region(&self, id: &str) -> Option<&StoreRegion> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// Publishes the app (a copy of `dist` with the demo's `config`) to its
    /// bucket and reads it back.
    pub async fn publish_app(&self, dist: &Path, config: &Path) -> Result<(), CliError> {
        let site = self.state.join("site");
        let _ = std::fs::remove_dir_all(&site);
        copy_tree(dist, &site)?;
        std::fs::copy(config, site.join("config.json"))?;
        let options = Options {
            publish_state: Some(self.state.join("journal")),
            readback_wait: 10,
            ..Options::default()
        };
        crate::publish::publish_async(
            &[Staged {
                root: site,
                tree: Tree::App,
                only: None,
                destinations: vec![self.app.clone()],
            }],
            &options,
            "restart the demo",
        )
        .await
    }

    /// The way from `region_dir` to its store: [`Syncing::once`] carries it
    /// now, [`Syncing::forever`] every second for as long as the demo runs.
    pub fn syncing(&self, id: &str, region_dir: PathBuf) -> Option<Syncing> {
        let store = self.region(id)?;
        Some(Syncing {
            id: id.to_owned(),
            destination: store.destination.clone(),
            region_dir,
            snapshot: self.state.join("snapshot").join(id),
            journal: self.state.join("journal"),
        })
    }
}

/// One region's way to its store.
pub struct Syncing {
    id: String,
    destination: Destination,
    region_dir: PathBuf,
    snapshot: PathBuf,
    journal: PathBuf,
}

impl Syncing {
    /// One sync: a snapshot of the region taken under the signer's lock (so
    /// a checkpoint never travels without its tiles), published. Returns
    /// files written, or why the store lags.
    pub async fn once(&self) -> Result<usize, String> {
        let (from, to) = (self.region_dir.clone(), self.snapshot.clone());
        tokio::task::spawn_blocking(move || snapshot(&from, &to))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let options = Options {
            publish_state: Some(self.journal.clone()),
            deadline: SYNC_DEADLINE,
            readback_wait: 0,
            readback_roots: Vec::new(),
        };
        let trees = [Staged {
            root: self.snapshot.clone(),
            tree: Tree::Region,
            only: None,
            destinations: vec![self.destination.clone()],
        }];
        let (outcomes, _) = publish_quietly(&trees, &options, false)
            .await
            .map_err(|e| e.to_string())?;
        let outcome = outcomes.first().ok_or("nothing was published")?;
        match &outcome.error {
            Some(error) => Err(error.clone()),
            None => Ok(outcome.counts.written),
        }
    }

    /// Syncs every second for as long as the demo runs; says when the
    /// store falls behind and when it has caught up, not every second in
    /// between.
    pub async fn forever(self) {
        let mut lagging = false;
        loop {
            match self.once().await {
                Ok(written) => {
                    if lagging {
                        println!("store {}: caught up ({written} files)", self.id);
                    }
                    lagging = false;
                }
                Err(error) => {
                    if !lagging {
                        eprintln!("store {}: lagging, retrying every second: {error}", self.id);
                    }
                    lagging = true;
                }
            }
            tokio::time::sleep(SYNC_EVERY).await;
        }
    }
}

/// Hard-links every file of `from` (but dotfiles) into a fresh `to`, under
/// the region directory's lock. The signer replaces files by renaming, so
/// a link keeps the bytes the snapshot saw.
fn snapshot(from: &Path, to: &Path) -> Result<(), CliError> {
    let _lock = crate::lock::lock_dirs([from.to_owned()], crate::lock::LOCK_WAIT)?;
    let _ = std::fs::remove_dir_all(to);
    link_tree(from, to)
}

fn link_tree(from: &Path, to: &Path) -> Result<(), CliError> {
    each_file(from, to, &|from, to| std::fs::hard_link(from, to))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), CliError> {
    each_file(from, to, &|from, to| std::fs::copy(from, to).map(|_| ()))
}

/// Recreates `from`'s folders under `to` (dotfiles left out) and puts each
/// file there with `put`.
fn each_file(
    from: &Path,
    to: &Path,
    put: &dyn Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<(), CliError> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            each_file(&entry.path(), &to.join(&name), put)?;
        } else if kind.is_file() {
            put(&entry.path(), &to.join(&name))?;
        }
    }
    Ok(())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn answered(
    what: &str,
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(), CliError> {
    match response {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(mut r) => Err(CliError::Stores(format!(
            "{what}: {} {}",
            r.status(),
            r.body_mut().read_to_string().unwrap_or_default()
        ))),
        Err(e) => Err(CliError::Stores(format!("{what}: {e}"))),
    }
}

/// A bucket anyone may read, with the CORS rules a region needs (the
/// policy and rules docs/DEPLOYING.md gives for S3). moto checks no
/// signature, so the setup goes unsigned.
fn s3_bucket(endpoint: &str, name: &str) -> Result<(), CliError> {
    let agent = agent();
    let put = |suffix: &str, content_type: &str, body: String| {
        answered(
            &format!("creating bucket {name}{suffix}"),
            agent
                .put(&format!("{endpoint}/{name}{suffix}"))
                .header("Content-Type", content_type)
                .send(body),
        )
    };
    put("", "application/xml", String::new())?;
    put(
        "?policy",
        "application/json",
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{name}/*"}}]}}"#
        ),
    )?;
    put(
        "?cors",
        "application/xml",
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>\
         <AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>\
         <MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>"
            .to_owned(),
    )
}

/// A container anyone may read blobs from, and CORS for any origin.
fn azure_container(account_url: &str, name: &str) -> Result<(), CliError> {
    azure_put(
        account_url,
        &format!("/{name}"),
        &[("restype", "container")],
        &[("x-ms-blob-public-access", "blob")],
        "",
        "",
    )?;
    azure_put(
        account_url,
        "/",
        &[("comp", "properties"), ("restype", "service")],
        &[],
        "application/xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><Cors><CorsRule>\
         <AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET,HEAD,OPTIONS</AllowedMethods>\
         <MaxAgeInSeconds>3600</MaxAgeInSeconds><ExposedHeaders>ETag</ExposedHeaders>\
         <AllowedHeaders>*</AllowedHeaders></CorsRule></Cors></StorageServiceProperties>",
    )
}

/// A PUT signed with the account key (Shared Key, as the Azure SDKs sign).
fn azure_put(
    account_url: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    content_type: &str,
    body: &str,
) -> Result<(), CliError> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut ms: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
        .collect();
    ms.push((
        "x-ms-date".into(),
        http_date(time::OffsetDateTime::now_utc()),
    ));
    ms.push(("x-ms-version".into(), "2021-10-04".into()));
    ms.sort();
    let to_sign = shared_key_string("PUT", path, query, &ms, content_type, body.len());
    let key = b64
        .decode(AZURITE_KEY)
        .map_err(|e| CliError::Stores(e.to_string()))?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let signature = b64.encode(ring::hmac::sign(&key, to_sign.as_bytes()).as_ref());
    let query_string: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut request = agent()
        .put(&format!("{account_url}{path}?{}", query_string.join("&")))
        .header(
            "Authorization",
            &format!("SharedKey {AZURITE_ACCOUNT}:{signature}"),
        );
    for (k, v) in &ms {
        request = request.header(k, v);
    }
    if !content_type.is_empty() {
        request = request.header("Content-Type", content_type);
    }
    answered(
        &format!("Azure PUT {path}"),
        request.send(body.as_bytes().to_vec()),
    )
}

/// The string Shared Key signs. Path-style URLs (an emulator's) name the
/// account twice in the signed resource: once for the account, once as
/// the path's first segment.
fn shared_key_string(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    canonical: &[(String, String)],
    content_type: &str,
    length: usize,
) -> String {
    let mut sorted: Vec<_> = query.to_vec();
    sorted.sort();
    let resource = format!(
        "/{AZURITE_ACCOUNT}/{AZURITE_ACCOUNT}{path}{}",
        sorted
            .iter()
            .map(|(k, v)| format!("\n{k}:{v}"))
            .collect::<String>()
    );
    let headers: String = canonical
        .iter()
        .map(|(k, v)| format!("{k}:{v}\n"))
        .collect();
    let length = if length == 0 {
        String::new()
    } else {
        length.to_string()
    };
    format!("{method}\n\n\n{length}\n\n{content_type}\n\n\n\n\n\n\n{headers}{resource}")
}

fn http_date(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(&format).unwrap_or_default()
}

/// Prints how to stop a store, to watch the page route around it.
pub fn explain(stores: &Stores) {
    let _ = std::io::stdout().flush();
    println!("app-bucket {}", stores.app_url);
    println!(
        "The app from its bucket: open {} (the local app reads the same stores)",
        stores.app_url
    );
    for r in &stores.regions {
        println!("store {} {}", r.id, r.public);
    }
    let pids = |s: &Server| s.pid().map(|p| p.to_string()).unwrap_or_else(|| "?".into());
    println!(
        "Stop a store the way a burnt datacenter stops (no answer, no reset): kill -STOP {} (Azurite, Tokyo) \
         or {} (moto, Seoul and Busan); resume with kill -CONT.",
        pids(&stores.azurite),
        pids(&stores.moto)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Shared Key signs for a container PUT: the verb, eleven
    /// standard headers (all empty here), the x-ms headers sorted, then
    /// the resource, the account named twice on a path-style URL, with its
    /// query sorted. Azurite accepting it is the end-to-end check.
    #[test]
    fn the_shared_key_string_has_the_documented_shape() {
        let headers = vec![
            (
                "x-ms-date".to_owned(),
                "Fri, 26 Jun 2015 23:39:12 GMT".to_owned(),
            ),
            ("x-ms-version".to_owned(), "2015-02-21".to_owned()),
        ];
        let s = shared_key_string(
            "PUT",
            "/mycontainer",
            &[("restype", "container")],
            &headers,
            "",
            0,
        );
        assert_eq!(
            s,
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n\
             x-ms-version:2015-02-21\n/devstoreaccount1/devstoreaccount1/mycontainer\nrestype:container"
        );
    }

    #[test]
    fn a_snapshot_links_every_file_but_dotfiles() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("region");
        std::fs::create_dir_all(from.join("log/tile/0")).unwrap();
        std::fs::write(from.join("feed.note"), "feed").unwrap();
        std::fs::write(from.join("log/tile/0/000"), "tile").unwrap();
        std::fs::write(from.join(".secret"), "x").unwrap();
        let to = dir.path().join("snap");
        snapshot(&from, &to).unwrap();
        assert_eq!(
            std::fs::read_to_string(to.join("feed.note")).unwrap(),
            "feed"
        );
        assert_eq!(
            std::fs::read_to_string(to.join("log/tile/0/000")).unwrap(),
            "tile"
        );
        assert!(!to.join(".secret").exists());
        assert!(!to.join(".bongsu.lock").exists());
        // The signer replaces by renaming: the snapshot keeps what it saw.
        std::fs::write(from.join("feed.tmp"), "new").unwrap();
        std::fs::rename(from.join("feed.tmp"), from.join("feed.note")).unwrap();
        assert_eq!(
            std::fs::read_to_string(to.join("feed.note")).unwrap(),
            "feed"
        );
    }
}

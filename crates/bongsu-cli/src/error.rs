//! Everything that can go wrong in the CLI, each with a message that says
//! what to do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{path} already exists; refusing to overwrite a key (move it away first)")]
    KeyExists { path: PathBuf },
    #[error("`{0}` is not a valid key name: use a non-empty name without spaces or '+', such as status.example.com")]
    BadKeyName(String),
    #[error("cannot read key file {path}: {source}")]
    ReadKey {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a private signing key (expected one line PRIVATE+KEY+name+id+data, as written by `bongsu keygen`)")]
    BadKey { path: PathBuf },
    #[error("cannot read status file {path}: {source}")]
    ReadStatus {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    StatusSyntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    StatusInvalid { path: PathBuf, message: String },
    #[error("{path}: {message}; nothing was written")]
    Declare { path: PathBuf, message: String },
    #[error("signing needs {0}")]
    SignFlag(&'static str),
    #[error("{path} exists but is not a signed feed ({why}); pass --seq or remove it")]
    UnreadableFeed { path: PathBuf, why: String },
    #[error("--seq {given} is not greater than seq {existing} already in {path}; sequence numbers must only grow")]
    SeqNotIncreasing {
        given: u64,
        existing: u64,
        path: PathBuf,
    },
    #[error("{path}: {message}; the probe did not start")]
    ProbeConfig { path: PathBuf, message: String },
    #[error("cannot read {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    KeySetInvalid { path: PathBuf, message: String },
    #[error("{path} is not a valid key chain, so nothing was added to it: {message}")]
    ChainInvalid { path: PathBuf, message: String },
    #[error("refusing to publish key set version {version}, because readers would reject it: {reason}. A root rotation must be signed by enough of the previous root keys and of the new ones: pass each with --key")]
    KeySetRefused { version: u64, reason: String },
    #[error("signing failed: {0}")]
    Sign(#[from] bongsu_core::SignError),
    #[error("another bongsu sign or keyset has been writing {dir} for {waited} s; wait for it to finish, then run this again")]
    Locked { dir: PathBuf, waited: u64 },
    #[error("witness {id} has no state at {path}: a witness that forgot what it cosigned would cosign any fork of the log. Restore the file, or, only if this is a new witness that has never cosigned, start it once with --init (`bongsu witness`) or --witness-init (`bongsu serve`)")]
    WitnessStateMissing { id: String, path: PathBuf },
    #[error("witness {id}'s state {path} is in use by another running serve; one process per witness state")]
    WitnessStateInUse { id: String, path: PathBuf },
    #[error("witness state {path} is unreadable ({message}); fix or restore it (a witness never starts over by itself)")]
    WitnessStateUnreadable { path: PathBuf, message: String },
    #[error("cannot make the fault variants: {0}")]
    FaultVariants(String),
    #[error("refusing the fault key {0}")]
    FaultKey(String),
    #[error(
        "`{0}` is not a loopback address: the fault switch and its regions listen on loopback only"
    )]
    AdminAddress(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}; no badge was written")]
    BadgeInput { path: PathBuf, message: String },
    #[error("the feed has no service `{id}`; it has: {known}. No badge was written")]
    UnknownService { id: String, known: String },
    #[error("region directory {path} does not exist")]
    MissingDir { path: PathBuf },
    #[error("{dist} has no index.html: build the app first (`cargo xtask demo` does this)")]
    AppNotBuilt { dist: PathBuf },
    /// The demo's storage servers (`bongsu demo --stores`).
    #[error("demo stores: {0}")]
    Stores(String),
    #[error("--port {port} leaves no room for the demo's other ports (it uses the next {uses}); pick one below {below}")]
    DemoPortTooHigh { port: u16, uses: u16, below: u16 },
    #[error("cannot listen on {addr} for {what}: {source}")]
    Listen {
        addr: String,
        what: String,
        source: std::io::Error,
    },
    #[error(
        "`{0}` is not of the form <id>=<dir>@<address>, e.g. seoul=regions/seoul@127.0.0.1:8401"
    )]
    BadRegionSpec(String),
    #[error("`{0}` is not of the form <dir>@<address>, e.g. dist@127.0.0.1:8400")]
    BadAppSpec(String),
    #[error("`{spec}` is not of the form <region-id>=<mode>; modes: {modes}")]
    BadFaultSpec { spec: String, modes: String },
    #[error("--fault names region `{0}`, which is not served: add it with --region")]
    UnknownRegion(String),
    #[error("{0}")]
    BadWitnessSpec(String),
    #[error("nothing to serve: give at least one --region or --app")]
    NothingToServe,
    #[error("the demo config is invalid: {0}")]
    Config(#[from] bongsu_core::ConfigError),
    #[error("{path} is not a usable page config: {source}")]
    ConfigFile {
        path: PathBuf,
        source: bongsu_core::ConfigError,
    },
    #[error("the history log in {dir} is damaged, so nothing was appended: {message}")]
    LogCorrupt { dir: PathBuf, message: String },
    #[error(
        "a {kind} event would be {len} bytes, over the log's per-entry limit; shorten its text"
    )]
    EventTooLarge { kind: &'static str, len: usize },
    #[error("{path}: {message}. The history log keeps what was published; add a new update instead of editing an old one")]
    HistoryConflict { path: PathBuf, message: String },
    #[error("{0}")]
    AuditUsage(String),
    #[error("the audit found {0} problem(s); see FAIL lines above")]
    AuditFailed(usize),
    #[error("the bundled Kakao timeline cannot be replayed: {0}")]
    Replay(String),
    #[error("{0}")]
    PublishUsage(String),
    #[error("{} of {total} destination(s) lag: {}; {retry}", lagging.len(), lagging.join(", "))]
    PublishIncomplete {
        lagging: Vec<String>,
        total: usize,
        /// How to catch them up.
        retry: String,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    /// The process's exit status: 3 when some destinations lag (what was
    /// asked was done locally, and the others have it), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::PublishIncomplete { .. } => 3,
            _ => 1,
        }
    }
}

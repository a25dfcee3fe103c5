//! The probe's configuration file: which endpoints of which services a
//! region checks, and how often.
//!
//! ```toml
//! feed = "kakao"            # the status feed's id
//! region = "seoul"          # this probe's region; its key is the key set's probes.seoul
//! interval = "30s"          # between rounds (1s to 1h); each round is jittered by up to 10%
//! window = "5m"             # what the counts cover (one interval to 1d)
//! timeout = "5s"            # per check (at most the interval)
//!
//! [[service]]
//! id = "talk"               # the service's id in the status feed
//! [[service.check]]
//! http = "https://talk.example/health"
//! expect = 200              # the status that means healthy (default 200)
//! max_latency = "2s"        # slower answers fail as `slow` (default: the timeout)
//! [[service.check]]
//! tcp = "talk.example:443"
//! [[service.check]]
//! dns = "talk.example"
//! ```

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::CliError;
use crate::probe::check::Check;
use crate::status_file::parse_duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeConfig {
    pub feed: String,
    pub region: String,
    pub interval: Duration,
    pub window: Duration,
    pub timeout: Duration,
    pub services: Vec<ProbedService>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbedService {
    pub id: String,
    pub checks: Vec<Check>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    feed: String,
    region: String,
    interval: String,
    window: String,
    timeout: String,
    #[serde(default, rename = "service")]
    services: Vec<ServiceFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    id: String,
    #[serde(default, rename = "check")]
    checks: Vec<CheckFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    http: Option<String>,
    tcp: Option<String>,
    dns: Option<String>,
    expect: Option<u16>,
    max_latency: Option<String>,
}

pub fn read_probe_config(path: &Path) -> Result<ProbeConfig, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    parse_probe_config(&text).map_err(|message| CliError::ProbeConfig {
        path: path.to_owned(),
        message,
    })
}

pub fn parse_probe_config(text: &str) -> Result<ProbeConfig, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let time = time::Duration::seconds;
    let duration = |field: &str, text: &str, min: i64, max: i64| {
        parse_duration(text, time(min), time(max))
            .map(|d| Duration::from_secs(d.whole_seconds().unsigned_abs()))
            .map_err(|e| format!("{field}: {e}"))
    };
    let interval = duration("interval", &file.interval, 1, 3600)?;
    let window = duration("window", &file.window, 1, 86_400)?;
    let timeout = duration("timeout", &file.timeout, 1, 3600)?;
    if window < interval {
        return Err("window: must be at least one interval".into());
    }
    if timeout > interval {
        return Err(
            "timeout: must not be longer than the interval, or rounds would overlap".into(),
        );
    }
    for (field, id) in [("feed", &file.feed), ("region", &file.region)] {
        if !bongsu_core::text::is_valid_id(id) {
            return Err(format!(
                "{field}: `{id}` is not a valid identifier (lowercase letters, digits, '-', '_')"
            ));
        }
    }
    let mut services: Vec<ProbedService> = Vec::new();
    for s in file.services {
        if !bongsu_core::text::is_valid_id(&s.id) || services.iter().any(|t| t.id == s.id) {
            return Err(format!(
                "service `{}` is not a valid identifier or is listed twice",
                s.id
            ));
        }
        if s.checks.is_empty() {
            return Err(format!("service `{}` has no [[service.check]]", s.id));
        }
        let checks = s
            .checks
            .into_iter()
            .map(|c| check(c, timeout))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("service `{}`: {e}", s.id))?;
        services.push(ProbedService { id: s.id, checks });
    }
    if services.is_empty() {
        return Err("no [[service]] to probe".into());
    }
    Ok(ProbeConfig {
        feed: file.feed,
        region: file.region,
        interval,
        window,
        timeout,
        services,
    })
}

fn check(c: CheckFile, timeout: Duration) -> Result<Check, String> {
    let http_only = c.expect.is_some() || c.max_latency.is_some();
    let check = match (c.http, c.tcp, c.dns) {
        (Some(url), None, None) => {
            let max_latency = match c.max_latency {
                Some(text) => {
                    let d =
                        parse_duration(&text, time::Duration::seconds(1), time::Duration::hours(1))
                            .map_err(|e| format!("max_latency: {e}"))?;
                    Duration::from_secs(d.whole_seconds().unsigned_abs())
                }
                None => timeout,
            };
            Check::Http {
                url,
                expect_status: c.expect.unwrap_or(200),
                max_latency,
            }
        }
        (None, Some(addr), None) if !http_only => Check::Tcp { addr },
        (None, None, Some(name)) if !http_only => Check::Dns { name },
        _ => return Err(
            "each check is exactly one of http, tcp or dns (expect and max_latency go with http)"
                .into(),
        ),
    };
    // Caught here, a typo is one clear error rather than an outage reported every round.
    check.validate().map_err(str::to_owned)?;
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
feed = "kakao"
region = "seoul"
interval = "30s"
window = "5m"
timeout = "5s"

[[service]]
id = "talk"
[[service.check]]
http = "https://talk.example/health"
expect = 204
max_latency = "2s"
[[service.check]]
tcp = "talk.example:443"
[[service.check]]
dns = "talk.example"
"#;

    #[test]
    fn the_documented_example_reads() {
        let c = parse_probe_config(EXAMPLE).unwrap();
        assert_eq!(c.region, "seoul");
        assert_eq!(
            (c.interval, c.window, c.timeout),
            (
                Duration::from_secs(30),
                Duration::from_secs(300),
                Duration::from_secs(5)
            )
        );
        assert_eq!(
            c.services[0].checks,
            [
                Check::Http {
                    url: "https://talk.example/health".into(),
                    expect_status: 204,
                    max_latency: Duration::from_secs(2)
                },
                Check::Tcp {
                    addr: "talk.example:443".into()
                },
                Check::Dns {
                    name: "talk.example".into()
                },
            ]
        );
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (r#"interval = "30s""#, r#"interval = "0s""#, "interval"),
            (r#"window = "5m""#, r#"window = "10s""#, "window"),
            (r#"timeout = "5s""#, r#"timeout = "1m""#, "timeout"),
            (r#"region = "seoul""#, r#"region = "Seoul!""#, "region"),
            (
                r#"tcp = "talk.example:443""#,
                r#"tcp = "talk.example""#,
                "host:port",
            ),
            (
                r#"dns = "talk.example""#,
                "dns = \"a\"\nexpect = 200",
                "exactly one",
            ),
            (
                r#"http = "https://talk.example/health""#,
                r#"http = "ftp://x""#,
                "http://",
            ),
            (
                r#"id = "talk""#,
                r#"id = "talk"
colour = "red""#,
                "unknown field",
            ),
        ];
        for (from, to, expected) in cases {
            let err = parse_probe_config(&EXAMPLE.replace(from, to)).unwrap_err();
            assert!(err.contains(expected), "{to}: {err}");
        }
        let twice =
            format!("{EXAMPLE}\n[[service]]\nid = \"talk\"\n[[service.check]]\ndns = \"x\"\n");
        assert!(parse_probe_config(&twice).unwrap_err().contains("twice"));
    }
}

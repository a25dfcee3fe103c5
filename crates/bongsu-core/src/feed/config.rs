//! The app's configuration file (`config.json` beside the app), read at
//! start-up so that regions and keys change without a rebuild.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::keys::trust::{TrustError, TrustPolicy};
use crate::text::is_valid_id;
use crate::text::json::{FromJson, Problem, Value};

/// Polls more often than this would hammer mirrors during an outage.
pub const MIN_REFRESH_SECONDS: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The feed identifier this page shows.
    pub feed: String,
    /// A title for the page, such as the operator's name.
    pub title: String,
    pub trust: TrustPolicy,
    /// Where the signed feed can be fetched; asked in parallel.
    pub regions: Vec<RegionConfig>,
    /// Seconds between polls.
    #[serde(default = "default_refresh")]
    pub refresh_seconds: u32,
    /// A region that has not answered within this many milliseconds is
    /// counted as unreachable for that poll.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
    /// How long the regions' probes and the operator's declared status may
    /// disagree about a service before the page says so: shorter
    /// disagreements are the ordinary lag between an outage and its notice.
    #[serde(default = "default_grace")]
    pub disagreement_grace_seconds: u32,
    /// The page replays a past outage (a demo or a drill): its history
    /// pages end at the log's last declared moment, not today, and say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay: bool,
}

pub(crate) fn default_refresh() -> u32 {
    30
}

pub(crate) fn default_timeout() -> u32 {
    5000
}

pub(crate) fn default_grace() -> u32 {
    300
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    pub id: String,
    /// Shown to readers, e.g. "Seoul mirror".
    pub name: String,
    /// The region's base URL, absolute or relative to `config.json` (the
    /// browser crates resolve it so, for every page that reads it). The region
    /// serves `feed.note` (the signed feed), `keys.json` (the key chain)
    /// and, if it runs a probe, `probe.note` under it.
    pub url: String,
}

impl RegionConfig {
    /// The URL of the region's signed feed.
    pub fn feed_url(&self) -> String {
        self.file_url("feed.note")
    }

    /// The URL of the region's probe observation (`bongsu probe`).
    pub fn probe_url(&self) -> String {
        self.file_url("probe.note")
    }

    /// The URL of the region's key chain.
    pub fn keys_url(&self) -> String {
        self.file_url("keys.json")
    }

    /// The URL of a file of the region's copy of the history log, e.g.
    /// `checkpoint` or `tile/entries/000.p/93`.
    pub fn log_url(&self, path: &str) -> String {
        self.file_url(&format!("log/{path}"))
    }

    fn file_url(&self, file: &str) -> String {
        let base = self.url.trim();
        if base.ends_with('/') {
            format!("{base}{file}")
        } else {
            format!("{base}/{file}")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json is not valid JSON for a Bongsu config (line {line}, column {column}): {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("config.json: `feed` is `{0}`, which is not a valid feed identifier")]
    BadFeed(String),
    #[error("config.json lists no regions; add at least one under `regions`")]
    NoRegions,
    #[error("config.json: region `{0}` is listed twice")]
    DuplicateRegion(String),
    #[error("config.json: region id `{0}` is not a valid identifier")]
    BadRegionId(String),
    #[error("config.json: region `{0}` has an empty url")]
    EmptyUrl(String),
    #[error("config.json: refresh_seconds must be at least {MIN_REFRESH_SECONDS}")]
    RefreshTooFast,
    #[error("config.json: timeout_ms must be between 100 and refresh_seconds × 1000")]
    BadTimeout,
    #[error("config.json pins no root keys: add the root verifier key that `bongsu keygen` printed to trust.root.keys")]
    NoKeys,
    #[error("config.json: {0}")]
    Trust(#[from] TrustError),
}

impl AppConfig {
    /// Parses and checks a config file's text.
    pub fn parse(text: &str) -> Result<AppConfig, ConfigError> {
        let config =
            crate::text::json::read(text, AppConfig::from_json).map_err(|e| ConfigError::Json {
                line: e.line,
                column: e.column,
                message: e.message,
            })?;
        config.check()?;
        Ok(config)
    }

    pub fn check(&self) -> Result<(), ConfigError> {
        if !is_valid_id(&self.feed) {
            return Err(ConfigError::BadFeed(self.feed.clone()));
        }
        if self.regions.is_empty() {
            return Err(ConfigError::NoRegions);
        }
        let mut seen = HashSet::new();
        for region in &self.regions {
            if !is_valid_id(&region.id) {
                return Err(ConfigError::BadRegionId(region.id.clone()));
            }
            if !seen.insert(&region.id) {
                return Err(ConfigError::DuplicateRegion(region.id.clone()));
            }
            if region.url.trim().is_empty() {
                return Err(ConfigError::EmptyUrl(region.id.clone()));
            }
        }
        if self.refresh_seconds < MIN_REFRESH_SECONDS {
            return Err(ConfigError::RefreshTooFast);
        }
        if self.timeout_ms < 100
            || u64::from(self.timeout_ms) > u64::from(self.refresh_seconds) * 1000
        {
            return Err(ConfigError::BadTimeout);
        }
        if self.trust.root.keys.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        self.trust.root.check("root")?;
        Ok(())
    }
}

impl FromJson for AppConfig {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(AppConfig {
                feed: f.text("feed")?,
                title: f.text("title")?,
                trust: TrustPolicy::from_json(f.required("trust")?)?,
                regions: f.required("regions")?.list(RegionConfig::from_json)?,
                refresh_seconds: f
                    .get("refresh_seconds")
                    .map(Value::u32)
                    .transpose()?
                    .unwrap_or_else(default_refresh),
                timeout_ms: f
                    .get("timeout_ms")
                    .map(Value::u32)
                    .transpose()?
                    .unwrap_or_else(default_timeout),
                disagreement_grace_seconds: f
                    .get("disagreement_grace_seconds")
                    .map(Value::u32)
                    .transpose()?
                    .unwrap_or_else(default_grace),
                replay: match f.get("replay") {
                    None => false,
                    Some(v) => match v.kind {
                        crate::text::json::Kind::Bool(b) => b,
                        _ => return Err(Problem::new(v.at, "replay must be true or false")),
                    },
                },
            })
        })
    }
}

impl FromJson for RegionConfig {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(RegionConfig {
                id: f.text("id")?,
                name: f.text("name")?,
                url: f.text("url")?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    fn config_json(regions: &str) -> String {
        format!(
            r#"{{"feed":"kakao","title":"Kakao","trust":{{"root":{{"threshold":1,"keys":["{PETER}"]}}}},"regions":{regions}}}"#
        )
    }

    #[test]
    fn a_minimal_config_gets_defaults() {
        let c = AppConfig::parse(&config_json(
            r#"[{"id":"seoul","name":"Seoul","url":"http://127.0.0.1:1/"}]"#,
        ))
        .unwrap();
        assert_eq!((c.refresh_seconds, c.timeout_ms), (30, 5000));
        assert_eq!(c.disagreement_grace_seconds, 300);
    }

    #[test]
    fn region_files_live_under_its_base_url() {
        for base in ["http://127.0.0.1:1/seoul", "http://127.0.0.1:1/seoul/"] {
            let region = RegionConfig {
                id: "seoul".into(),
                name: "Seoul".into(),
                url: base.into(),
            };
            assert_eq!(region.feed_url(), "http://127.0.0.1:1/seoul/feed.note");
            assert_eq!(region.keys_url(), "http://127.0.0.1:1/seoul/keys.json");
            assert_eq!(region.probe_url(), "http://127.0.0.1:1/seoul/probe.note");
        }
    }

    #[test]
    fn no_regions_is_an_error() {
        assert_eq!(
            AppConfig::parse(&config_json("[]")),
            Err(ConfigError::NoRegions)
        );
    }

    #[test]
    fn duplicate_regions_are_an_error() {
        let r = r#"[{"id":"a","name":"A","url":"x"},{"id":"a","name":"A","url":"y"}]"#;
        assert_eq!(
            AppConfig::parse(&config_json(r)),
            Err(ConfigError::DuplicateRegion("a".into()))
        );
    }

    #[test]
    fn json_errors_carry_a_position() {
        assert!(matches!(
            AppConfig::parse("{\n  \"feed\": 3\n}"),
            Err(ConfigError::Json { line: 2, .. })
        ));
    }

    #[test]
    fn an_unconfigured_key_list_says_what_to_add() {
        let text = config_json(r#"[{"id":"a","name":"A","url":"x"}]"#)
            .replace(&format!("\"{PETER}\""), "");
        assert_eq!(AppConfig::parse(&text), Err(ConfigError::NoKeys));
    }

    #[test]
    fn a_bad_key_is_reported() {
        let text = config_json(r#"[{"id":"a","name":"A","url":"x"}]"#).replace(PETER, "bad");
        assert!(matches!(
            AppConfig::parse(&text),
            Err(ConfigError::Trust(_))
        ));
    }
}

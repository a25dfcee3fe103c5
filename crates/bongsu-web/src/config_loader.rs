//! Loading the page's `config.json`. The URL is relative (beside the status
//! page, one level up for the history pages and the widget), so all three
//! work unchanged from any origin or path they are served from. A relative
//! region URL in the config is relative to the config file, whichever page
//! reads it.

use bongsu_core::{AppConfig, ConfigError};

use crate::fetch::{controller, fetch_bytes, FetchError};

const CONFIG_TIMEOUT_MS: u32 = 10_000;
/// A config is a few hundred bytes; anything near this is not one.
const CONFIG_MAX_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Fetch(FetchError),
    NotUtf8,
    Invalid(ConfigError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Fetch(e) => write!(f, "could not load config.json: {e}"),
            LoadError::NotUtf8 => write!(f, "config.json is not UTF-8 text"),
            LoadError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// Fetches and checks the config at `url`.
pub async fn load_config(url: &str) -> Result<AppConfig, LoadError> {
    let controller = controller().ok_or(LoadError::Fetch(FetchError::Network))?;
    let fetched = fetch_bytes(url, CONFIG_TIMEOUT_MS, CONFIG_MAX_BYTES, &controller)
        .await
        .map_err(LoadError::Fetch)?;
    let text = String::from_utf8(fetched.bytes).map_err(|_| LoadError::NotUtf8)?;
    let mut config = AppConfig::parse(&text).map_err(LoadError::Invalid)?;
    if let Some(base) = absolute(url, &page_url()) {
        for region in &mut config.regions {
            if let Some(resolved) = absolute(&region.url, &base) {
                region.url = resolved;
            }
        }
    }
    Ok(config)
}

/// `url` resolved against `base`, as the browser resolves links.
fn absolute(url: &str, base: &str) -> Option<String> {
    web_sys::Url::new_with_base(url.trim(), base)
        .ok()
        .map(|u| u.href())
}

fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

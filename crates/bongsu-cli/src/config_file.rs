//! Reading a page's `config.json` from disk, for the commands that verify
//! as a reader would (`audit --config`, `badge`).

use std::path::Path;

use bongsu_core::AppConfig;

use crate::error::CliError;

pub fn read_app_config(path: &Path) -> Result<AppConfig, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    AppConfig::parse(&text).map_err(|source| CliError::ConfigFile {
        path: path.to_owned(),
        source,
    })
}

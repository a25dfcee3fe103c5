//! Where a region's or a mirror's files come from: a directory on this
//! machine (a region directory, an archived copy) or a base URL. The
//! commands that read as a reader would (`audit`, and `sign --probes`)
//! fetch through it, with a deadline and a size limit.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Source {
    Dir(PathBuf),
    Url(String),
}

impl Source {
    /// `http://` and `https://` are URLs; anything else is a directory.
    pub fn new(mirror: &str) -> Source {
        if mirror.starts_with("http://") || mirror.starts_with("https://") {
            Source::Url(format!("{}/", mirror.trim_end_matches('/')))
        } else {
            Source::Dir(PathBuf::from(mirror))
        }
    }

    /// The file at `path` under the source; the error names the file or URL.
    pub fn fetch(&self, agent: &ureq::Agent, path: &str) -> Result<Vec<u8>, String> {
        self.fetch_if_there(agent, path)?
            .ok_or_else(|| format!("{}: not found", self.name(path)))
    }

    /// Like [`Self::fetch`], but a file that is not there (no such file,
    /// HTTP 404) is `None` rather than an error.
    pub fn fetch_if_there(
        &self,
        agent: &ureq::Agent,
        path: &str,
    ) -> Result<Option<Vec<u8>>, String> {
        // The protocol's limit for this kind of file, not one for all.
        let limit = bongsu_core::limits::max_bytes(path) as u64;
        match self {
            Source::Dir(dir) => {
                let file = dir.join(path);
                let too_large = std::fs::metadata(&file).is_ok_and(|m| m.len() > limit);
                if too_large {
                    return Err(format!(
                        "{}: over the {limit}-byte limit for this file",
                        file.display()
                    ));
                }
                match std::fs::read(&file) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(format!("{}: {e}", file.display())),
                }
            }
            Source::Url(base) => {
                let url = format!("{base}{path}");
                let mut response = agent.get(&url).call().map_err(|e| format!("{url}: {e}"))?;
                let status = response.status().as_u16();
                if status == 404 {
                    return Ok(None);
                }
                if status != 200 {
                    return Err(format!("{url}: HTTP {status}"));
                }
                response
                    .body_mut()
                    .with_config()
                    .limit(limit)
                    .read_to_vec()
                    .map(Some)
                    .map_err(|e| format!("{url}: {e}"))
            }
        }
    }

    /// The file or URL `path` names under the source, for messages.
    fn name(&self, path: &str) -> String {
        match self {
            Source::Dir(dir) => dir.join(path).display().to_string(),
            Source::Url(base) => format!("{base}{path}"),
        }
    }
}

/// An HTTP client whose every request ends within `timeout`, and which
/// reports HTTP error statuses as answers rather than errors.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

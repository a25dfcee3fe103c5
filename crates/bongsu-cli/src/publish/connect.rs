//! A destination's store, built from its URL, its profile file and the
//! provider's standard environment variables (AWS_ACCESS_KEY_ID…,
//! AZURE_STORAGE_ACCOUNT_KEY…, GOOGLE_SERVICE_ACCOUNT…), with timeouts
//! and a retry budget small enough that a dead store gives up within the
//! destination's deadline instead of object_store's three minutes.

use std::path::Path;
use std::time::Duration;

use super::destination::{Destination, Target};
use super::sink::Sink;

/// Per request: connect, answer, and retries with backoff, all inside the
/// destination's own deadline.
#[cfg_attr(not(feature = "publish"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub request: Duration,
    pub connect: Duration,
    pub retries: usize,
    pub retry_for: Duration,
}

impl Budget {
    /// Within `deadline` for the whole destination.
    pub fn within(deadline: Duration) -> Budget {
        Budget {
            request: deadline.min(Duration::from_secs(10)),
            connect: deadline.min(Duration::from_secs(3)),
            retries: 3,
            retry_for: (deadline / 2).min(Duration::from_secs(15)),
        }
    }
}

/// The profile file: `name = "value"` lines of the provider's settings
/// (object_store's config keys, e.g. `aws_access_key_id`,
/// `azure_storage_account_key`, `google_service_account`). It holds
/// secrets, so it must be readable by its owner only.
#[cfg_attr(not(feature = "publish"), allow(dead_code))]
fn read_profile(path: &Path) -> Result<Vec<(String, String)>, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read profile {}: {e}", path.display()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(format!(
                "profile {} holds credentials but others can read it; chmod 600 it",
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read profile {}: {e}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("profile {}: {e}", path.display()))?;
    table
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => Ok((k, s)),
            toml::Value::Boolean(b) => Ok((k, b.to_string())),
            toml::Value::Integer(i) => Ok((k, i.to_string())),
            _ => Err(format!(
                "profile {}: `{k}` must be a string, a number or true/false",
                path.display()
            )),
        })
        .collect()
}

/// The sink for a destination.
pub fn sink(destination: &Destination, budget: Budget) -> Result<Sink, String> {
    match &destination.target {
        Target::Dir(dir) => Ok(Sink::Dir(dir.clone())),
        #[cfg(not(feature = "publish"))]
        _ => Err(format!(
            "{}: this bongsu was built without the `publish` feature, so it publishes to file:// only",
            {
                let _ = budget;
                &destination.shown
            }
        )),
        #[cfg(feature = "publish")]
        target => store(destination, target, budget),
    }
}

#[cfg(feature = "publish")]
fn store(destination: &Destination, target: &Target, budget: Budget) -> Result<Sink, String> {
    use object_store::aws::AmazonS3Builder;
    use object_store::azure::MicrosoftAzureBuilder;
    use object_store::gcp::GoogleCloudStorageBuilder;
    use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
    use std::sync::Arc;

    // reqwest is built without a TLS provider of its own (no C build): use
    // ring's, which the rest of the CLI already links. Installing twice is
    // harmless (the first one stays).
    let _ = rustls::crypto::ring::default_provider().install_default();

    let profile = match &destination.profile {
        Some(path) => read_profile(path)?,
        None => Vec::new(),
    };
    let http = |endpoint: &Option<String>| {
        endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"))
    };
    let client = |allow_http: bool| {
        ClientOptions::new()
            .with_timeout(budget.request)
            .with_connect_timeout(budget.connect)
            .with_allow_http(allow_http)
    };
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: budget.retries,
        retry_timeout: budget.retry_for,
    };
    let shown = &destination.shown;
    let bad_key = |k: &str, e: object_store::Error| format!("{shown}: profile setting `{k}`: {e}");
    let built: Result<Arc<dyn ObjectStore>, object_store::Error> = match target {
        Target::S3 {
            bucket,
            endpoint,
            region,
            virtual_hosted,
            ..
        } => {
            let mut b = AmazonS3Builder::from_env();
            for (k, v) in &profile {
                b = b.with_config(k.parse().map_err(|e| bad_key(k, e))?, v);
            }
            b = b
                .with_bucket_name(bucket)
                .with_virtual_hosted_style_request(*virtual_hosted)
                .with_client_options(client(http(endpoint)))
                .with_retry(retry);
            if let Some(endpoint) = endpoint {
                b = b.with_endpoint(endpoint);
            }
            if let Some(region) = region {
                b = b.with_region(region);
            }
            b.build().map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
        }
        Target::Azure {
            container,
            account,
            endpoint,
            ..
        } => {
            let mut b = MicrosoftAzureBuilder::from_env();
            for (k, v) in &profile {
                b = b.with_config(k.parse().map_err(|e| bad_key(k, e))?, v);
            }
            b = b
                .with_container_name(container)
                .with_client_options(client(http(endpoint)))
                .with_retry(retry);
            if let Some(account) = account {
                b = b.with_account(account);
            }
            if let Some(endpoint) = endpoint {
                b = b.with_endpoint(endpoint.clone());
            }
            b.build().map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
        }
        Target::Gcs {
            bucket, endpoint, ..
        } => {
            let mut b = GoogleCloudStorageBuilder::from_env();
            for (k, v) in &profile {
                b = b.with_config(k.parse().map_err(|e| bad_key(k, e))?, v);
            }
            b = b
                .with_bucket_name(bucket)
                .with_client_options(client(http(endpoint)))
                .with_retry(retry);
            if let Some(endpoint) = endpoint {
                b = b.with_base_url(endpoint);
            }
            b.build().map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
        }
        Target::Dir(dir) => return Ok(Sink::Dir(dir.clone())),
    };
    let store = built.map_err(|e| format!("{shown}: {e}"))?;
    Ok(Sink::Store {
        store,
        prefix: target.prefix().to_owned(),
        conditional: destination.conditional,
    })
}

//! Where a tree is published, as the operator writes it on the command
//! line: `s3://bucket/prefix`, `az://container/prefix`, `gs://bucket/prefix`
//! or `file://dir`, with options as query parameters
//! (`?endpoint=…&region=…&public=https://…`). Credentials never come from
//! here: each provider's standard environment variables, or a profile file
//! named with `profile=`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::files::Encoding;

/// One destination, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The URL as given, which never holds a secret (they are refused):
    /// what reports and the journal name it by.
    pub shown: String,
    pub target: Target,
    /// The base URL readers fetch this destination's files from (a CDN, or
    /// the bucket's public endpoint): it is read back after publishing.
    pub public: Option<String>,
    /// The Content-Encoding compressible files are stored in.
    pub encoding: Encoding,
    /// A TOML file of the provider's settings and credentials.
    pub profile: Option<PathBuf>,
    /// Conditional writes (create-if-absent, replace-if-unchanged). Off
    /// only for S3-compatible stores that answer them with 501; then only
    /// one publisher may write the destination at a time.
    pub conditional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Dir(PathBuf),
    S3 {
        bucket: String,
        prefix: String,
        endpoint: Option<String>,
        region: Option<String>,
        virtual_hosted: bool,
    },
    Azure {
        container: String,
        prefix: String,
        account: Option<String>,
        endpoint: Option<String>,
    },
    Gcs {
        bucket: String,
        prefix: String,
        endpoint: Option<String>,
    },
}

#[cfg_attr(not(feature = "publish"), allow(dead_code))]
impl Target {
    /// The object-name prefix inside the bucket or container.
    pub fn prefix(&self) -> &str {
        match self {
            Target::Dir(_) => "",
            Target::S3 { prefix, .. }
            | Target::Azure { prefix, .. }
            | Target::Gcs { prefix, .. } => prefix,
        }
    }
}

/// Query parameters that would put a secret on the command line, in shell
/// history and in process listings.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "token",
    "key",
    "sas",
    "sig",
    "credential",
];

/// Parses `--to`.
pub fn parse(spec: &str) -> Result<Destination, String> {
    if let Some(rest) = spec.strip_prefix("file://") {
        if rest.is_empty() {
            return Err(format!(
                "`{spec}`: give a directory, e.g. file:///srv/bongsu/seoul"
            ));
        }
        if rest.contains('?') {
            return Err(format!(
                "`{spec}`: a file:// destination takes no options (readers' URL: serve the directory with `bongsu serve`)"
            ));
        }
        return Ok(Destination {
            shown: spec.to_owned(),
            target: Target::Dir(PathBuf::from(rest)),
            public: None,
            encoding: Encoding::Identity,
            profile: None,
            conditional: true,
        });
    }
    let url = url::Url::parse(spec).map_err(|e| {
        format!("`{spec}` is not a destination URL ({e}); use s3://bucket/prefix, az://container/prefix, gs://bucket/prefix or file://dir")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{}`: credentials never go in a URL; use the provider's environment variables or profile=FILE",
            redact(spec)
        ));
    }
    let mut options = BTreeMap::new();
    for (name, value) in url.query_pairs() {
        let lower = name.to_ascii_lowercase();
        if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
            return Err(format!(
                "`{}`: `{name}` looks like a credential, and credentials never go in a URL (they would be in shell history and process listings); use the provider's environment variables or profile=FILE",
                redact(spec)
            ));
        }
        if options
            .insert(name.to_string(), value.to_string())
            .is_some()
        {
            return Err(format!("`{spec}`: `{name}` is given twice"));
        }
    }
    let bucket = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("`{spec}` names no bucket or container"))?
        .to_owned();
    let prefix = url.path().trim_matches('/').to_owned();
    // As written: the URL parser would quietly resolve them.
    let written_path = spec.split('?').next().unwrap_or(spec);
    if written_path
        .split('/')
        .any(|s| s == "." || s == ".." || s.eq_ignore_ascii_case("%2e%2e"))
    {
        return Err(format!("`{spec}`: the prefix may not contain . or .."));
    }
    let mut take = |name: &str| options.remove(name);
    let endpoint = take("endpoint");
    let public = take("public");
    let profile = take("profile").map(PathBuf::from);
    let encoding = match take("encoding").as_deref() {
        None | Some("gzip") => Encoding::Gzip,
        Some("br") => Encoding::Br,
        Some("identity") => Encoding::Identity,
        Some(other) => {
            return Err(format!(
                "`{spec}`: encoding={other} is not one of gzip, br, identity"
            ))
        }
    };
    let conditional = match take("conditional").as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(format!(
                "`{spec}`: conditional={other} is not true or false"
            ))
        }
    };
    if let Some(public) = &public {
        let parsed = url::Url::parse(public)
            .map_err(|e| format!("`{spec}`: public={public} is not a URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("`{spec}`: public={public} must be an http(s) URL"));
        }
    }
    if let Some(endpoint) = &endpoint {
        url::Url::parse(endpoint)
            .map_err(|e| format!("`{spec}`: endpoint={endpoint} is not a URL ({e})"))?;
    }
    let target = match url.scheme() {
        "s3" => Target::S3 {
            bucket,
            prefix,
            endpoint,
            region: take("region"),
            virtual_hosted: match take("virtual_hosted").as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => {
                    return Err(format!(
                        "`{spec}`: virtual_hosted={other} is not true or false"
                    ))
                }
            },
        },
        "az" | "azure" => Target::Azure {
            container: bucket,
            prefix,
            account: take("account"),
            endpoint,
        },
        "gs" => Target::Gcs {
            bucket,
            prefix,
            endpoint,
        },
        other => {
            return Err(format!(
                "`{spec}`: {other}:// is not a destination; use s3://, az://, gs:// or file://"
            ))
        }
    };
    if let Some(unknown) = options.keys().next() {
        let known = match target {
            Target::S3 { .. } => "endpoint, region, virtual_hosted",
            Target::Azure { .. } => "account, endpoint",
            _ => "endpoint",
        };
        return Err(format!(
            "`{spec}`: unknown option `{unknown}`; options are {known}, public, profile, encoding, conditional"
        ));
    }
    Ok(Destination {
        shown: spec.to_owned(),
        target,
        public,
        encoding,
        profile,
        conditional,
    })
}

/// A URL with its query cut off, for an error about a secret in it.
fn redact(spec: &str) -> String {
    let base = spec.split('?').next().unwrap_or(spec);
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://…@{host}")
        }
        None => base.to_owned(),
    }
}

/// `--to [DIR=]URL`: which staged tree a destination receives, when a
/// command writes several (`sign --out a/feed.note --out b/feed.note`).
pub fn split_tree(spec: &str) -> (Option<&str>, &str) {
    // A URL's scheme comes before "://"; a DIR= prefix comes before that.
    match (spec.find('='), spec.find("://")) {
        (Some(eq), Some(scheme)) if eq < scheme => (Some(&spec[..eq]), &spec[eq + 1..]),
        _ => (None, spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_with_an_endpoint_and_a_public_url() {
        let d = parse("s3://status-a/kakao?endpoint=http://127.0.0.1:9000&region=ap-northeast-2&public=https://cdn.example/kakao").unwrap();
        assert_eq!(
            d.target,
            Target::S3 {
                bucket: "status-a".into(),
                prefix: "kakao".into(),
                endpoint: Some("http://127.0.0.1:9000".into()),
                region: Some("ap-northeast-2".into()),
                virtual_hosted: false,
            }
        );
        assert_eq!(d.public.as_deref(), Some("https://cdn.example/kakao"));
        assert_eq!(d.encoding, Encoding::Gzip);
        assert!(d.conditional);
    }

    #[test]
    fn azure_gcs_and_directories() {
        let d = parse("az://status/b?account=bongsu&encoding=br").unwrap();
        assert_eq!(
            d.target,
            Target::Azure {
                container: "status".into(),
                prefix: "b".into(),
                account: Some("bongsu".into()),
                endpoint: None,
            }
        );
        assert_eq!(d.encoding, Encoding::Br);
        assert!(
            matches!(parse("gs://b").unwrap().target, Target::Gcs { prefix, .. } if prefix.is_empty())
        );
        assert_eq!(
            parse("file:///srv/seoul").unwrap().target,
            Target::Dir("/srv/seoul".into())
        );
        assert_eq!(
            parse("file://mirror/seoul").unwrap().target,
            Target::Dir("mirror/seoul".into())
        );
    }

    #[test]
    fn credentials_in_a_url_are_refused_without_echoing_them() {
        for spec in [
            "s3://b/p?aws_secret_access_key=hunter2",
            "s3://b/p?access_key_id=AKIA&x=1",
            "az://c/p?sas=sv%3Dhunter2",
            "az://c/p?sig=hunter2",
            "s3://AKIA:hunter2@b/p",
            "gs://b/p?token=hunter2",
        ] {
            let error = parse(spec).unwrap_err();
            assert!(error.contains("credential"), "{spec}: {error}");
            assert!(!error.contains("hunter2"), "{spec}: {error}");
        }
    }

    #[test]
    fn mistakes_are_named() {
        for (spec, needle) in [
            ("s3://b/p?endpoit=http://x", "unknown option `endpoit`"),
            ("ftp://b/p", "ftp:// is not a destination"),
            ("s3://b/../p", "may not contain"),
            ("s3://b/p?encoding=zstd", "encoding=zstd"),
            ("s3://b/p?public=ftp://x", "http(s)"),
            ("file://", "give a directory"),
            ("regions/seoul", "not a destination URL"),
            ("s3://b/p?region=a&region=b", "given twice"),
        ] {
            let error = parse(spec).unwrap_err();
            assert!(error.contains(needle), "{spec}: {error}");
        }
    }

    #[test]
    fn a_tree_can_be_named_before_the_url() {
        assert_eq!(
            split_tree("regions/seoul=s3://b/p?endpoint=http://x"),
            (Some("regions/seoul"), "s3://b/p?endpoint=http://x")
        );
        assert_eq!(split_tree("s3://b/p?region=x"), (None, "s3://b/p?region=x"));
    }
}

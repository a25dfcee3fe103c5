//! `bongsu keygen`: a new Ed25519 signed-note key pair.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// The public key file written beside a private key.
pub fn public_path(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes `<out>` (private, 0600) and `<out>.pub`; returns the verifier key.
/// Refuses to touch either file if one exists.
pub fn keygen(name: &str, out: &Path) -> Result<String, CliError> {
    if !signed_note::is_key_name_valid(name) {
        return Err(CliError::BadKeyName(name.to_owned()));
    }
    let public = public_path(out);
    for path in [out, public.as_path()] {
        if path.exists() {
            return Err(CliError::KeyExists {
                path: path.to_owned(),
            });
        }
    }
    let (skey, vkey) = signed_note::generate_key(&mut rand_core::OsRng, name);
    write_new(out, &skey, 0o600)?;
    write_new(&public, &vkey, 0o644)?;
    Ok(vkey)
}

/// Creates a file that must not exist yet, with its final permissions from
/// the start, so a private key is never readable by others even briefly.
fn write_new(path: &Path, contents: &str, mode: u32) -> Result<(), CliError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let io = |source| match path.exists() {
        true => CliError::KeyExists {
            path: path.to_owned(),
        },
        false => CliError::Write {
            path: path.to_owned(),
            source,
        },
    };
    let mut file = options.open(path).map_err(io)?;
    file.write_all(format!("{contents}\n").as_bytes())
        .map_err(|source| CliError::Write {
            path: path.to_owned(),
            source,
        })
}

/// Reads a private key file written by [`keygen`].
pub fn read_signer(path: &Path) -> Result<signed_note::StandardSigner, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadKey {
        path: path.to_owned(),
        source,
    })?;
    signed_note::StandardSigner::new(text.trim()).map_err(|_| CliError::BadKey {
        path: path.to_owned(),
    })
}

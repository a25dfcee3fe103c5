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

/// What a key signs: ordinary signed-note signatures (feeds, key sets,
/// checkpoints) or witness cosignatures (C2SP tlog-cosignature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Signer,
    Witness,
}

/// Writes `<out>` (private, 0600) and `<out>.pub`; returns the verifier key.
/// Refuses to touch either file if one exists. A witness key's private file
/// has the same format; its `.pub` holds the cosignature verifier key (type 0x04).
pub fn keygen_kind(name: &str, out: &Path, kind: KeyKind) -> Result<String, CliError> {
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
    let (skey, mut vkey) = signed_note::generate_key(&mut rand_core::OsRng, name);
    if kind == KeyKind::Witness {
        vkey = witness_from_skey(&skey, 0)
            .expect("a key just generated parses")
            .verifier_key();
    }
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

/// The Ed25519 seed inside a signed-note private key,
/// `PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)`.
fn witness_from_skey(skey: &str, time: u64) -> Option<bongsu_core::keys::CosignatureSigner> {
    use base64::Engine as _;
    let rest = skey.strip_prefix("PRIVATE+KEY+")?;
    let mut parts = rest.splitn(3, '+');
    let (name, _id, b64) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let [1, seed @ ..] = bytes.as_slice() else {
        return None;
    };
    let seed: [u8; 32] = seed.try_into().ok()?;
    Some(bongsu_core::keys::CosignatureSigner::new(
        name,
        ed25519_dalek::SigningKey::from_bytes(&seed),
        time,
    ))
}

/// Reads a witness's private key file, to cosign at Unix time `time`.
pub fn read_witness(
    path: &Path,
    time: u64,
) -> Result<bongsu_core::keys::CosignatureSigner, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadKey {
        path: path.to_owned(),
        source,
    })?;
    witness_from_skey(text.trim(), time).ok_or_else(|| CliError::BadKey {
        path: path.to_owned(),
    })
}

/// Why a key entry (a verifier key written out, or a `.pub` file) gave no key.
#[derive(Debug)]
pub enum KeyEntryError {
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    NotAKey {
        path: PathBuf,
    },
}

/// A verifier key written out, or a path (relative to `base`) to a `.pub`
/// file holding one; `is_key` says which kinds of key the caller accepts.
pub fn resolve_verifier_key(
    base: &Path,
    entry: &str,
    is_key: impl Fn(&str) -> bool,
) -> Result<String, KeyEntryError> {
    if is_key(entry) {
        return Ok(entry.to_owned());
    }
    let path = base.join(entry);
    let text = std::fs::read_to_string(&path).map_err(|source| KeyEntryError::Unreadable {
        path: path.clone(),
        source,
    })?;
    let key = text.trim();
    if is_key(key) {
        Ok(key.to_owned())
    } else {
        Err(KeyEntryError::NotAKey { path })
    }
}

/// A signed-note verifier key (feeds, key sets, checkpoints).
pub fn is_signer_key(key: &str) -> bool {
    signed_note::StandardVerifier::new(key).is_ok()
}

/// `bongsu keygen`'s flags: what the command line gives, used as its options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Key name, e.g. status.example.com (no spaces or '+').
    #[arg(long)]
    name: String,
    /// Where to write the private key; refuses to overwrite.
    #[arg(long)]
    out: PathBuf,
    /// Make a witness key: <out>.pub holds a cosignature key (C2SP tlog-cosignature)
    /// for the key set's witness role.
    #[arg(long)]
    witness: bool,
}

/// Runs `bongsu keygen`.
pub fn run(args: Args) -> Result<(), CliError> {
    let Args { name, out, witness } = args;
    let kind = if witness {
        KeyKind::Witness
    } else {
        KeyKind::Signer
    };
    println!("{}", keygen_kind(&name, &out, kind)?);
    Ok(())
}

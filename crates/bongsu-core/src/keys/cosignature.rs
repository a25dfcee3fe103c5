//! Witness cosignatures, as C2SP tlog-cosignature defines them.
//!
//! A witness cosigns a checkpoint it has checked is consistent with every
//! checkpoint of the same log it cosigned before. The signature line is an
//! ordinary signed-note signature whose key has type 0x04; its bytes are an
//! 8-byte big-endian Unix time followed by an Ed25519 signature over
//!
//! ```text
//! cosignature/v1
//! time <Unix seconds>
//! <checkpoint text>
//! ```

#[cfg(feature = "signing")]
use base64::Engine as _;
#[cfg(feature = "signing")]
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use crate::keys::note::VerifierKey;
pub use crate::keys::note::COSIGNATURE_KEY_TYPE;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureKeyError {
    #[error("`{0}` is not a witness key (expected name+keyid+base64 of 0x04 and a 32-byte Ed25519 key, as `bongsu keygen --witness` prints)")]
    Malformed(String),
}

#[cfg(feature = "signing")]
fn key_bytes(key: &VerifyingKey) -> Vec<u8> {
    let mut bytes = vec![COSIGNATURE_KEY_TYPE];
    bytes.extend_from_slice(key.as_bytes());
    bytes
}

/// Checks witness cosignatures.
#[derive(Debug, Clone)]
pub struct CosignatureVerifier {
    key: VerifierKey,
}

impl CosignatureVerifier {
    /// Parses a witness verifier key, `name+keyid+base64(0x04 || key)`.
    pub fn new(vkey: &str) -> Result<CosignatureVerifier, CosignatureKeyError> {
        match VerifierKey::parse(vkey) {
            Some(key) if key.key_type == COSIGNATURE_KEY_TYPE => Ok(CosignatureVerifier { key }),
            _ => Err(CosignatureKeyError::Malformed(
                vkey.chars().take(80).collect(),
            )),
        }
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.key.name
    }

    /// The key's id.
    pub fn key_id(&self) -> u32 {
        self.key.id
    }

    /// The parsed key.
    pub fn key(&self) -> &VerifierKey {
        &self.key
    }

    /// The Unix time a valid cosignature claims, or `None` when it does not verify.
    pub fn verified_time(&self, text: &[u8], sig: &[u8]) -> Option<u64> {
        self.key.verify(text, sig)
    }
}

/// Makes witness cosignatures at a fixed time.
#[cfg(feature = "signing")]
pub struct CosignatureSigner {
    name: String,
    id: u32,
    key: SigningKey,
    time: u64,
}

#[cfg(feature = "signing")]
impl CosignatureSigner {
    pub fn new(name: &str, key: SigningKey, time: u64) -> CosignatureSigner {
        let id = crate::keys::note::key_id(name, &key_bytes(&key.verifying_key()));
        CosignatureSigner {
            name: name.to_owned(),
            id,
            key,
            time,
        }
    }

    /// The witness's verifier key, to list in the key set's witness role.
    pub fn verifier_key(&self) -> String {
        let b64 =
            base64::engine::general_purpose::STANDARD.encode(key_bytes(&self.key.verifying_key()));
        format!("{}+{:08x}+{b64}", self.name, self.id)
    }
}

#[cfg(feature = "signing")]
impl signed_note::Signer for CosignatureSigner {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(
            &self
                .key
                .sign(&crate::keys::note::cosignature_message(self.time, msg))
                .to_bytes(),
        );
        Ok(out)
    }
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use signed_note::Signer;

    fn signer(time: u64) -> CosignatureSigner {
        CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[7; 32]), time)
    }

    #[test]
    fn cosignature_round_trip_carries_the_time() {
        let s = signer(1_700_000_000);
        let v = CosignatureVerifier::new(&s.verifier_key()).unwrap();
        assert_eq!((v.name(), v.key_id()), (s.name(), Signer::key_id(&s)));
        let sig = s.sign(b"origin\n1\nhash\n").unwrap();
        assert_eq!(sig.len(), 72);
        assert_eq!(
            v.verified_time(b"origin\n1\nhash\n", &sig),
            Some(1_700_000_000)
        );
        assert_eq!(v.verified_time(b"origin\n2\nhash\n", &sig), None);
        let mut other_time = sig.clone();
        other_time[7] ^= 1;
        assert_eq!(v.verified_time(b"origin\n1\nhash\n", &other_time), None);
        assert_eq!(v.verified_time(b"origin\n1\nhash\n", &sig[..71]), None);
    }

    #[test]
    fn ordinary_ed25519_keys_are_not_witness_keys() {
        let (_, vkey) = signed_note::generate_key(&mut rand_core::OsRng, "status.example");
        assert!(CosignatureVerifier::new(&vkey).is_err());
        assert!(CosignatureVerifier::new("w+00000000+AAAA").is_err());
        assert!(CosignatureVerifier::new("nonsense").is_err());
    }

    #[test]
    fn a_wrong_key_id_is_refused() {
        let key = signer(0).verifier_key();
        let (name, rest) = key.split_once('+').unwrap();
        let (_, b64) = rest.split_once('+').unwrap();
        assert!(CosignatureVerifier::new(&format!("{name}+00000000+{b64}")).is_err());
    }
}

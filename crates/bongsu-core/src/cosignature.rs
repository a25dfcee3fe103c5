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

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Signer, Verifier};

pub const COSIGNATURE_KEY_TYPE: u8 = 0x04;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureKeyError {
    #[error("`{0}` is not a witness key (expected name+keyid+base64 of 0x04 and a 32-byte Ed25519 key, as `bongsu keygen --witness` prints)")]
    Malformed(String),
}

fn message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(text);
    msg
}

fn key_bytes(key: &VerifyingKey) -> Vec<u8> {
    let mut bytes = vec![COSIGNATURE_KEY_TYPE];
    bytes.extend_from_slice(key.as_bytes());
    bytes
}

/// Checks witness cosignatures.
#[derive(Debug, Clone)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Parses a witness verifier key, `name+keyid+base64(0x04 || key)`.
    pub fn new(vkey: &str) -> Result<CosignatureVerifier, CosignatureKeyError> {
        let bad = || CosignatureKeyError::Malformed(vkey.chars().take(80).collect());
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if !signed_note::is_key_name_valid(name) || id.len() != 8 {
            return Err(bad());
        }
        let id = u32::from_str_radix(id, 16).map_err(|_| bad())?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| bad())?;
        let [COSIGNATURE_KEY_TYPE, rest @ ..] = bytes.as_slice() else {
            return Err(bad());
        };
        let raw: [u8; 32] = rest.try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| bad())?;
        if signed_note::key_id(name, &bytes) != id {
            return Err(bad());
        }
        Ok(CosignatureVerifier {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The Unix time a valid cosignature claims, or `None` when it does not verify.
    pub fn verified_time(&self, text: &[u8], sig: &[u8]) -> Option<u64> {
        let (time, sig) = sig.split_first_chunk::<8>()?;
        let sig: [u8; 64] = sig.try_into().ok()?;
        let time = u64::from_be_bytes(*time);
        self.key
            .verify_strict(
                &message(time, text),
                &ed25519_dalek::Signature::from_bytes(&sig),
            )
            .ok()
            .map(|()| time)
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.verified_time(msg, sig).is_some()
    }
}

/// Makes witness cosignatures at a fixed time.
pub struct CosignatureSigner {
    name: String,
    id: u32,
    key: SigningKey,
    time: u64,
}

impl CosignatureSigner {
    pub fn new(name: &str, key: SigningKey, time: u64) -> CosignatureSigner {
        let id = signed_note::key_id(name, &key_bytes(&key.verifying_key()));
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

impl Signer for CosignatureSigner {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&self.key.sign(&message(self.time, msg)).to_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(!v.verify(b"origin\n2\nhash\n", &sig));
        let mut other_time = sig.clone();
        other_time[7] ^= 1;
        assert!(!v.verify(b"origin\n1\nhash\n", &other_time));
        assert!(!v.verify(b"origin\n1\nhash\n", &sig[..71]));
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

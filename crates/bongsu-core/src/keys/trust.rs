//! Keys with a threshold, and what the app pins.
//!
//! Keys are C2SP signed-note verifier keys (`name+keyid+base64`). Each role
//! has a set of keys and a threshold: a note counts as signed by the role
//! when at least `threshold` distinct keys of the role have signed it. The
//! app pins only the root role ([`TrustPolicy`]); every online key comes from
//! a root-signed key set ([`crate::keys::keyset`]).

use serde::{Deserialize, Serialize};

use crate::keys::note::{VerifierKey, ED25519_KEY_TYPE};
use crate::text::json::{FromJson, Problem, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("role `{role}`: key #{index} `{key}` is not a valid signed-note verifier key (expected name+keyid+base64, as `bongsu keygen` prints)")]
    BadKey {
        role: String,
        index: usize,
        key: String,
    },
    #[error("role `{role}`: threshold {threshold} is impossible with {keys} key(s); it must be between 1 and the number of keys")]
    BadThreshold {
        role: String,
        threshold: usize,
        keys: usize,
    },
    #[error("role `{role}`: the same key is listed twice (`{key}`)")]
    DuplicateKey { role: String, key: String },
}

/// The keys of one role and how many of them must sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleKeys {
    pub threshold: usize,
    /// Verifier keys, `name+keyid+base64`.
    pub keys: Vec<String>,
}

/// What a reader pins: the root keys, and nothing else. The online keys
/// (status signer, probes, witnesses) are learnt from key sets signed by
/// these, so they rotate without touching the app or its config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustPolicy {
    pub root: RoleKeys,
}

/// How a key is named in messages and revocation lists: `name+keyid`.
pub fn key_identity(name: &str, id: u32) -> String {
    format!("{name}+{id:08x}")
}

impl RoleKeys {
    /// Checks the keys parse and the threshold is reachable.
    pub fn check(&self, role: &str) -> Result<(), TrustError> {
        self.verifier_keys(role).map(|_| ())
    }

    /// The `name+keyid` of every key, for comparing key lists.
    pub fn identities(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter_map(|k| VerifierKey::parse(k))
            .map(|v| key_identity(&v.name, v.id))
            .collect()
    }

    /// The role's keys, parsed: ordinary Ed25519 signed-note keys, each
    /// listed once, and a threshold between 1 and their number.
    pub fn verifier_keys(&self, role: &str) -> Result<Vec<VerifierKey>, TrustError> {
        if self.threshold == 0 || self.threshold > self.keys.len() {
            return Err(TrustError::BadThreshold {
                role: role.to_owned(),
                threshold: self.threshold,
                keys: self.keys.len(),
            });
        }
        let mut list: Vec<VerifierKey> = Vec::with_capacity(self.keys.len());
        for (index, key) in self.keys.iter().enumerate() {
            let verifier = VerifierKey::parse(key)
                .filter(|v| v.key_type == ED25519_KEY_TYPE)
                .ok_or_else(|| TrustError::BadKey {
                    role: role.to_owned(),
                    index,
                    key: key.clone(),
                })?;
            // The same public key under a second name is still one key: it
            // must not count twice towards the threshold.
            if list.iter().any(|v| {
                (v.name == verifier.name && v.id == verifier.id)
                    || v.public_key() == verifier.public_key()
            }) {
                return Err(TrustError::DuplicateKey {
                    role: role.to_owned(),
                    key: key.clone(),
                });
            }
            list.push(verifier);
        }
        Ok(list)
    }
}

impl FromJson for RoleKeys {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|f| {
            Ok(RoleKeys {
                threshold: f.required("threshold")?.usize()?,
                keys: f.required("keys")?.strings()?,
            })
        })
    }
}

impl FromJson for TrustPolicy {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem> {
        v.object(|t| {
            Ok(TrustPolicy {
                root: RoleKeys::from_json(t.required("root")?)?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A verifier key from the signed-note specification's examples.
    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn a_single_pinned_key_is_a_threshold_of_one() {
        let keys = RoleKeys {
            threshold: 1,
            keys: vec![PETER.into()],
        };
        assert_eq!(keys.check("status"), Ok(()));
    }

    #[test]
    fn threshold_outside_one_to_n_is_rejected() {
        for threshold in [0, 2] {
            let keys = RoleKeys {
                threshold,
                keys: vec![PETER.into()],
            };
            assert!(matches!(
                keys.check("status"),
                Err(TrustError::BadThreshold { .. })
            ));
        }
    }

    #[test]
    fn a_garbled_key_is_named_by_index() {
        let keys = RoleKeys {
            threshold: 1,
            keys: vec![PETER.into(), "nonsense".into()],
        };
        assert!(matches!(
            keys.check("status"),
            Err(TrustError::BadKey { index: 1, .. })
        ));
    }

    #[test]
    fn one_public_key_under_two_names_cannot_count_twice() {
        use base64::Engine;
        let encoded = PETER.rsplit('+').next().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let alias = format!(
            "PaulNeumann+{:08x}+{encoded}",
            crate::keys::note::key_id("PaulNeumann", &bytes)
        );
        assert!(crate::keys::note::VerifierKey::parse(&alias).is_some());
        let keys = RoleKeys {
            threshold: 2,
            keys: vec![PETER.into(), alias],
        };
        assert!(matches!(
            keys.check("root"),
            Err(TrustError::DuplicateKey { .. })
        ));
    }

    #[test]
    fn a_key_listed_twice_cannot_count_twice() {
        let keys = RoleKeys {
            threshold: 2,
            keys: vec![PETER.into(), PETER.into()],
        };
        assert!(matches!(
            keys.check("status"),
            Err(TrustError::DuplicateKey { .. })
        ));
    }
}

//! Reading C2SP signed notes and verifier keys, and checking one signature:
//! what a reader needs, with nothing for signing.
//!
//! Signing stays with the `signed_note` crate (behind the `signing`
//! feature). The browser builds leave it out, and with it the 7 KB
//! precomputed basepoint table its `fast` feature forces on ed25519-dalek:
//! verification does not need it. The signature arithmetic itself is
//! [`crate::keys::ed25519`]'s. The tests and the `signed_note` fuzz target hold
//! this reader to that crate's answers.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::keys::ed25519::{self, Check};

/// Larger notes are malformed (the limit `signed_note` uses).
pub const MAX_NOTE_SIZE: usize = 1_000_000;
/// A note with more signature lines is malformed (ditto).
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// The key type byte of an ordinary signed-note Ed25519 key.
pub const ED25519_KEY_TYPE: u8 = 0x01;
/// The key type byte of a C2SP tlog-cosignature/v1 witness key.
pub const COSIGNATURE_KEY_TYPE: u8 = 0x04;

/// A parsed signed note: its text, and the signature lines as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    text: Vec<u8>,
    signatures: Vec<NoteSignature>,
}

/// One signature line: `— <name> base64(<key id> <signature>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: u32,
    /// The signature bytes after the key id (64 for Ed25519; 72 for a
    /// cosignature, whose first 8 are its time).
    pub bytes: Vec<u8>,
}

impl Note {
    /// Parses a signed note, or `None` when the bytes are not one: too
    /// large, not UTF-8, a control character other than newline, no blank
    /// line before the signature block, or a malformed signature line.
    pub fn parse(bytes: &[u8]) -> Option<Note> {
        if bytes.len() > MAX_NOTE_SIZE {
            return None;
        }
        let all = std::str::from_utf8(bytes).ok()?;
        if all.bytes().any(|b| b < 0x20 && b != b'\n') {
            return None;
        }
        // The signature block follows the last blank line.
        let split = all.rfind("\n\n")?;
        let text = &bytes[..=split];
        let block = all[split + 2..].strip_suffix('\n')?;
        let mut signatures = Vec::new();
        for line in block.split('\n') {
            if signatures.len() == MAX_NOTE_SIGNATURES {
                return None;
            }
            signatures.push(NoteSignature::parse(line)?);
        }
        Some(Note {
            text: text.to_vec(),
            signatures,
        })
    }

    /// The signed text, ending in a newline.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// The signature lines, in the order they were written.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }
}

impl NoteSignature {
    /// One signature line, `— <name> <base64(keyid || signature)>`.
    pub(crate) fn parse(line: &str) -> Option<NoteSignature> {
        let (name, b64) = line.strip_prefix("— ")?.split_once(' ')?;
        let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        let (id, bytes) = raw.split_first_chunk::<4>()?;
        if bytes.is_empty() || !is_key_name_valid(name) {
            return None;
        }
        Some(NoteSignature {
            name: name.to_owned(),
            id: u32::from_be_bytes(*id),
            bytes: bytes.to_vec(),
        })
    }
}

/// What a witness signs for a checkpoint's `text` at `time` (C2SP
/// tlog-cosignature): what a type-0x04 key's signature is over.
pub(crate) fn cosignature_message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut msg = b"cosignature/v1\ntime ".to_vec();
    msg.extend_from_slice(time.to_string().as_bytes());
    msg.push(b'\n');
    msg.extend_from_slice(text);
    msg
}

/// Whether `name` may name a key: non-empty, no Unicode space, no `+`.
pub fn is_key_name_valid(name: &str) -> bool {
    !(name.is_empty() || name.chars().any(char::is_whitespace) || name.contains('+'))
}

/// The key id the signed-note spec recommends: the first four bytes of
/// SHA-256(name, newline, key type and key).
pub fn key_id(name: &str, key: &[u8]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(b"\n")
        .chain_update(key)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A verifier key, `name+keyid+base64(type || key)`, of either type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: u32,
    /// [`ED25519_KEY_TYPE`] or [`COSIGNATURE_KEY_TYPE`].
    pub key_type: u8,
    key: [u8; 32],
}

impl VerifierKey {
    /// Parses a verifier key, or `None` when it is malformed, of another
    /// type, or its id does not match; natively also when it is not a point
    /// on the curve. (A browser build cannot tell here: WebCrypto refuses
    /// such a key when it is first used, so it verifies nothing.)
    pub fn parse(text: &str) -> Option<VerifierKey> {
        let mut parts = text.splitn(3, '+');
        let (name, id, b64) = (parts.next()?, parts.next()?, parts.next()?);
        if id.len() != 8 || !is_key_name_valid(name) {
            return None;
        }
        let id = u32::from_str_radix(id, 16).ok()?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        let (&key_type, raw) = bytes.split_first()?;
        if key_type != ED25519_KEY_TYPE && key_type != COSIGNATURE_KEY_TYPE {
            return None;
        }
        let key: [u8; 32] = raw.try_into().ok()?;
        #[cfg(feature = "ed25519-dalek")]
        ed25519_dalek::VerifyingKey::from_bytes(&key).ok()?;
        if key_id(name, &bytes) != id {
            return None;
        }
        Some(VerifierKey {
            name: name.to_owned(),
            id,
            key_type,
            key,
        })
    }

    /// The raw Ed25519 public key: one key under two names is still one key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key
    }

    /// Whether this key made `signature`, as its type defines it.
    ///
    /// An ordinary key signs the note's text; a witness key signs the
    /// cosignature message for the time in the signature's first 8 bytes.
    /// Returns that time for a witness key (0 for an ordinary one).
    pub fn verify(&self, text: &[u8], signature: &[u8]) -> Option<u64> {
        let (time, check) = if self.key_type == COSIGNATURE_KEY_TYPE {
            let (time, sig) = signature.split_first_chunk::<8>()?;
            let time = u64::from_be_bytes(*time);
            let check = Check {
                key: self.key,
                message: cosignature_message(time, text),
                signature: sig.try_into().ok()?,
                strict: true,
            };
            (time, check)
        } else {
            // Not strict: what `signed_note` accepts.
            let check = Check {
                key: self.key,
                message: text.to_vec(),
                signature: signature.try_into().ok()?,
                strict: false,
            };
            (0, check)
        };
        ed25519::verify(check).then_some(time)
    }

    /// Whether this key is the one a signature line names.
    pub fn names(&self, signature: &NoteSignature) -> bool {
        self.name == signature.name && self.id == signature.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The signed-note specification's example key and note.
    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn the_specification_example_verifies() {
        let key = VerifierKey::parse(PETER).unwrap();
        assert_eq!((key.name.as_str(), key.id), ("PeterNeumann", 0xc74f20a3));
        let note = Note::parse(NOTE.as_bytes()).unwrap();
        assert_eq!(note.signatures().len(), 1);
        assert!(key.names(&note.signatures()[0]));
        assert_eq!(
            key.verify(note.text(), &note.signatures()[0].bytes),
            Some(0)
        );
        let mut altered = note.text().to_vec();
        altered[0] = b'i';
        assert_eq!(key.verify(&altered, &note.signatures()[0].bytes), None);
    }

    #[test]
    fn malformed_notes_are_refused() {
        let ok = NOTE;
        for bad in [
            ok.replace("\n\n", "\n"),             // no blank line
            ok.trim_end().to_owned(),             // signature block without its newline
            ok.replace("— ", "-- "),              // wrong dash
            ok.replace("PeterNeumann x", "Peter+N x"), // '+' in a name
            ok.replace("problem,", "problem,\t"), // control character
            format!("{ok}\n"),                    // an empty signature line
            ok.replace("x08go", "!08go"),         // not base64
            ok.replace("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=", "— PeterNeumann AAAAAA=="), // id only
        ] {
            assert_eq!(Note::parse(bad.as_bytes()), None, "{bad:?}");
        }
        let many = format!(
            "{ok}{}",
            "— PeterNeumann AAAAAAA=\n".repeat(MAX_NOTE_SIGNATURES)
        );
        assert_eq!(Note::parse(many.as_bytes()), None);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // wrong id
            "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // short id
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // not base64 of 33 bytes
            "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // unknown type
        ] {
            assert_eq!(VerifierKey::parse(bad), None, "{bad:?}");
        }
    }

    mod against_signed_note {
        use super::super::*;
        use ed25519_dalek::SigningKey;
        use proptest::prelude::*;
        use signed_note::{StandardSigner, StandardVerifier, VerifierList};

        fn signer(name: &str, seed: u8) -> (StandardSigner, String) {
            let bytes = [seed; 32];
            let vkey = signed_note::new_ed25519_verifier_key(
                name,
                &SigningKey::from_bytes(&bytes).verifying_key(),
            );
            let id = vkey.split('+').nth(1).unwrap().to_owned();
            let mut private = vec![ED25519_KEY_TYPE];
            private.extend_from_slice(&bytes);
            let skey = format!(
                "PRIVATE+KEY+{name}+{id}+{}",
                base64::engine::general_purpose::STANDARD.encode(private)
            );
            (StandardSigner::new(&skey).unwrap(), vkey)
        }

        /// What a reader concludes about one key's signatures on a note.
        #[derive(Debug, PartialEq)]
        enum Verdict {
            NotANote,
            Unsigned,
            Valid,
            Invalid,
        }

        fn ours(bytes: &[u8], vkey: &str) -> Verdict {
            let Some(note) = Note::parse(bytes) else {
                return Verdict::NotANote;
            };
            let key = VerifierKey::parse(vkey).unwrap();
            match note.signatures().iter().find(|s| key.names(s)) {
                None => Verdict::Unsigned,
                Some(sig) if key.verify(note.text(), &sig.bytes).is_some() => Verdict::Valid,
                Some(_) => Verdict::Invalid,
            }
        }

        fn theirs(bytes: &[u8], vkey: &str) -> Verdict {
            let Ok(note) = signed_note::Note::from_bytes(bytes) else {
                return Verdict::NotANote;
            };
            let list = VerifierList::new(vec![Box::new(StandardVerifier::new(vkey).unwrap())]);
            match note.verify(&list) {
                Ok(_) => Verdict::Valid,
                Err(signed_note::NoteError::UnverifiedNote) => Verdict::Unsigned,
                Err(_) => Verdict::Invalid,
            }
        }

        const PIECES: [&str; 12] = [
            "\n", "\n\n", " ", "+", "— ", "-", "a", "\t", "é", "=", "/", "\u{3000}",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn both_readers_agree_after_random_edits(
                text in "[a-z +\n]{0,40}",
                signers in 1usize..=3,
                edits in proptest::collection::vec((any::<prop::sample::Index>(), 0..PIECES.len(), 0usize..3), 0..4),
            ) {
                let keys = [signer("a.example", 1), signer("b.example", 2), signer("c.example", 3)];
                let text = format!("{text}\n");
                let Ok(mut note) = signed_note::Note::new(text.as_bytes(), &[]) else {
                    return Ok(());
                };
                let chosen: Vec<&dyn signed_note::Signer> =
                    keys[..signers].iter().map(|(s, _)| s as &dyn signed_note::Signer).collect();
                note.add_sigs(&chosen).unwrap();
                let mut bytes = note.to_bytes();
                for (at, piece, how) in edits {
                    let at = at.index(bytes.len() + 1);
                    let piece = PIECES[piece].as_bytes();
                    match how {
                        0 => { bytes.splice(at..at, piece.iter().copied()); }
                        1 => { bytes.splice(at..(at + piece.len()).min(bytes.len()), piece.iter().copied()); }
                        _ => { bytes.drain(at..(at + piece.len()).min(bytes.len())); }
                    }
                }
                let parsed = Note::parse(&bytes);
                let reference = signed_note::Note::from_bytes(&bytes);
                prop_assert_eq!(parsed.is_some(), reference.is_ok());
                if let (Some(parsed), Ok(reference)) = (parsed, reference) {
                    prop_assert_eq!(parsed.text(), reference.text());
                }
                for (_, vkey) in &keys {
                    prop_assert_eq!(ours(&bytes, vkey), theirs(&bytes, vkey));
                }
            }
        }
    }
}

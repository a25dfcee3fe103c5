//! Checking one Ed25519 signature, natively or with answers from elsewhere.
//!
//! Natively (feature `ed25519-dalek`) a check is computed on the spot. A
//! browser has Ed25519 built in (WebCrypto), and leaving ed25519-dalek out
//! of its builds saves a tenth of the status page's download; but WebCrypto
//! answers asynchronously, while the core's rules are synchronous pure
//! functions. So a browser runs a rule under [`Verdicts::run`]: every check
//! the rule asks for that the verdicts do not hold is recorded (and answered
//! "valid", so that one run finds every check the rule could need), the
//! caller has those checked and added, and runs the rule again, until a run
//! needs nothing new. Only that last run's result counts: it saw nothing
//! but real answers.
//!
//! Outside a run, a build without ed25519-dalek has no way to check and
//! answers "invalid": it fails closed.

use std::cell::RefCell;
use std::collections::HashMap;

use sha2::{Digest as _, Sha256};

/// One signature to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The signer's Ed25519 public key.
    pub key: [u8; 32],
    pub message: Vec<u8>,
    pub signature: [u8; 64],
    /// Also refuse what only lax verifiers accept (small-order keys and
    /// `R`; ed25519-dalek's `verify_strict`, which cosignatures use).
    /// WebCrypto has one rule for both (see ARCHITECTURE.md).
    pub strict: bool,
}

impl Check {
    /// What the verdicts are kept under: the check's digest, not its
    /// message (which can be a megabyte).
    fn digest(&self) -> [u8; 32] {
        Sha256::new()
            .chain_update([u8::from(self.strict)])
            .chain_update(self.key)
            .chain_update(self.signature)
            .chain_update(&self.message)
            .finalize()
            .into()
    }
}

/// Answers to checks, from an outside verifier.
#[derive(Debug, Default, Clone)]
pub struct Verdicts {
    known: HashMap<[u8; 32], bool>,
}

/// The verdicts lent to the rule running now, and what it asked for beyond them.
struct Scope {
    known: HashMap<[u8; 32], bool>,
    missing: Vec<Check>,
}

std::thread_local! {
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

impl Verdicts {
    /// Records the answer to `check`.
    pub fn insert(&mut self, check: &Check, valid: bool) {
        self.known.insert(check.digest(), valid);
    }

    /// Forgets the answer to `check`.
    pub fn remove(&mut self, check: &Check) {
        self.known.remove(&check.digest());
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Forgets every answer (a caller keeping verdicts across runs bounds
    /// them so).
    pub fn clear(&mut self) {
        self.known.clear();
    }

    /// Runs `rule` answering its checks from these verdicts: its result,
    /// or the checks it asked for that they do not hold (each once, in the
    /// order asked), in which case the result is discarded.
    ///
    /// A run inside another run answers from the outer one's verdicts and
    /// reports nothing missing: the outer run reports it, and its caller
    /// runs everything again.
    pub fn run<R>(&mut self, rule: impl FnOnce() -> R) -> Result<R, Vec<Check>> {
        if SCOPE.with(|scope| scope.borrow().is_some()) {
            return Ok(rule());
        }
        SCOPE.with(|scope| {
            *scope.borrow_mut() = Some(Scope {
                known: std::mem::take(&mut self.known),
                missing: Vec::new(),
            });
        });
        // Ends the run even if `rule` unwinds, so that no later check
        // outside a run is answered from it.
        struct EndRun;
        impl Drop for EndRun {
            fn drop(&mut self) {
                let _ = SCOPE.try_with(|scope| scope.borrow_mut().take());
            }
        }
        let end = EndRun;
        let result = rule();
        let Scope { known, missing } = SCOPE
            .with(|scope| scope.borrow_mut().take())
            .unwrap_or_else(|| Scope {
                known: HashMap::new(),
                missing: Vec::new(),
            });
        drop(end);
        self.known = known;
        if missing.is_empty() {
            Ok(result)
        } else {
            Err(missing)
        }
    }
}

/// The encodings of the eight points of small order (the y coordinate;
/// libsodium's list, with the sign bit ignored): 0 and 1 also written as
/// p and p + 1, p − 1, and the two order-8 y values. A key or `R` of small
/// order lets a signature verify for more than one message or key;
/// browsers differ on refusing them, so the core refuses them first.
const SMALL_ORDER: [[u8; 32]; 7] = {
    let mut all = [[0; 32]; 7];
    all[1][0] = 1;
    all[2] = [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ];
    all[3] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    // p − 1, p, p + 1 (p = 2^255 − 19).
    let mut i = 4;
    while i < 7 {
        let mut n = [0xff; 32];
        n[0] = 0xec + (i as u8 - 4);
        n[31] = 0x7f;
        all[i] = n;
        i += 1;
    }
    all
};

/// Whether `point` encodes a point of small order.
pub fn is_small_order(point: &[u8; 32]) -> bool {
    let mut y = *point;
    y[31] &= 0x7f;
    SMALL_ORDER.contains(&y)
}

/// Whether `check` holds: from the verdicts of the run in progress, else
/// computed (natively) or refused (in a build without ed25519-dalek).
/// Small-order keys and `R` are refused before anything is asked.
pub fn verify(check: Check) -> bool {
    let r: &[u8; 32] = check.signature.first_chunk().unwrap_or(&[0; 32]);
    if is_small_order(&check.key) || is_small_order(r) {
        return false;
    }
    let answered = SCOPE.with(|scope| {
        let mut scope = scope.borrow_mut();
        let scope = scope.as_mut()?;
        let digest = check.digest();
        if let Some(&valid) = scope.known.get(&digest) {
            return Some(valid);
        }
        // Asked for the first time: "valid" for now, so the run goes on to
        // every other check it could need.
        if !scope.missing.contains(&check) {
            scope.missing.push(check.clone());
        }
        Some(true)
    });
    match answered {
        Some(valid) => valid,
        None => compute(&check),
    }
}

/// Checks `check` with ed25519-dalek.
#[cfg(feature = "ed25519-dalek")]
pub fn compute(check: &Check) -> bool {
    use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
    let Ok(key) = VerifyingKey::from_bytes(&check.key) else {
        return false;
    };
    let signature = Signature::from_bytes(&check.signature);
    if check.strict {
        key.verify_strict(&check.message, &signature).is_ok()
    } else {
        key.verify(&check.message, &signature).is_ok()
    }
}

/// Without ed25519-dalek there is nothing to check with: fail closed.
#[cfg(not(feature = "ed25519-dalek"))]
pub fn compute(_check: &Check) -> bool {
    false
}

#[cfg(all(test, feature = "signing"))]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn signed(seed: u8, message: &[u8]) -> Check {
        let key = SigningKey::from_bytes(&[seed; 32]);
        Check {
            key: key.verifying_key().to_bytes(),
            message: message.to_vec(),
            signature: key.sign(message).to_bytes(),
            strict: false,
        }
    }

    fn forged(seed: u8, message: &[u8]) -> Check {
        let mut check = signed(seed, message);
        check.message.push(b'!');
        check
    }

    /// A rule that needs one check, and a second only if the first holds.
    fn rule(first: &Check, second: &Check) -> (bool, bool) {
        let a = verify(first.clone());
        let b = a && verify(second.clone());
        (a, b)
    }

    /// What a browser does: run, answer what is missing, run again.
    fn settle<R>(verdicts: &mut Verdicts, mut rule: impl FnMut() -> R) -> (R, usize) {
        let mut rounds = 0;
        loop {
            rounds += 1;
            match verdicts.run(&mut rule) {
                Ok(result) => return (result, rounds),
                Err(missing) => {
                    for check in missing {
                        verdicts.insert(&check, compute(&check));
                    }
                }
            }
        }
    }

    #[test]
    fn computed_natively() {
        assert!(compute(&signed(1, b"a")));
        assert!(!compute(&forged(1, b"a")));
        let mut other_key = signed(1, b"a");
        other_key.key = signed(2, b"a").key;
        assert!(!compute(&other_key));
        let mut not_a_point = signed(1, b"a");
        not_a_point.key = [0xff; 32];
        assert!(!compute(&not_a_point));
    }

    #[test]
    fn a_run_reports_every_check_it_could_need_then_answers_from_the_verdicts() {
        let (good, bad) = (signed(1, b"one"), forged(2, b"two"));
        let mut verdicts = Verdicts::default();
        // Unknown checks are answered "valid" while exploring, so the first
        // run asks for both, once each.
        let missing = verdicts
            .run(|| (rule(&good, &bad), rule(&good, &bad)))
            .unwrap_err();
        assert_eq!(missing, vec![good.clone(), bad.clone()]);
        let (result, rounds) = settle(&mut verdicts, || rule(&good, &bad));
        assert_eq!((result, rounds), ((true, false), 2));
        assert_eq!(verdicts.len(), 2);
        // A forged first check: the second is never needed, never asked for.
        let mut fresh = Verdicts::default();
        let (result, _) = settle(&mut fresh, || rule(&forged(3, b"x"), &signed(4, b"y")));
        assert_eq!(result, (false, false));
    }

    #[test]
    fn settled_runs_agree_with_computing_on_the_spot() {
        let checks: Vec<Check> = (0..6u8)
            .map(|i| {
                if i % 3 == 0 {
                    forged(i, &[i])
                } else {
                    signed(i, &[i])
                }
            })
            .collect();
        let everything = || checks.iter().map(|c| verify(c.clone())).collect::<Vec<_>>();
        let direct = everything();
        let (settled, rounds) = settle(&mut Verdicts::default(), everything);
        assert_eq!(settled, direct);
        assert_eq!(rounds, 2);
    }

    #[test]
    fn a_nested_run_leaves_the_reporting_to_the_outer_one() {
        let check = signed(5, b"nested");
        let mut outer = Verdicts::default();
        let missing = outer
            .run(|| {
                let mut inner = Verdicts::default();
                inner.run(|| verify(check.clone())).is_ok()
            })
            .unwrap_err();
        assert_eq!(missing, vec![check]);
    }

    #[test]
    fn small_order_keys_and_r_are_refused_whatever_the_verdicts() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        for point in EIGHT_TORSION {
            let bytes = point.compress().to_bytes();
            assert!(is_small_order(&bytes), "{bytes:02x?}");
            let mut other_sign = bytes;
            other_sign[31] ^= 0x80;
            assert!(is_small_order(&other_sign));
            let mut weak_key = signed(7, b"m");
            weak_key.key = bytes;
            let mut weak_r = signed(7, b"m");
            weak_r.signature[..32].copy_from_slice(&bytes);
            for check in [weak_key, weak_r] {
                let mut verdicts = Verdicts::default();
                verdicts.insert(&check, true);
                assert_eq!(verdicts.run(|| verify(check.clone())), Ok(false));
            }
        }
        // Every entry of the list is one of them (or a non-canonical y of one).
        for entry in SMALL_ORDER {
            if let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&entry) {
                assert!(key.is_weak(), "{entry:02x?}");
            }
        }
        for seed in 0..=255u8 {
            assert!(!is_small_order(&signed(seed, b"m").key));
            assert!(compute(&signed(seed, b"m")) && verify(signed(seed, b"m")));
        }
    }

    #[test]
    fn a_verdict_is_for_exactly_one_check() {
        let check = signed(6, b"m");
        let mut verdicts = Verdicts::default();
        verdicts.insert(&check, true);
        let mut strict = check.clone();
        strict.strict = true;
        let mut longer = check.clone();
        longer.message.push(0);
        for other in [strict, longer] {
            assert!(verdicts.run(|| verify(other.clone())).is_err());
        }
        assert_eq!(verdicts.run(|| verify(check.clone())), Ok(true));
    }
}

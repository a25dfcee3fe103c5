//! Signature checks in the browser: the core's rules, run until every
//! Ed25519 check they ask for has a real answer (`bongsu_core::keys`),
//! with the answers from `js/ed25519.js` (WebCrypto, else a fallback
//! loaded on demand).
//!
//! Answers are kept for the page's lifetime (bounded), so a poll that
//! brings the same key chain and feed again costs no cryptography.

use std::cell::RefCell;

use bongsu_core::keys::{Check, Verdicts};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/ed25519.js")]
extern "C" {
    #[wasm_bindgen(js_name = ed25519VerifyAll, catch)]
    async fn ed25519_verify_all(packed: &[u8]) -> Result<JsValue, JsValue>;
}

/// Past this many answers the page starts again from none.
const MAX_KEPT: usize = 4096;

std::thread_local! {
    static KEPT: RefCell<Verdicts> = RefCell::new(Verdicts::default());
}

/// `rule`'s result once every signature check it needs is answered. `rule`
/// may run several times: it must not change anything, only compute.
///
/// A check that could not be made (the fallback failed to load, say) counts
/// as invalid for this call only, and is asked again by the next.
pub async fn checked<R>(rule: impl FnMut() -> R) -> R {
    checked_completely(rule).await.0
}

/// [`checked`], and whether every check could be made. Where a failure
/// would throw away what the device kept, "could not check" must not
/// count as "invalid".
pub async fn checked_completely<R>(mut rule: impl FnMut() -> R) -> (R, bool) {
    let mut result = None;
    let complete = settle(&mut || result = Some(rule())).await;
    // `settle` ran it at least once; the last run is the one that counts.
    let result = match result {
        Some(result) => result,
        None => rule(),
    };
    (result, complete)
}

/// Runs `rule` until a run needs no answer it lacks; false if some check
/// could not be made. Not generic, so the loop and its waiting are in the
/// build once, not once per caller.
async fn settle(rule: &mut dyn FnMut()) -> bool {
    KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.len() > MAX_KEPT {
            kept.clear();
        }
    });
    let mut unanswered = Vec::new();
    loop {
        let outcome = KEPT.with(|kept| kept.borrow_mut().run(&mut *rule));
        let Err(missing) = outcome else {
            break;
        };
        let answers = answers(&missing).await;
        KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            for (check, valid) in missing.into_iter().zip(answers) {
                kept.insert(&check, valid.unwrap_or(false));
                if valid.is_none() {
                    unanswered.push(check);
                }
            }
        });
    }
    KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        unanswered.iter().for_each(|check| kept.remove(check));
    });
    unanswered.is_empty()
}

/// The browser's answers, in order: `None` where it could not check.
/// (One call for all, checked in parallel on the JS side.)
async fn answers(checks: &[Check]) -> Vec<Option<bool>> {
    let mut packed = Vec::new();
    for check in checks {
        // Strict or not, the browser has one rule (see js/ed25519.js).
        packed.extend_from_slice(&check.key);
        packed.extend_from_slice(&check.signature);
        let length = u32::try_from(check.message.len()).unwrap_or(u32::MAX);
        packed.extend_from_slice(&length.to_le_bytes());
        packed.extend_from_slice(&check.message);
    }
    let answered = match ed25519_verify_all(&packed).await {
        Ok(answered) => js_sys::Uint8Array::new(&answered).to_vec(),
        Err(_) => Vec::new(),
    };
    (0..checks.len())
        .map(|i| match answered.get(i) {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        })
        .collect()
}

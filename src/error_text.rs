//! What went wrong, in the reader's language. Each function matches every
//! variant, so a new kind of error does not compile until it has words.
//! Where the core's message carries detail only an operator can use (a JSON
//! parse position, which feed rule broke), that detail is returned apart,
//! to be shown beside the sentence in its original English.

use bongsu_core::log::FeedConflict;
use bongsu_core::probe::ObservationError;
use bongsu_core::{FeedError, FetchError, KeysUnusable, SignatureError};

use crate::format::kst;
use crate::i18n::{td_string, Locale};

/// A sentence for the reader and, if any, technical detail (English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worded {
    pub text: String,
    pub detail: Option<String>,
}

impl Worded {
    fn plain(text: impl Into<String>) -> Self {
        Worded {
            text: text.into(),
            detail: None,
        }
    }

    fn with_detail(text: impl Into<String>, detail: impl ToString) -> Self {
        Worded {
            text: text.into(),
            detail: Some(detail.to_string()),
        }
    }
}

pub fn fetch_error(locale: Locale, e: &FetchError) -> String {
    match *e {
        FetchError::TimedOut { after_ms } => {
            td_string!(locale, fetch_error.timed_out, ms = after_ms)
        }
        FetchError::Network => td_string!(locale, fetch_error.network).to_string(),
        FetchError::Http { status } => td_string!(locale, fetch_error.http, status = status),
        FetchError::TooLarge { limit } => td_string!(locale, fetch_error.too_large, limit = limit),
    }
}

pub fn feed_error(locale: Locale, e: &FeedError) -> Worded {
    match e {
        FeedError::TooLarge { limit } => {
            Worded::plain(td_string!(locale, feed_error.too_large, limit = *limit))
        }
        FeedError::WrongContentType { found } => Worded::plain(td_string!(
            locale,
            feed_error.wrong_content_type,
            found = found
        )),
        FeedError::Signature(s) => signature_error(locale, s),
        FeedError::Keys(k) => Worded::plain(keys_unusable(locale, k)),
        FeedError::Wire(w) => Worded::with_detail(td_string!(locale, feed_error.wire), w),
        FeedError::WrongFeed { expected, found } => Worded::plain(td_string!(
            locale,
            feed_error.wrong_feed,
            expected = expected,
            found = found
        )),
        FeedError::Invalid(v) => Worded::with_detail(td_string!(locale, feed_error.invalid), v),
    }
}

/// Why a region's probe observation was refused: mostly the feed's words,
/// since the rules (size, signatures, format, feed id) are the same.
pub fn observation_error(locale: Locale, e: &ObservationError) -> Worded {
    match e {
        ObservationError::TooLarge { limit } => {
            Worded::plain(td_string!(locale, feed_error.too_large, limit = *limit))
        }
        ObservationError::NoProbeKeys { region } => {
            Worded::plain(td_string!(locale, probes.no_probe_keys, region = region))
        }
        ObservationError::Signature(s) => signature_error(locale, s),
        ObservationError::Wire(w) => Worded::with_detail(td_string!(locale, probes.wire), w),
        ObservationError::WrongFeed { expected, found } => Worded::plain(td_string!(
            locale,
            feed_error.wrong_feed,
            expected = expected,
            found = found
        )),
        ObservationError::WrongRegion { expected, found } => Worded::plain(td_string!(
            locale,
            probes.wrong_region,
            expected = expected,
            found = found
        )),
        ObservationError::Invalid(v) => Worded::with_detail(td_string!(locale, probes.invalid), v),
    }
}

fn signature_error(locale: Locale, e: &SignatureError) -> Worded {
    match e {
        SignatureError::NotANote => Worded::plain(td_string!(locale, feed_error.not_a_note)),
        SignatureError::BadSignature { key } => {
            Worded::plain(td_string!(locale, feed_error.bad_signature, key = key))
        }
        SignatureError::UnknownSigner { signers } => {
            Worded::plain(td_string!(locale, feed_error.untrusted, signers = signers))
        }
        SignatureError::Revoked { key } => {
            Worded::plain(td_string!(locale, feed_error.revoked, key = key))
        }
        SignatureError::ThresholdNotMet { valid, needed } => Worded::plain(td_string!(
            locale,
            feed_error.threshold,
            valid = *valid,
            needed = *needed
        )),
        SignatureError::Trust(t) => {
            Worded::with_detail(td_string!(locale, feed_error.keys_unusable), t)
        }
    }
}

pub fn keys_unusable(locale: Locale, e: &KeysUnusable) -> String {
    match e {
        KeysUnusable::NoKeySet => td_string!(locale, feed_error.no_key_set).to_string(),
        KeysUnusable::Expired {
            version,
            expires_at,
        } => td_string!(
            locale,
            feed_error.key_set_expired,
            version = *version,
            at = kst(locale, *expires_at)
        ),
    }
}

pub fn feed_conflict(locale: Locale, e: &FeedConflict) -> Worded {
    match e {
        FeedConflict::RootDiffers { size } => {
            Worded::plain(td_string!(locale, history.conflict_root, size = *size))
        }
        FeedConflict::BadRoot => Worded::plain(td_string!(locale, history.conflict_bad_root)),
        FeedConflict::StateDiffers { size, message } => Worded::with_detail(
            td_string!(locale, history.conflict_content, size = *size),
            message,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_words_in_both_languages() {
        let e = FeedError::Signature(SignatureError::ThresholdNotMet {
            valid: 1,
            needed: 2,
        });
        assert_eq!(
            feed_error(Locale::en, &e).text,
            "only 1 of the 2 required trusted signatures are present"
        );
        assert_eq!(
            feed_error(Locale::ko, &e).text,
            "필요한 신뢰 서명 2개 중 1개만 있습니다"
        );
        assert_eq!(
            fetch_error(Locale::ko, &FetchError::TimedOut { after_ms: 800 }),
            "800ms 안에 응답이 없음"
        );
    }

    #[test]
    fn operator_detail_is_kept_apart_from_the_sentence() {
        let e = FeedConflict::StateDiffers {
            size: 7,
            message: "service talk is operational in the log".into(),
        };
        let w = feed_conflict(Locale::ko, &e);
        assert!(w.text.contains('7'), "{}", w.text);
        assert_eq!(
            w.detail.as_deref(),
            Some("service talk is operational in the log")
        );
    }
}

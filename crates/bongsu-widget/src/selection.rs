//! Which feed the widget shows: the newest one that any region served and
//! that verifies under the trusted keys now, and never one older than what
//! is already shown (so no region can roll the widget back). A region that
//! serves exactly the feed on show confirms it: a status kept on the device
//! stops being marked as such.
//!
//! The app does the same in its poller, with more to report (each region's
//! state, equivocation evidence); the widget needs only the verdict, so the
//! rule is kept here as one small pure function over what was served.

use bongsu_core::{check_content_type, supersedes, verify_feed, Feed, KeyChain};
use bongsu_web::fetch::Fetched;
use time::OffsetDateTime;

/// The newest feed among `served` that verifies under `keys` at `now`,
/// with its signed note (to keep on the device). A region that served
/// something unverifiable is simply not counted; of two feeds with the same
/// sequence number the first stays.
pub fn newest_verified<'a>(
    served: impl IntoIterator<Item = &'a Fetched>,
    keys: &KeyChain,
    now: OffsetDateTime,
) -> Option<(Feed, String)> {
    let key_set = keys.current(now).ok()?;
    let mut best: Option<(Feed, String)> = None;
    for fetched in served {
        if check_content_type(fetched.content_type.as_deref()).is_err() {
            continue;
        }
        let Ok(feed) = verify_feed(&fetched.bytes, key_set) else {
            continue;
        };
        if supersedes(&feed, best.as_ref().map(|(f, _)| f)) {
            let note = String::from_utf8_lossy(&fetched.bytes).into_owned();
            best = Some((feed, note));
        }
    }
    best
}

/// What a verified feed does to the one on show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Newer: show it instead.
    Replace,
    /// The very feed on show: a region vouches for it now.
    Confirms,
    /// Older, or a conflicting copy: the feed on show stays.
    Keep,
}

pub fn judge(candidate: &Feed, shown: Option<&Feed>) -> Verdict {
    if supersedes(candidate, shown) {
        Verdict::Replace
    } else if shown == Some(candidate) {
        Verdict::Confirms
    } else {
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use bongsu_core::{
        chain_file, parse_chain_file, sign_feed, sign_key_set, Component, KeySet, RoleKeys, Roles,
        Service, Status,
    };
    use rand_core::OsRng;
    use signed_note::{generate_key, Signer, StandardSigner};
    use time::macros::datetime;
    use time::Duration;

    const NOW: OffsetDateTime = datetime!(2026-11-25 04:00 UTC);
    const NOTE: Option<&str> = Some("text/plain; charset=utf-8");

    struct Fixture {
        keys: KeyChain,
        status: StandardSigner,
        stranger: StandardSigner,
    }

    fn fixture() -> Fixture {
        let (root_skey, root_vkey) = generate_key(&mut OsRng, "root.bongsu.test");
        let (status_skey, status_vkey) = generate_key(&mut OsRng, "status.bongsu.test");
        let (stranger_skey, _) = generate_key(&mut OsRng, "status.bongsu.test");
        let root = RoleKeys {
            threshold: 1,
            keys: vec![root_vkey],
        };
        let key_set = KeySet {
            feed: "kakao".into(),
            version: 1,
            issued_at: NOW - Duration::days(1),
            expires_at: NOW + Duration::days(30),
            root: root.clone(),
            roles: Roles {
                status: RoleKeys {
                    threshold: 1,
                    keys: vec![status_vkey],
                },
                log: None,
                witness: None,
                probes: BTreeMap::new(),
            },
            revoked: Vec::new(),
        };
        let root_signer = StandardSigner::new(&root_skey).unwrap();
        let note = sign_key_set(&key_set, &[&root_signer as &dyn Signer]).unwrap();
        let mut keys = KeyChain::new(root, "kakao");
        keys.extend(&parse_chain_file(chain_file(&[note]).as_bytes()).unwrap())
            .unwrap();
        Fixture {
            keys,
            status: StandardSigner::new(&status_skey).unwrap(),
            stranger: StandardSigner::new(&stranger_skey).unwrap(),
        }
    }

    fn feed(seq: u64, status: Status) -> Feed {
        Feed {
            feed: "kakao".into(),
            seq,
            issued_at: NOW - Duration::minutes(5),
            expires_at: NOW + Duration::hours(1),
            log: None,
            services: vec![Service {
                id: "talk".into(),
                name: "KakaoTalk".into(),
                components: vec![Component {
                    id: "messages".into(),
                    name: "Messages".into(),
                    status,
                }],
            }],
            incidents: Vec::new(),
            maintenances: Vec::new(),
        }
    }

    fn served(feed: &Feed, signer: &StandardSigner) -> Fetched {
        Fetched {
            bytes: sign_feed(feed, &[signer as &dyn Signer]).unwrap(),
            content_type: NOTE.map(str::to_owned),
        }
    }

    #[test]
    fn the_newest_verified_feed_wins_whatever_order_regions_answer_in() {
        let f = fixture();
        let old = served(&feed(3, Status::Operational), &f.status);
        let new = served(&feed(4, Status::MajorOutage), &f.status);
        for order in [[&old, &new], [&new, &old]] {
            let (shown, note) = newest_verified(order, &f.keys, NOW).unwrap();
            assert_eq!(shown.seq, 4);
            assert_eq!(note.as_bytes(), new.bytes);
        }
    }

    #[test]
    fn forged_malformed_and_mislabelled_answers_are_not_counted() {
        let f = fixture();
        let forged = served(&feed(9, Status::Operational), &f.stranger);
        let garbage = Fetched {
            bytes: b"<html>down</html>".to_vec(),
            content_type: NOTE.map(str::to_owned),
        };
        let mut html = served(&feed(8, Status::Operational), &f.status);
        html.content_type = Some("text/html".into());
        let genuine = served(&feed(2, Status::PartialOutage), &f.status);
        let (shown, _) =
            newest_verified([&forged, &garbage, &html, &genuine], &f.keys, NOW).unwrap();
        assert_eq!((shown.seq, shown.overall()), (2, Status::PartialOutage));
        assert_eq!(newest_verified([&forged, &garbage], &f.keys, NOW), None);
    }

    #[test]
    fn only_a_newer_feed_replaces_what_is_shown_and_only_the_same_one_confirms_it() {
        let shown = feed(5, Status::MajorOutage);
        assert_eq!(
            judge(&feed(6, Status::Operational), Some(&shown)),
            Verdict::Replace
        );
        assert_eq!(judge(&feed(1, Status::Operational), None), Verdict::Replace);
        assert_eq!(judge(&shown.clone(), Some(&shown)), Verdict::Confirms);
        // A replay of an older feed, or a conflicting copy of this one.
        assert_eq!(
            judge(&feed(4, Status::Operational), Some(&shown)),
            Verdict::Keep
        );
        assert_eq!(
            judge(&feed(5, Status::Operational), Some(&shown)),
            Verdict::Keep
        );
    }

    #[test]
    fn without_usable_keys_nothing_verifies() {
        let f = fixture();
        let genuine = served(&feed(2, Status::Operational), &f.status);
        let untrusting = KeyChain::new(f.keys.trusted()[0].key_set.root.clone(), "kakao");
        assert_eq!(newest_verified([&genuine], &untrusting, NOW), None);
        // The key set expired long ago.
        assert_eq!(
            newest_verified([&genuine], &f.keys, NOW + Duration::days(60)),
            None
        );
    }
}

//! Which feed the widget shows, by the same rules as the page, which live
//! once in the core: verify every copy the regions served under the keys
//! trusted now; show only a strictly newer one, never moving backwards; of
//! two genuine copies with one sequence number show the one more regions
//! serve, and say that two were seen ([`bongsu_core::settle`]); and take
//! down the feed on show as soon as a key set no longer trusts the key
//! that signed it ([`bongsu_core::still_trusted`]), however high its
//! sequence number, so a forgery made with a stolen key cannot stay up
//! until a reload.

use bongsu_core::{check_content_type, settle, still_trusted, verify_feed, Feed, KeyChain};
use bongsu_web::fetch::Fetched;
use time::OffsetDateTime;

/// The feed on show.
#[derive(Debug, Clone, PartialEq)]
pub struct OnShow {
    pub feed: Feed,
    /// Its signed note, kept on the device and verified again when keys change.
    pub note: String,
    /// Kept on this device from an earlier visit; no region has confirmed
    /// it (or anything newer) yet.
    pub from_device: bool,
}

/// What the widget should show now.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub shown: Option<OnShow>,
    /// Whether `shown` is new (to keep on the device).
    pub replaced: bool,
    /// Two different genuine copies with one sequence number were served.
    pub conflict: bool,
}

/// Decides what to show, given what is on show and what each region (in
/// config order) last served, under `keys` at `now`.
pub fn decide(
    shown: Option<&OnShow>,
    served: &[Option<Fetched>],
    keys: &KeyChain,
    now: OffsetDateTime,
) -> Decision {
    let shown = shown.filter(|s| still_trusted(s.note.as_bytes(), keys));
    let key_set = keys.current(now).ok();
    let verified: Vec<Option<(Feed, &Fetched)>> = served
        .iter()
        .map(|fetched| {
            let fetched = fetched.as_ref()?;
            check_content_type(fetched.content_type.as_deref()).ok()?;
            let feed = verify_feed(&fetched.bytes, key_set?).ok()?;
            Some((feed, fetched))
        })
        .collect();
    let feeds: Vec<Option<&Feed>> = verified
        .iter()
        .map(|v| v.as_ref().map(|(feed, _)| feed))
        .collect();
    let settled = settle(shown.map(|s| &s.feed), &feeds);
    match settled
        .show
        .and_then(|i| verified.get(i))
        .and_then(Option::as_ref)
    {
        Some((feed, fetched)) => Decision {
            shown: Some(OnShow {
                feed: feed.clone(),
                note: String::from_utf8_lossy(&fetched.bytes).into_owned(),
                from_device: false,
            }),
            replaced: true,
            conflict: settled.conflict,
        },
        None => Decision {
            shown: shown.map(|s| OnShow {
                from_device: s.from_device && !settled.confirmed,
                ..s.clone()
            }),
            replaced: false,
            conflict: settled.conflict,
        },
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
        next_status: StandardSigner,
        /// The chain with version 2: `next_status` in, `status` revoked.
        rotated_notes: Vec<String>,
    }

    impl Fixture {
        fn rotated(&self) -> KeyChain {
            let mut keys = self.keys.clone();
            keys.extend(&self.rotated_notes).unwrap();
            keys
        }
    }

    fn fixture() -> Fixture {
        let (root_skey, root_vkey) = generate_key(&mut OsRng, "root.bongsu.test");
        let (status_skey, status_vkey) = generate_key(&mut OsRng, "status.bongsu.test");
        let (stranger_skey, _) = generate_key(&mut OsRng, "status.bongsu.test");
        let (next_skey, next_vkey) = generate_key(&mut OsRng, "status-2.bongsu.test");
        let root = RoleKeys {
            threshold: 1,
            keys: vec![root_vkey],
        };
        let key_set = |version: u64, status: &str, revoked: Vec<String>| KeySet {
            feed: "kakao".into(),
            version,
            issued_at: NOW - Duration::days(1),
            expires_at: NOW + Duration::days(30),
            root: root.clone(),
            roles: Roles {
                status: RoleKeys {
                    threshold: 1,
                    keys: vec![status.to_owned()],
                },
                log: None,
                witness: None,
                probes: BTreeMap::new(),
            },
            revoked,
        };
        let root_signer = StandardSigner::new(&root_skey).unwrap();
        let sign = |k: &KeySet| sign_key_set(k, &[&root_signer as &dyn Signer]).unwrap();
        let v1 = sign(&key_set(1, &status_vkey, Vec::new()));
        let v2 = sign(&key_set(2, &next_vkey, vec![status_vkey.clone()]));
        let mut keys = KeyChain::new(root.clone(), "kakao");
        keys.extend(&parse_chain_file(chain_file(std::slice::from_ref(&v1)).as_bytes()).unwrap())
            .unwrap();
        Fixture {
            keys,
            status: StandardSigner::new(&status_skey).unwrap(),
            stranger: StandardSigner::new(&stranger_skey).unwrap(),
            next_status: StandardSigner::new(&next_skey).unwrap(),
            rotated_notes: vec![v1, v2],
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
                    depends_on: Vec::new(),
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

    fn on_show(served: &Fetched, from_device: bool) -> OnShow {
        OnShow {
            feed: bongsu_core::feed::decode_text(
                signed_note::Note::from_bytes(&served.bytes).unwrap().text(),
            )
            .unwrap(),
            note: String::from_utf8(served.bytes.clone()).unwrap(),
            from_device,
        }
    }

    fn seq_and_status(d: &Decision) -> Option<(u64, Status)> {
        d.shown.as_ref().map(|s| (s.feed.seq, s.feed.overall()))
    }

    #[test]
    fn the_newest_verified_feed_wins_whatever_order_regions_answer_in() {
        let f = fixture();
        let old = served(&feed(3, Status::Operational), &f.status);
        let new = served(&feed(4, Status::MajorOutage), &f.status);
        for order in [[old.clone(), new.clone()], [new.clone(), old.clone()]] {
            let d = decide(None, &order.map(Some), &f.keys, NOW);
            assert_eq!(seq_and_status(&d), Some((4, Status::MajorOutage)));
            assert_eq!(d.shown.unwrap().note.as_bytes(), new.bytes);
            assert!(d.replaced && !d.conflict);
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
        let all = [
            Some(forged.clone()),
            Some(garbage.clone()),
            Some(html),
            Some(genuine),
            None,
        ];
        let d = decide(None, &all, &f.keys, NOW);
        assert_eq!(seq_and_status(&d), Some((2, Status::PartialOutage)));
        assert_eq!(
            decide(None, &[Some(forged), Some(garbage)], &f.keys, NOW).shown,
            None
        );
    }

    #[test]
    fn only_a_newer_feed_replaces_what_is_shown_and_only_the_same_one_confirms_it() {
        let f = fixture();
        let five = served(&feed(5, Status::MajorOutage), &f.status);
        let kept = on_show(&five, true);
        let older = served(&feed(4, Status::Operational), &f.status);
        let d = decide(Some(&kept), &[Some(older)], &f.keys, NOW);
        assert_eq!(
            d.shown,
            Some(kept.clone()),
            "a replay of an older feed changes nothing"
        );
        let d = decide(Some(&kept), &[Some(five.clone())], &f.keys, NOW);
        assert_eq!(
            d.shown,
            Some(OnShow {
                from_device: false,
                ..kept.clone()
            })
        );
        assert!(!d.replaced);
        let newer = served(&feed(6, Status::Operational), &f.status);
        let d = decide(Some(&kept), &[Some(newer)], &f.keys, NOW);
        assert_eq!(seq_and_status(&d), Some((6, Status::Operational)));
    }

    #[test]
    fn a_first_region_equivocating_cannot_decide_what_the_widget_shows() {
        let f = fixture();
        let genuine = served(&feed(7, Status::MajorOutage), &f.status);
        let flipped = served(&feed(7, Status::Operational), &f.status);
        let regions = [
            Some(flipped.clone()),
            Some(genuine.clone()),
            Some(genuine.clone()),
        ];
        let d = decide(None, &regions, &f.keys, NOW);
        assert_eq!(seq_and_status(&d), Some((7, Status::MajorOutage)));
        assert!(d.conflict, "two copies seen must be said");
        // With the genuine copy on show, one against one keeps it.
        let kept = on_show(&genuine, false);
        let d = decide(
            Some(&kept),
            &[Some(flipped), Some(genuine), None],
            &f.keys,
            NOW,
        );
        assert_eq!(d.shown, Some(kept));
        assert!(d.conflict);
    }

    #[test]
    fn a_revoked_high_seq_forgery_is_replaced_by_the_genuine_feed() {
        let f = fixture();
        // A stolen status key signs seq 100, "all operational".
        let forgery = served(&feed(100, Status::Operational), &f.status);
        let shown = on_show(&forgery, false);
        // The operator revokes it in key set 2 and signs with a new key.
        let keys = f.rotated();
        let genuine = served(&feed(5, Status::MajorOutage), &f.next_status);
        let d = decide(
            Some(&shown),
            &[Some(forgery.clone()), Some(genuine)],
            &keys,
            NOW,
        );
        assert_eq!(seq_and_status(&d), Some((5, Status::MajorOutage)));
        assert!(d.replaced);
        // With nothing genuine served yet, the forgery is still taken down.
        let d = decide(Some(&shown), &[Some(forgery)], &keys, NOW);
        assert_eq!(d.shown, None);
    }

    #[test]
    fn without_usable_keys_nothing_verifies() {
        let f = fixture();
        let genuine = served(&feed(2, Status::Operational), &f.status);
        let untrusting = KeyChain::new(f.keys.trusted()[0].key_set.root.clone(), "kakao");
        assert_eq!(
            decide(None, &[Some(genuine.clone())], &untrusting, NOW).shown,
            None
        );
        // The key set expired long ago.
        let later = NOW + Duration::days(60);
        assert_eq!(decide(None, &[Some(genuine)], &f.keys, later).shown, None);
    }
}

//! The history log end to end in the core: events → tree → signed,
//! witnessed checkpoint → files → full verification, and every way a copy
//! can be tampered with.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bongsu_core::keys::CosignatureSigner;
use bongsu_core::keys::TrustedKeySet;
use bongsu_core::log::events_for_change;
use bongsu_core::log::{
    add_cosignatures, add_valid_cosignatures, count_valid_cosignatures, sign_checkpoint,
    verify_checkpoint, verify_seen_checkpoint, verify_under_chain, CheckpointError,
};
use bongsu_core::log::{
    bundle_paths, check_extends, check_hash_tiles, compare_views, hash_tile_paths, verify_entries,
    EntriesCheck, LogError,
};
use bongsu_core::log::{
    check_add_checkpoint, encode_add_checkpoint, parse_add_checkpoint, WitnessError,
};
use bongsu_core::log::{daily_bars, filter_incidents, uptime, History, IncidentFilter};
use bongsu_core::log::{encode_bundle, log_files};
use bongsu_core::log::{encode_event, ComponentName, Event, LogEvent};
use bongsu_core::log::{Hash, MerkleLog, MAX_LOG_SIZE};
use bongsu_core::{IncidentState, KeySet, RoleKeys, Roles, SignatureError, Status};
use ed25519_dalek::SigningKey;
use rand_core::OsRng;
use signed_note::{generate_key, Signer, StandardSigner};
use time::macros::{date, datetime, offset};
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-25 04:00 UTC);
const ORIGIN: &str = "log.bongsu.test/kakao";

struct Keys {
    log: StandardSigner,
    log_vkey: String,
    other_log: StandardSigner,
    witnesses: Vec<CosignatureSigner>,
    stranger_witness: CosignatureSigner,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (skey, log_vkey) = generate_key(&mut OsRng, ORIGIN);
        // Same origin, another key: a forger who knows the log's name.
        let (other, _) = generate_key(&mut OsRng, ORIGIN);
        let witness = |i: u8| {
            CosignatureSigner::new(
                &format!("witness-{i}.bongsu.test"),
                SigningKey::from_bytes(&[i; 32]),
                1_764_000_000 + u64::from(i),
            )
        };
        Keys {
            log: StandardSigner::new(&skey).unwrap(),
            log_vkey,
            other_log: StandardSigner::new(&other).unwrap(),
            witnesses: (1..=3).map(witness).collect(),
            stranger_witness: witness(9),
        }
    })
}

fn key_set(witness_threshold: Option<usize>) -> KeySet {
    let k = keys();
    let (_, status) = generate_key(&mut OsRng, "status.bongsu.test");
    KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: NOW - Duration::days(1),
        expires_at: NOW + Duration::days(30),
        root: RoleKeys {
            threshold: 1,
            keys: vec![status.clone()],
        },
        roles: Roles {
            status: RoleKeys {
                threshold: 1,
                keys: vec![status],
            },
            log: Some(RoleKeys {
                threshold: 1,
                keys: vec![k.log_vkey.clone()],
            }),
            witness: witness_threshold.map(|threshold| RoleKeys {
                threshold,
                keys: k
                    .witnesses
                    .iter()
                    .map(CosignatureSigner::verifier_key)
                    .collect(),
            }),
            probes: BTreeMap::new(),
        },
        revoked: vec![],
    }
}

fn event(minute: i64, event: Event) -> LogEvent {
    LogEvent {
        at: datetime!(2022-10-15 15:00 +09:00) + Duration::minutes(minute),
        event,
    }
}

fn status(minute: i64, component: &str, status: Status) -> LogEvent {
    event(
        minute,
        Event::ComponentStatus {
            service: "talk".into(),
            component: component.into(),
            status,
        },
    )
}

fn sample_events(n: usize) -> Vec<LogEvent> {
    let mut events = vec![event(
        0,
        Event::ServiceListed {
            service: "talk".into(),
            name: "KakaoTalk".into(),
            components: vec![
                ComponentName {
                    depends_on: Vec::new(),
                    id: "msg".into(),
                    name: "Messaging".into(),
                },
                ComponentName {
                    depends_on: Vec::new(),
                    id: "media".into(),
                    name: "Media".into(),
                },
            ],
        },
    )];
    let cycle = [
        Status::MajorOutage,
        Status::PartialOutage,
        Status::DegradedPerformance,
        Status::Operational,
    ];
    for i in 1..n {
        events.push(status(
            i as i64,
            if i % 2 == 0 { "msg" } else { "media" },
            cycle[i % 4],
        ));
    }
    events
}

fn entries_of(events: &[LogEvent]) -> Vec<Vec<u8>> {
    events.iter().map(encode_event).collect()
}

/// The signed checkpoint over `entries`, cosigned by the first `cosigners` witnesses.
fn checkpoint_for(entries: &[Vec<u8>], cosigners: usize) -> Vec<u8> {
    let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
    let note = sign_checkpoint(tree.size(), tree.root(), &[&keys().log as &dyn Signer]).unwrap();
    let witnesses: Vec<&dyn Signer> = keys().witnesses[..cosigners]
        .iter()
        .map(|w| w as &dyn Signer)
        .collect();
    if witnesses.is_empty() {
        note
    } else {
        add_cosignatures(&note, &witnesses).unwrap()
    }
}

fn bundles_for(entries: &[Vec<u8>]) -> Vec<Vec<u8>> {
    entries
        .chunks(256)
        .enumerate()
        .map(|(n, chunk)| {
            let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
            encode_bundle(n as u64 * 256, &refs).unwrap()
        })
        .collect()
}

fn verified(entries: &[Vec<u8>], ks: &KeySet) -> Result<bongsu_core::log::VerifiedLog, LogError> {
    let cp = verify_checkpoint(&checkpoint_for(entries, 2), ks).unwrap();
    verify_entries(cp, &bundles_for(entries))
}

#[test]
fn an_honest_log_verifies_in_full() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(600));
    let log = verified(&entries, &ks).unwrap();
    assert_eq!(log.events.len(), 600);
    assert_eq!(log.checkpoint.size, 600);
    assert_eq!(log.checkpoint.cosigned.len(), 2);
    assert_eq!(
        bundle_paths(600).collect::<Vec<_>>(),
        vec![
            "tile/entries/000",
            "tile/entries/001",
            "tile/entries/002.p/88"
        ]
    );
    // The published hash tiles are exactly the ones an honest mirror serves.
    let files = log_files(&log.tree, &entries).unwrap();
    let tiles: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .filter(|(p, _)| !p.starts_with("tile/entries"))
        .collect();
    assert_eq!(
        tiles.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        hash_tile_paths(600)
    );
    check_hash_tiles(&log, &tiles).unwrap();
}

#[test]
fn the_log_checked_bundle_by_bundle_is_the_log_checked_at_once() {
    let ks = key_set(Some(2));
    // Sizes around the bundle width: one partial, exactly full, full + partial.
    for size in [1, 255, 256, 257, 600] {
        let entries = entries_of(&sample_events(size));
        let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
        let bundles = bundles_for(&entries);
        let mut check = EntriesCheck::new(cp.clone());
        assert_eq!(check.bundles().len(), bundles.len() as u64);
        let paths: Vec<String> = bundle_paths(size as u64).collect();
        for (n, bundle) in bundles.iter().enumerate() {
            assert_eq!(check.added(), n as u64);
            assert_eq!(check.bundles().get(n as u64).unwrap().1, paths[n]);
            check.add(bundle).unwrap();
        }
        assert_eq!(check.bundles().get(bundles.len() as u64), None);
        let by_bundle = check.finish().unwrap();
        let at_once = verify_entries(cp, &bundles).unwrap();
        assert_eq!(by_bundle.events, at_once.events);
        assert_eq!(by_bundle.entries, at_once.entries);
        assert_eq!(by_bundle.tree.root(), at_once.tree.root());
    }
}

/// Security review follow-up: the holder of the log key, with witnesses
/// that check only consistency, can sign a tree of any size. A checkpoint
/// of 2^60 entries made the page list 2^52 bundle paths before fetching
/// one, and run out of memory; tree arithmetic near 2^64 overflows.
#[test]
fn a_signed_checkpoint_past_any_log_size_is_refused() {
    let ks = key_set(Some(2));
    let witnesses: Vec<&dyn Signer> = keys().witnesses[..2]
        .iter()
        .map(|w| w as &dyn Signer)
        .collect();
    for size in [MAX_LOG_SIZE + 1, 1 << 60, u64::MAX] {
        let note = sign_checkpoint(size, Hash([7; 32]), &[&keys().log as &dyn Signer]).unwrap();
        let note = add_cosignatures(&note, &witnesses).unwrap();
        assert_eq!(
            verify_checkpoint(&note, &ks).unwrap_err(),
            CheckpointError::TooManyEntries { size }
        );
    }
    // The bound itself is a log a reader can plan for without listing it.
    let note = sign_checkpoint(MAX_LOG_SIZE, Hash([7; 32]), &[&keys().log as &dyn Signer]);
    let note = add_cosignatures(&note.unwrap(), &witnesses).unwrap();
    let cp = verify_checkpoint(&note, &ks).unwrap();
    let check = EntriesCheck::new(cp);
    assert_eq!(check.bundles().len(), MAX_LOG_SIZE / 256);
    assert_eq!(
        check.bundles().get(MAX_LOG_SIZE / 256 - 1).unwrap(),
        (256, "tile/entries/x004/x294/x967/295".to_owned())
    );
}

#[test]
fn a_check_bundle_by_bundle_is_not_done_before_the_last_nor_takes_one_more() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(600));
    let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
    let bundles = bundles_for(&entries);
    let mut short = EntriesCheck::new(cp.clone());
    short.add(&bundles[0]).unwrap();
    short.add(&bundles[1]).unwrap();
    assert_eq!(
        short.finish().unwrap_err(),
        LogError::RootMismatch { size: 600 }
    );
    let mut long = EntriesCheck::new(cp);
    for bundle in &bundles {
        long.add(bundle).unwrap();
    }
    assert_eq!(
        long.add(&bundles[0]).unwrap_err(),
        LogError::ExtraBundle { size: 600 }
    );
}

#[test]
fn a_changed_entry_that_no_longer_decodes_is_a_root_mismatch_either_way() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(40));
    let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
    let mut tampered = entries.clone();
    tampered[17] = b"not an event".to_vec();
    let bundles = bundles_for(&tampered);
    assert_eq!(
        verify_entries(cp.clone(), &bundles).unwrap_err(),
        LogError::RootMismatch { size: 40 }
    );
    let mut check = EntriesCheck::new(cp);
    check.add(&bundles[0]).unwrap();
    assert_eq!(
        check.finish().unwrap_err(),
        LogError::RootMismatch { size: 40 }
    );
}

#[test]
fn a_changed_entry_is_caught() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(40));
    let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
    let mut tampered = entries.clone();
    tampered[17] = encode_event(&status(17, "msg", Status::Operational));
    assert_eq!(
        verify_entries(cp, &bundles_for(&tampered)).unwrap_err(),
        LogError::RootMismatch { size: 40 }
    );
}

#[test]
fn a_removed_entry_is_caught() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(40));
    let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
    let mut tampered = entries.clone();
    tampered.remove(5);
    // One entry short of what the checkpoint promises.
    assert!(matches!(
        verify_entries(cp.clone(), &bundles_for(&tampered)),
        Err(LogError::Bundle(_))
    ));
    // Removed and replaced by a duplicate to keep the count: the root differs.
    tampered.push(tampered[0].clone());
    assert_eq!(
        verify_entries(cp, &bundles_for(&tampered)).unwrap_err(),
        LogError::RootMismatch { size: 40 }
    );
}

#[test]
fn reordered_entries_are_caught() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(40));
    let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
    let mut tampered = entries.clone();
    tampered.swap(3, 4);
    assert_eq!(
        verify_entries(cp, &bundles_for(&tampered)).unwrap_err(),
        LogError::RootMismatch { size: 40 }
    );
}

#[test]
fn a_tree_truncated_and_regrown_is_caught_against_what_was_seen() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(50));
    let seen = verified(&entries, &ks).unwrap();
    // The operator cuts the log back to 30 entries and grows it past 50
    // with a different story; it signs the new tree properly.
    let mut regrown = entries[..30].to_vec();
    regrown.extend(entries_of(&sample_events(60))[30..].iter().cloned());
    regrown[30] = encode_event(&status(30, "msg", Status::Operational));
    let rewritten = verified(&regrown, &ks).unwrap();
    assert_eq!(
        check_extends(seen.checkpoint.size, seen.checkpoint.root, &rewritten).unwrap_err(),
        LogError::Rewritten {
            old_size: 50,
            new_size: 60
        }
    );
    // An honest extension passes.
    let grown = verified(&entries_of(&sample_events(70)), &ks).unwrap();
    check_extends(seen.checkpoint.size, seen.checkpoint.root, &grown).unwrap();
    // And going back is a shrink, not a rewrite.
    assert_eq!(
        check_extends(70, grown.checkpoint.root, &seen).unwrap_err(),
        LogError::Shrunk {
            old_size: 70,
            new_size: 50
        }
    );
}

#[test]
fn a_checkpoint_re_signed_with_another_root_is_caught() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(20));
    let honest = checkpoint_for(&entries, 2);
    let text = String::from_utf8(honest.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Swap the root hash line but keep every signature line.
    let forged_root =
        MerkleLog::from_entries(entries_of(&sample_events(21)).iter().map(Vec::as_slice)).root();
    let forged = text.replacen(lines[2], &forged_root.to_string(), 1);
    assert!(matches!(
        verify_checkpoint(forged.as_bytes(), &ks),
        Err(CheckpointError::Signature(
            SignatureError::BadSignature { .. }
        ))
    ));
    // Re-signed with a key of the same name that the key set does not name.
    let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
    let resigned = sign_checkpoint(
        tree.size(),
        forged_root,
        &[&keys().other_log as &dyn Signer],
    )
    .unwrap();
    assert!(matches!(
        verify_checkpoint(&resigned, &ks),
        Err(CheckpointError::Signature(_))
    ));
    // Signed by the real log key with a different root, but without witnesses.
    let unwitnessed =
        sign_checkpoint(tree.size(), forged_root, &[&keys().log as &dyn Signer]).unwrap();
    assert_eq!(
        verify_checkpoint(&unwitnessed, &ks).unwrap_err(),
        CheckpointError::WitnessThreshold {
            valid: 0,
            needed: 2
        }
    );
    // Signed by the log and cosigned: the signatures hold, but the entries betray it.
    let cosigned = add_cosignatures(
        &unwitnessed,
        &[&keys().witnesses[0] as &dyn Signer, &keys().witnesses[1]],
    )
    .unwrap();
    let cp = verify_checkpoint(&cosigned, &ks).unwrap();
    assert!(matches!(
        verify_entries(cp, &bundles_for(&entries)),
        Err(LogError::RootMismatch { .. } | LogError::Bundle(_))
    ));
}

#[test]
fn witness_threshold_is_enforced() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(10));
    assert_eq!(
        verify_checkpoint(&checkpoint_for(&entries, 1), &ks).unwrap_err(),
        CheckpointError::WitnessThreshold {
            valid: 1,
            needed: 2
        }
    );
    // A stranger's cosignature does not count.
    let one = checkpoint_for(&entries, 1);
    let with_stranger = add_cosignatures(&one, &[&keys().stranger_witness as &dyn Signer]).unwrap();
    assert_eq!(
        verify_checkpoint(&with_stranger, &ks).unwrap_err(),
        CheckpointError::WitnessThreshold {
            valid: 1,
            needed: 2
        }
    );
    let all = verify_checkpoint(&checkpoint_for(&entries, 3), &ks).unwrap();
    assert_eq!(all.cosigned.len(), 3);
    assert_eq!(all.cosigned[0].witness, "witness-1.bongsu.test");
    assert_eq!(all.cosigned[0].time.unix_timestamp(), 1_764_000_001);
    // Without a witness role no cosignature is needed.
    verify_checkpoint(&checkpoint_for(&entries, 0), &key_set(None)).unwrap();
}

/// `good`'s cosignature line of `witness` with one signature bit flipped.
fn forge_line(good: &str, witness: &str) -> (String, String) {
    let line = good
        .lines()
        .find(|l| l.starts_with(&format!("\u{2014} {witness} ")))
        .unwrap()
        .to_owned();
    let (prefix, b64) = line.rsplit_once(' ').unwrap();
    let mut sig = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
    sig[20] ^= 1;
    let forged = format!(
        "{prefix} {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sig)
    );
    (line, forged)
}

#[test]
fn a_forged_cosignature_does_not_count_and_breaks_nothing() {
    let ks = key_set(Some(1));
    let entries = entries_of(&sample_events(10));
    let good = String::from_utf8(checkpoint_for(&entries, 1)).unwrap();
    let (line, forged) = forge_line(&good, "witness-1.bongsu.test");
    assert_eq!(
        verify_checkpoint(good.replace(&line, &forged).as_bytes(), &ks).unwrap_err(),
        CheckpointError::WitnessThreshold {
            valid: 0,
            needed: 1
        }
    );
    // Witness 1's line forged, witness 2's genuine: one valid is enough.
    let two = String::from_utf8(checkpoint_for(&entries, 2)).unwrap();
    let (line, forged) = forge_line(&two, "witness-1.bongsu.test");
    let checked = verify_checkpoint(two.replace(&line, &forged).as_bytes(), &ks).unwrap();
    let names: Vec<&str> = checked
        .cosigned
        .iter()
        .map(|c| c.witness.as_str())
        .collect();
    assert_eq!(names, ["witness-2.bongsu.test"]);
}

#[test]
fn one_witness_cannot_break_a_checkpoint_for_the_others() {
    let ks = key_set(Some(2));
    let witness_role = ks.roles.witness.clone().unwrap();
    let entries = entries_of(&sample_events(10));
    let unwitnessed = checkpoint_for(&entries, 0);
    let honest = String::from_utf8(checkpoint_for(&entries, 3)).unwrap();
    let answer_of = |name: &str| {
        let line = honest
            .lines()
            .find(|l| l.starts_with(&format!("\u{2014} {name} ")))
            .unwrap();
        format!("{line}\n")
    };
    // Witness 3 answers with garbage under witness 1's name (its name and
    // key id are public), then 99 junk lines, then its own forged line.
    let (_, forged_3) = forge_line(&honest, "witness-3.bongsu.test");
    let (_, garbage_1) = forge_line(&honest, "witness-1.bongsu.test");
    let mut hostile = format!("{garbage_1}\n");
    for i in 0..99 {
        hostile.push_str(&format!("\u{2014} junk-{i}.example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"));
    }
    hostile.push_str(&format!("{forged_3}\nnot a signature line\n"));
    let first = add_valid_cosignatures(&unwitnessed, hostile.as_bytes(), &witness_role).unwrap();
    assert!(first.added.is_empty());
    assert_eq!(first.dropped, 102);
    assert_eq!(first.note, unwitnessed);
    // The honest witnesses answer after it, and a repeat of witness 1 is dropped.
    let second = add_valid_cosignatures(
        &first.note,
        answer_of("witness-1.bongsu.test").as_bytes(),
        &witness_role,
    )
    .unwrap();
    let repeat = answer_of("witness-1.bongsu.test") + &answer_of("witness-2.bongsu.test");
    let third = add_valid_cosignatures(&second.note, repeat.as_bytes(), &witness_role).unwrap();
    assert_eq!(third.added, ["witness-2.bongsu.test"]);
    assert_eq!(third.dropped, 1);
    let checked = verify_checkpoint(&third.note, &ks).unwrap();
    assert_eq!(checked.cosigned.len(), 2);
    assert_eq!(count_valid_cosignatures(&third.note, &witness_role), 2);
    // Even a checkpoint a signer published with those lines (an old
    // signer, or lines added on the way) verifies with the honest ones:
    // readers count valid cosignatures and ignore the rest.
    let junk: String = hostile
        .lines()
        .skip(1)
        .take(50)
        .map(|l| format!("{l}\n"))
        .collect();
    // Written as a signer without the filter would have: the garbage line
    // for witness 1 before its genuine one.
    let note = String::from_utf8(third.note.clone()).unwrap();
    let (text, sigs) = note.split_once("\n\n").unwrap();
    let (log_line, cosignatures) = sigs.split_once('\n').unwrap();
    let published = format!("{text}\n\n{log_line}\n{garbage_1}\n{cosignatures}{junk}{forged_3}\n");
    assert!(published.len() <= bongsu_core::log::MAX_CHECKPOINT_BYTES);
    assert_eq!(
        verify_checkpoint(published.as_bytes(), &ks)
            .unwrap()
            .cosigned
            .len(),
        2
    );
}

/// The log's key `vkey` trusted at `version`, the earlier ones in `revoked`.
fn trusted_with_log(
    version: u64,
    vkey: &str,
    revoked: &[&str],
    witnesses: Option<usize>,
) -> TrustedKeySet {
    let mut ks = key_set(witnesses);
    ks.version = version;
    ks.roles.log = Some(RoleKeys {
        threshold: 1,
        keys: vec![vkey.to_owned()],
    });
    ks.revoked = revoked.iter().map(|k| (*k).to_owned()).collect();
    TrustedKeySet {
        key_set: ks,
        note: String::new(),
    }
}

#[test]
fn a_checkpoint_seen_before_a_rotation_still_counts_and_a_revoked_key_signs_nothing_new() {
    let (other_vkey, _) = {
        let (skey, vkey) = generate_key(&mut OsRng, ORIGIN);
        (vkey, skey)
    };
    let entries = entries_of(&sample_events(10));
    // Signed by log key L1, cosigned by two witnesses.
    let seen = checkpoint_for(&entries, 2);
    let l1 = keys().log_vkey.as_str();
    let v1 = trusted_with_log(1, l1, &[], Some(2));
    // Key set 2: log key L2, L1 revoked and (a new policy) three witnesses.
    let revoking = trusted_with_log(2, &other_vkey, &[l1], Some(3));
    let rotating = trusted_with_log(2, &other_vkey, &[], Some(3));

    // As what a reader saw before: verified under the key set that signed
    // it, whatever happened since; the witness policy of now does not apply.
    for chain in [
        vec![v1.clone(), revoking.clone()],
        vec![v1.clone(), rotating.clone()],
    ] {
        let (checkpoint, version) = verify_seen_checkpoint(&seen, &chain).unwrap();
        assert_eq!((checkpoint.size, version), (10, 1));
    }
    // As a log's current checkpoint: never under a key a later set revoked.
    let current = |chain: &[TrustedKeySet]| verify_under_chain(&seen, chain);
    assert!(current(std::slice::from_ref(&v1)).unwrap().newest);
    assert_eq!(
        current(&[v1.clone(), revoking]).unwrap_err(),
        CheckpointError::RevokedSince { version: 1 }
    );
    // Rotated out but not revoked: an old copy, said to be one.
    let old_copy = current(&[v1, rotating]).unwrap();
    assert_eq!((old_copy.version, old_copy.newest), (1, false));
}

#[test]
fn a_checkpoint_without_a_log_role_is_refused() {
    let mut ks = key_set(None);
    ks.roles.log = None;
    let entries = entries_of(&sample_events(3));
    assert_eq!(
        verify_checkpoint(&checkpoint_for(&entries, 0), &ks).unwrap_err(),
        CheckpointError::NoLogKeys
    );
}

#[test]
fn split_view_between_two_mirrors_is_found() {
    let ks = key_set(Some(2));
    let a_entries = entries_of(&sample_events(30));
    let mut b_entries = a_entries.clone();
    b_entries[12] = encode_event(&status(12, "msg", Status::Operational));
    b_entries.extend(entries_of(&sample_events(35))[30..].iter().cloned());
    let a = verified(&a_entries, &ks).unwrap();
    let b = verified(&b_entries, &ks).unwrap();
    let split = compare_views(&a, &b).unwrap();
    assert_eq!((split.size, split.first_difference), (30, 12));
    // A mirror that is merely behind is not a split view.
    let behind = verified(&a_entries[..20], &ks).unwrap();
    assert_eq!(compare_views(&behind, &a), None);
}

#[test]
fn a_mirror_serving_a_wrong_hash_tile_is_caught() {
    let ks = key_set(Some(2));
    let entries = entries_of(&sample_events(300));
    let log = verified(&entries, &ks).unwrap();
    let mut tiles: Vec<(String, Vec<u8>)> = log_files(&log.tree, &entries)
        .unwrap()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("tile/entries"))
        .collect();
    tiles[0].1[5] ^= 0x80;
    assert_eq!(
        check_hash_tiles(&log, &tiles).unwrap_err(),
        LogError::HashTile {
            path: tiles[0].0.clone()
        }
    );
}

#[test]
fn a_witness_cosigns_only_consistent_growth() {
    let k = keys();
    let log_keys = RoleKeys {
        threshold: 1,
        keys: vec![k.log_vkey.clone()],
    };
    let e = entries_of(&sample_events(40));
    let tree = MerkleLog::from_entries(e.iter().map(Vec::as_slice));
    let cp = |n: u64, root| sign_checkpoint(n, root, &[&k.log as &dyn Signer]).unwrap();

    let first = parse_add_checkpoint(&encode_add_checkpoint(
        0,
        &[],
        &cp(20, tree.root_at(20).unwrap()),
    ))
    .unwrap();
    let record = check_add_checkpoint(None, &first, &log_keys).unwrap();
    assert_eq!(record.size, 20);

    // Growth with a valid proof is cosigned.
    let proof = tree.consistency_proof(20, 40).unwrap();
    let grow =
        parse_add_checkpoint(&encode_add_checkpoint(20, &proof, &cp(40, tree.root()))).unwrap();
    let record40 = check_add_checkpoint(Some(&record), &grow, &log_keys).unwrap();
    assert_eq!(record40.size, 40);

    // A wrong idea of the witness's size is a conflict that names the right size.
    let stale =
        parse_add_checkpoint(&encode_add_checkpoint(10, &proof, &cp(40, tree.root()))).unwrap();
    assert_eq!(
        check_add_checkpoint(Some(&record), &stale, &log_keys).unwrap_err(),
        WitnessError::Conflict {
            size: 20,
            claimed: 10
        }
    );

    // A rewritten history cannot produce a valid proof.
    let mut other = e.clone();
    other[3] = encode_event(&status(3, "msg", Status::Operational));
    let forked = MerkleLog::from_entries(other.iter().map(Vec::as_slice));
    let fork_proof = forked.consistency_proof(20, 40).unwrap();
    let fork = parse_add_checkpoint(&encode_add_checkpoint(
        20,
        &fork_proof,
        &cp(40, forked.root()),
    ))
    .unwrap();
    assert_eq!(
        check_add_checkpoint(Some(&record), &fork, &log_keys).unwrap_err(),
        WitnessError::Inconsistent { old: 20, new: 40 }
    );

    // Same size, other root: equivocation.
    let same = parse_add_checkpoint(&encode_add_checkpoint(
        20,
        &[],
        &cp(20, forked.root_at(20).unwrap()),
    ))
    .unwrap();
    assert_eq!(
        check_add_checkpoint(Some(&record), &same, &log_keys).unwrap_err(),
        WitnessError::Equivocation { size: 20 }
    );

    // A record of another log is no record of this one: never "start
    // from zero" on it.
    let mut elsewhere = record.clone();
    elsewhere.origin = "another.log.example".into();
    assert!(matches!(
        check_add_checkpoint(Some(&elsewhere), &grow, &log_keys).unwrap_err(),
        WitnessError::Malformed(m) if m.contains("another.log.example")
    ));

    // Smaller: refused.
    let small = parse_add_checkpoint(&encode_add_checkpoint(
        40,
        &[],
        &cp(10, tree.root_at(10).unwrap()),
    ))
    .unwrap();
    assert_eq!(
        check_add_checkpoint(Some(&record40), &small, &log_keys).unwrap_err(),
        WitnessError::Shrunk { old: 40, new: 10 }
    );

    // A tree no log can have is not cosigned, whatever proof comes with it.
    let huge = parse_add_checkpoint(&encode_add_checkpoint(
        40,
        &proof,
        &cp(MAX_LOG_SIZE + 1, tree.root()),
    ))
    .unwrap();
    assert_eq!(
        check_add_checkpoint(Some(&record40), &huge, &log_keys).unwrap_err(),
        WitnessError::TooManyEntries {
            size: MAX_LOG_SIZE + 1
        }
    );

    // Not signed by the log.
    let forged = sign_checkpoint(40, tree.root(), &[&k.other_log as &dyn Signer]).unwrap();
    let forged = parse_add_checkpoint(&encode_add_checkpoint(20, &proof, &forged)).unwrap();
    assert!(matches!(
        check_add_checkpoint(Some(&record), &forged, &log_keys),
        Err(WitnessError::LogSignature(_))
    ));

    // Garbage bodies are refused, never panicked on.
    for body in [
        &b"old x\n\nfoo"[..],
        b"",
        b"old 1\nnot-base64\n\ncp",
        &[0xff, 0xfe],
    ] {
        assert!(matches!(
            parse_add_checkpoint(body),
            Err(WitnessError::Malformed(_))
        ));
    }
}

#[test]
fn status_changes_become_events_and_history_derives_the_same_state() {
    use bongsu_core::{Component, Incident, IncidentUpdate, Service};
    let t0 = datetime!(2022-10-15 15:30 +09:00);
    let svc = |s: Status| {
        vec![Service {
            id: "talk".into(),
            name: "KakaoTalk".into(),
            components: vec![Component {
                depends_on: Vec::new(),
                id: "msg".into(),
                name: "Messaging".into(),
                status: s,
            }],
        }]
    };
    let inc = |updates: Vec<(i64, IncidentState, &str)>| {
        vec![Incident {
            id: "fire".into(),
            title: "Datacenter fire".into(),
            impact: Status::MajorOutage,
            components: vec!["talk/msg".into()],
            updates: updates
                .into_iter()
                .map(|(m, state, msg)| IncidentUpdate {
                    sources: None,
                    at: t0 + Duration::minutes(m),
                    state,
                    message: msg.into(),
                })
                .collect(),
            postmortem: None,
        }]
    };
    let mut events = events_for_change(
        &[],
        &[],
        &svc(Status::Operational),
        &[],
        t0 - Duration::days(2),
    );
    let h = History::from_events(&events);
    events.extend(events_for_change(
        &h.declared_services(),
        &h.declared_incidents(),
        &svc(Status::MajorOutage),
        &inc(vec![(20, IncidentState::Investigating, "Looking")]),
        t0,
    ));
    let h = History::from_events(&events);
    assert_eq!(h.declared_services(), svc(Status::MajorOutage));
    assert_eq!(
        h.declared_incidents(),
        inc(vec![(20, IncidentState::Investigating, "Looking")])
    );
    let later = t0 + Duration::hours(127) + Duration::minutes(30);
    let resolved = inc(vec![
        (20, IncidentState::Investigating, "Looking"),
        (127 * 60 + 30, IncidentState::Resolved, "Back"),
    ]);
    let more = events_for_change(
        &h.declared_services(),
        &h.declared_incidents(),
        &svc(Status::Operational),
        &resolved,
        later,
    );
    assert_eq!(
        more.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
        vec!["component_status", "incident_resolved"]
    );
    events.extend(more);
    let h = History::from_events(&events);
    assert_eq!(h.declared_incidents(), resolved);
    let fire = h.incident("fire").unwrap();
    assert_eq!(fire.opened_at, t0 + Duration::minutes(20));
    assert_eq!(fire.state(), IncidentState::Resolved);
    let talk = h.service("talk").unwrap();
    assert_eq!(
        talk.disruptions(later + Duration::days(1)),
        vec![(t0, Some(later))]
    );
    // No change, no events.
    assert!(events_for_change(
        &h.declared_services(),
        &h.declared_incidents(),
        &svc(Status::Operational),
        &resolved,
        later
    )
    .is_empty());
    // Delisting is recorded.
    let gone = events_for_change(
        &h.declared_services(),
        &h.declared_incidents(),
        &[],
        &[],
        later,
    );
    assert_eq!(
        gone.iter().map(|e| e.event.kind()).collect::<Vec<_>>(),
        vec!["service_delisted"]
    );
}

#[test]
fn uptime_and_daily_bars() {
    let events = vec![
        event(
            -24 * 60,
            Event::ServiceListed {
                service: "talk".into(),
                name: "KakaoTalk".into(),
                components: vec![
                    ComponentName {
                        depends_on: Vec::new(),
                        id: "msg".into(),
                        name: "Messaging".into(),
                    },
                    ComponentName {
                        depends_on: Vec::new(),
                        id: "media".into(),
                        name: "Media".into(),
                    },
                ],
            },
        ),
        // 15:30-21:30 KST major (6 h), then degraded until 03:30 next day (6 h, counts as up).
        status(30, "msg", Status::MajorOutage),
        status(6 * 60 + 30, "msg", Status::DegradedPerformance),
        // Media partially down 16:00-17:00: overlaps the major outage, so no extra downtime.
        status(60, "media", Status::PartialOutage),
        status(120, "media", Status::Operational),
        status(12 * 60 + 30, "msg", Status::Operational),
    ];
    let h = History::from_events(&events);
    assert!(h.problems.is_empty(), "{:?}", h.problems);
    let talk = h.service("talk").unwrap();
    let day = datetime!(2022-10-15 00:00 +09:00);
    let u = uptime(talk, day, day + Duration::DAY).unwrap();
    assert!((u - 18.0 / 24.0).abs() < 1e-9, "{u}");
    let bars = daily_bars(talk, date!(2022 - 10 - 16), 3, offset!(+9));
    assert_eq!(bars.len(), 3);
    assert_eq!(bars[0].date, date!(2022 - 10 - 14));
    // Listed at 15:00 on the 14th: nine hours of data, all up.
    assert_eq!(
        (bars[0].worst, bars[0].listed, bars[0].down),
        (
            Some(Status::Operational),
            Duration::hours(9),
            Duration::ZERO
        )
    );
    assert_eq!(
        (bars[1].worst, bars[1].down),
        (Some(Status::MajorOutage), Duration::hours(6))
    );
    assert_eq!(
        (bars[2].worst, bars[2].down),
        (Some(Status::DegradedPerformance), Duration::ZERO)
    );
    // Before the listing there is no data.
    assert_eq!(
        daily_bars(talk, date!(2022 - 10 - 13), 1, offset!(+9))[0].worst,
        None
    );
    assert_eq!(
        uptime(talk, day - Duration::days(10), day - Duration::days(9)),
        None
    );
}

#[test]
fn incident_filters() {
    let mut events = sample_events(1);
    for (i, (svc, impact, day)) in [
        ("talk", Status::MajorOutage, 0),
        ("talk", Status::DegradedPerformance, 3),
        ("pay", Status::PartialOutage, 6),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = event(
            day * 24 * 60,
            Event::IncidentOpened {
                incident: format!("i{i}"),
                title: "t".into(),
                impact,
                components: vec![format!("{svc}/x")],
            },
        );
        events.push(e.clone());
        e.at += Duration::hours(2);
        e.event = Event::IncidentResolved {
            sources: None,
            incident: format!("i{i}"),
            message: "ok".into(),
        };
        events.push(e);
    }
    let h = History::from_events(&events);
    let ids = |f: IncidentFilter| {
        filter_incidents(&h, &f, NOW)
            .iter()
            .map(|i| i.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(IncidentFilter::default()), vec!["i2", "i1", "i0"]);
    assert_eq!(
        ids(IncidentFilter {
            service: Some("talk".into()),
            ..Default::default()
        }),
        vec!["i1", "i0"]
    );
    assert_eq!(
        ids(IncidentFilter {
            min_impact: Some(Status::PartialOutage),
            ..Default::default()
        }),
        vec!["i2", "i0"]
    );
    let day1 = datetime!(2022-10-16 00:00 +09:00);
    assert_eq!(
        ids(IncidentFilter {
            from: Some(day1),
            to: Some(day1 + Duration::days(4)),
            ..Default::default()
        }),
        vec!["i1"]
    );
}

#[test]
fn a_log_entry_breaking_the_field_rules_is_reported_not_shown() {
    let opened = event(
        1,
        Event::IncidentOpened {
            incident: "fire".into(),
            title: "Fire".into(),
            impact: Status::MajorOutage,
            components: vec![],
        },
    );
    let link = |minute, url: &str| {
        event(
            minute,
            Event::PostmortemPublished {
                incident: "fire".into(),
                url: url.into(),
            },
        )
    };
    // Only the log key signed these, not the signer's validation.
    let hostile = [
        link(2, "javascript:alert(document.domain)"),
        link(3, "data:text/html,<script>alert(1)</script>"),
        link(4, " https://example.com/x"),
        event(
            5,
            Event::IncidentUpdated {
                sources: None,
                incident: "fire".into(),
                state: IncidentState::Identified,
                message: "x".repeat(5000).into(),
            },
        ),
        event(
            6,
            Event::IncidentOpened {
                incident: "<img src=x>".into(),
                title: "t".into(),
                impact: Status::MajorOutage,
                components: vec![],
            },
        ),
    ];
    let mut events = vec![opened];
    events.extend(hostile.iter().cloned());
    let h = History::from_events(&events);
    assert_eq!(h.incidents.len(), 1);
    assert_eq!(h.incidents[0].postmortem, None);
    assert!(h.incidents[0].updates.is_empty());
    assert_eq!(h.problems.len(), 5, "{:?}", h.problems);
    assert!(
        h.problems[0].contains("breaks the field rules"),
        "{:?}",
        h.problems
    );
    // A genuine link still counts.
    events.push(link(7, "https://example.com/postmortem"));
    let h = History::from_events(&events);
    assert_eq!(
        h.incidents[0].postmortem.as_deref(),
        Some("https://example.com/postmortem")
    );
}

#[test]
fn events_about_unknown_things_are_reported_not_applied() {
    let events = vec![
        status(1, "msg", Status::MajorOutage),
        event(
            2,
            Event::IncidentUpdated {
                sources: None,
                incident: "nope".into(),
                state: IncidentState::Identified,
                message: "m".into(),
            },
        ),
    ];
    let h = History::from_events(&events);
    assert_eq!(h.problems.len(), 2);
    assert!(h.services.is_empty() && h.incidents.is_empty());
}

#[test]
fn the_feed_must_tell_the_same_story_as_the_log() {
    use bongsu_core::log::{check_feed, FeedAgreement, FeedConflict};
    use bongsu_core::{Feed, LogCommitment};
    let ks = key_set(Some(2));
    let events = sample_events(10);
    let entries = entries_of(&events);
    let log = verified(&entries, &ks).unwrap();
    let at = |size: u64| {
        let h = History::from_events(&events[..size as usize]);
        let tree = MerkleLog::from_entries(entries[..size as usize].iter().map(Vec::as_slice));
        Feed {
            feed: "kakao".into(),
            seq: 1,
            issued_at: datetime!(2022-10-15 16:00 +09:00),
            expires_at: datetime!(2022-10-15 17:00 +09:00),
            log: Some(LogCommitment {
                size,
                root: tree.root().to_string(),
            }),
            services: h.declared_services(),
            incidents: h.declared_incidents(),
            maintenances: h.declared_maintenances(),
        }
    };
    // Any earlier state of the log agrees at its own size.
    for size in [1, 5, 10] {
        assert_eq!(
            check_feed(&at(size), &log),
            Ok(FeedAgreement::Agrees { size })
        );
    }
    // A feed showing something the log never declared.
    let mut lying = at(10);
    lying.services[0].components[0].status = Status::Operational;
    lying.services[0].components[1].status = Status::Operational;
    assert!(matches!(
        check_feed(&lying, &log),
        Err(FeedConflict::StateDiffers { size: 10, .. })
    ));
    // A feed committing to another history.
    let mut other = at(5);
    other.log.as_mut().unwrap().root = at(6).log.unwrap().root;
    assert_eq!(
        check_feed(&other, &log),
        Err(FeedConflict::RootDiffers { size: 5 })
    );
    // A feed ahead of this copy of the log, and one without a commitment.
    let mut ahead = at(10);
    ahead.log.as_mut().unwrap().size = 12;
    assert_eq!(
        check_feed(&ahead, &log),
        Ok(FeedAgreement::LogBehind {
            committed: 12,
            have: 10
        })
    );
    let mut none = at(10);
    none.log = None;
    assert_eq!(check_feed(&none, &log), Ok(FeedAgreement::NoCommitment));
    let mut garbled = at(10);
    garbled.log.as_mut().unwrap().root = "not base64".into();
    assert_eq!(check_feed(&garbled, &log), Err(FeedConflict::BadRoot));

    // A reader that resumed from what it kept (at 6 entries) holds the
    // roots from 6 on and the history at 10 only: what it can check it
    // checks, the same way; what it cannot is "the log has grown since",
    // never a conflict.
    use bongsu_core::log::{check_feed_with, CompactTree};
    let mut resumed = CompactTree::of(&MerkleLog::from_entries(
        entries[..6].iter().map(Vec::as_slice),
    ));
    for entry in &entries[6..] {
        resumed.append(entry).unwrap();
    }
    let history = History::from_events(&events);
    let with = |feed: &Feed| {
        check_feed_with(
            feed,
            10,
            |size| resumed.root_at(size).ok(),
            |size| (size == 10).then_some(std::borrow::Cow::Borrowed(&history)),
        )
    };
    assert_eq!(with(&at(10)), Ok(FeedAgreement::Agrees { size: 10 }));
    assert!(matches!(
        with(&lying),
        Err(FeedConflict::StateDiffers { size: 10, .. })
    ));
    assert_eq!(
        with(&at(8)),
        Ok(FeedAgreement::LogAhead {
            committed: 8,
            have: 10
        })
    );
    assert_eq!(
        with(&at(5)),
        Ok(FeedAgreement::LogAhead {
            committed: 5,
            have: 10
        })
    );
    let mut other_late = at(8);
    other_late.log.as_mut().unwrap().root = at(9).log.unwrap().root;
    assert_eq!(
        with(&other_late),
        Err(FeedConflict::RootDiffers { size: 8 })
    );
}

#[test]
fn maintenance_and_postmortems_become_events_and_come_back_out() {
    use bongsu_core::log::events_for_maintenances;
    use bongsu_core::{
        Component, Feed, Incident, IncidentUpdate, Maintenance, MaintenanceState, Service,
    };
    let t0 = datetime!(2022-10-20 12:00 +09:00);
    let services = vec![Service {
        id: "talk".into(),
        name: "KakaoTalk".into(),
        components: vec![Component {
            depends_on: Vec::new(),
            id: "msg".into(),
            name: "Messaging".into(),
            status: Status::Operational,
        }],
    }];
    let m = |state, hours: i64| Maintenance {
        id: "db".into(),
        title: "Database upgrade".into(),
        starts_at: t0 + Duration::hours(hours),
        ends_at: t0 + Duration::hours(hours + 2),
        components: vec!["talk/msg".into()],
        state,
    };
    let kinds = |events: &[LogEvent]| events.iter().map(|e| e.event.kind()).collect::<Vec<_>>();
    let mut events = events_for_change(&[], &[], &services, &[], t0);
    events.extend(events_for_maintenances(
        &[],
        &[m(MaintenanceState::Scheduled, 14)],
        t0,
    ));
    let h = History::from_events(&events);
    assert_eq!(
        h.declared_maintenances(),
        vec![m(MaintenanceState::Scheduled, 14)]
    );

    // Rescheduled: announced again, and nothing else.
    let more = events_for_maintenances(
        &h.declared_maintenances(),
        &[m(MaintenanceState::Scheduled, 20)],
        t0,
    );
    assert_eq!(kinds(&more), ["maintenance_scheduled"]);
    events.extend(more);
    let h = History::from_events(&events);
    assert_eq!(h.maintenances.len(), 1, "the same maintenance, moved");
    assert_eq!(
        h.declared_maintenances(),
        vec![m(MaintenanceState::Scheduled, 20)]
    );

    // Straight to completed: it started and it ended.
    let more = events_for_maintenances(
        &h.declared_maintenances(),
        &[m(MaintenanceState::Completed, 20)],
        t0 + Duration::hours(23),
    );
    assert_eq!(kinds(&more), ["maintenance_started", "maintenance_ended"]);
    events.extend(more);
    let h = History::from_events(&events);
    assert_eq!(
        h.declared_maintenances(),
        vec![m(MaintenanceState::Completed, 20)]
    );
    assert!(events_for_maintenances(
        &h.declared_maintenances(),
        &[m(MaintenanceState::Completed, 20)],
        t0
    )
    .is_empty());

    // A feed claiming it is still only scheduled contradicts the log.
    let feed = |maintenances, incidents| Feed {
        feed: "kakao".into(),
        seq: 1,
        issued_at: t0,
        expires_at: t0 + Duration::hours(1),
        log: None,
        services: services.clone(),
        incidents,
        maintenances,
    };
    let back = h.disagreement(&feed(vec![m(MaintenanceState::Scheduled, 20)], vec![]));
    assert!(back.is_some_and(|m| m.contains("cannot go back")));
    assert_eq!(
        h.disagreement(&feed(vec![m(MaintenanceState::Completed, 20)], vec![])),
        None
    );

    // A postmortem link: published once, changed once, never repeated.
    let incident = |postmortem: Option<&str>| Incident {
        id: "fire".into(),
        title: "Fire".into(),
        impact: Status::MajorOutage,
        components: vec!["talk/msg".into()],
        updates: vec![IncidentUpdate {
            sources: None,
            at: t0,
            state: IncidentState::Resolved,
            message: "Done".into(),
        }],
        postmortem: postmortem.map(str::to_owned),
    };
    let mut events2 = events_for_change(&[], &[], &services, &[incident(None)], t0);
    let h = History::from_events(&events2);
    let more = events_for_change(
        &h.declared_services(),
        &h.declared_incidents(),
        &services,
        &[incident(Some("https://example.com/pm"))],
        t0 + Duration::days(3),
    );
    assert_eq!(kinds(&more), ["postmortem_published"]);
    events2.extend(more);
    let h = History::from_events(&events2);
    assert_eq!(
        h.declared_incidents(),
        vec![incident(Some("https://example.com/pm"))]
    );
    assert!(events_for_change(
        &h.declared_services(),
        &h.declared_incidents(),
        &services,
        &[incident(Some("https://example.com/pm"))],
        t0
    )
    .is_empty());
    let dropped = h.disagreement(&feed(vec![], vec![incident(None)]));
    assert!(dropped.is_some_and(|m| m.contains("postmortem")));
}

/// Incidents are found by id however many there are, and still after a
/// caller filters the public list (as one incident's export does).
#[test]
fn incidents_are_found_by_id_even_after_the_list_is_filtered() {
    use bongsu_core::log::{Event, LogEvent};
    let at = time::macros::datetime!(2022-10-15 15:30 +09:00);
    let events: Vec<LogEvent> = ["a", "b", "c"]
        .iter()
        .map(|id| LogEvent {
            at,
            event: Event::IncidentOpened {
                incident: (*id).into(),
                title: format!("Incident {id}").into(),
                impact: Status::MajorOutage,
                components: vec![],
            },
        })
        .collect();
    let mut h = History::from_events(&events);
    for id in ["a", "b", "c"] {
        assert_eq!(h.incident(id).map(|i| i.id.as_str()), Some(id));
    }
    assert!(h.incident("d").is_none());
    h.incidents.retain(|i| i.id == "c");
    assert_eq!(
        h.incident("c").map(|i| i.title.source()),
        Some("Incident c")
    );
    assert!(h.incident("a").is_none());
}

/// Every kind of event, with translated text, sources, maintenance and
/// disagreements: a history with every field a kept state must carry.
fn rich_events(n: usize) -> Vec<LogEvent> {
    use bongsu_core::probe::DisagreementKind;
    use bongsu_core::text::localized::Localized;
    let ko = |en: &str, ko: &str| Localized::new("en", en, [("ko".to_owned(), ko.to_owned())]);
    let mut events = sample_events(n);
    let at = datetime!(2022-10-15 15:00 +09:00);
    let more = [
        Event::IncidentOpened {
            incident: "fire".into(),
            title: ko("Datacenter fire", "데이터센터 화재"),
            impact: Status::MajorOutage,
            components: vec!["talk/msg".into()],
        },
        Event::IncidentUpdated {
            incident: "fire".into(),
            state: IncidentState::Identified,
            message: ko("Power cut at Pangyo", "판교 전원 차단"),
            sources: Some("https://example.test/a".into()),
        },
        Event::MaintenanceScheduled {
            maintenance: "m1".into(),
            title: Localized::plain("Recovery work"),
            starts_at: at + Duration::hours(2),
            ends_at: at + Duration::hours(5),
            components: vec!["talk/media".into()],
        },
        Event::MaintenanceStarted {
            maintenance: "m1".into(),
        },
        Event::ProbesDisagreed {
            service: "talk".into(),
            disagreement: DisagreementKind::UndeclaredOutage,
            since: at + Duration::minutes(3),
            failing: vec!["seoul".into(), "tokyo".into()],
            passing: vec!["busan".into()],
        },
        Event::DisagreementEnded {
            service: "talk".into(),
        },
        Event::IncidentResolved {
            incident: "fire".into(),
            message: ko("Restored", "복구됨"),
            sources: None,
        },
        Event::PostmortemPublished {
            incident: "fire".into(),
            url: "https://example.test/pm".into(),
        },
        Event::IncidentUpdated {
            incident: "unknown".into(),
            state: IncidentState::Monitoring,
            message: Localized::plain("refers to nothing: a problem"),
            sources: None,
        },
    ];
    let base = events.len() as i64;
    for (i, e) in more.into_iter().enumerate() {
        events.push(LogEvent {
            at: at + Duration::minutes(base + i as i64),
            event: e,
        });
    }
    events
}

#[test]
fn a_kept_log_reads_back_as_it_was_written() {
    use bongsu_core::log::{CompactTree, KeptLog};
    let events = rich_events(300);
    let entries = entries_of(&events);
    let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
    let history = History::from_events(&events);
    assert!(!history.problems.is_empty() && !history.disagreements.is_empty());
    let bytes = KeptLog::encode(ORIGIN, &CompactTree::of(&tree), &history);
    let kept = KeptLog::decode(&bytes).unwrap();
    assert_eq!(kept.origin, ORIGIN);
    assert_eq!(kept.history, history);
    assert_eq!(kept.tree.size(), tree.size());
    assert_eq!(kept.root(), tree.root());
    // The incident index is rebuilt: an update after reading back finds it.
    let mut back = kept.history.clone();
    let mut fresh = history.clone();
    let late = event(
        999,
        Event::IncidentUpdated {
            incident: "fire".into(),
            state: IncidentState::Monitoring,
            message: "still watching".into(),
            sources: None,
        },
    );
    back.apply(9_999, &late);
    fresh.apply(9_999, &late);
    assert_eq!(back, fresh);
}

#[test]
fn damaged_kept_bytes_are_refused_never_misread() {
    use bongsu_core::log::{CompactTree, KeptError, KeptLog};
    let events = rich_events(40);
    let entries = entries_of(&events);
    let tree = MerkleLog::from_entries(entries.iter().map(Vec::as_slice));
    let bytes = KeptLog::encode(
        ORIGIN,
        &CompactTree::of(&tree),
        &History::from_events(&events),
    );
    assert_eq!(
        KeptLog::decode(b"something else").unwrap_err(),
        KeptError::Format
    );
    for cut in [bytes.len() - 1, bytes.len() / 2, 20] {
        assert!(KeptLog::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    // Every single flipped bit past the format line is caught.
    for at in (18..bytes.len()).step_by(7) {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x10;
        assert!(KeptLog::decode(&flipped).is_err(), "flip at {at}");
    }
}

#[test]
fn a_kept_log_resumed_with_new_bundles_is_the_whole_log_verified() {
    use bongsu_core::log::{CompactTree, KeptLog, ResumeCheck};
    let ks = key_set(Some(2));
    let all = rich_events(700);
    let entries = entries_of(&all);
    // Kept at sizes inside a bundle, at a bundle's edge and at the end.
    for kept_size in [1usize, 100, 256, 512, 600, 709] {
        let old = &entries[..kept_size];
        let old_tree = MerkleLog::from_entries(old.iter().map(Vec::as_slice));
        let bytes = KeptLog::encode(
            ORIGIN,
            &CompactTree::of(&old_tree),
            &History::from_events(&all[..kept_size]),
        );
        let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
        let mut check = ResumeCheck::new(KeptLog::decode(&bytes).unwrap(), cp.clone()).unwrap();
        let bundles = bundles_for(&entries);
        // Only the bundles with new entries; none when nothing is new.
        let first = if kept_size == entries.len() {
            bundles.len()
        } else {
            kept_size / 256
        };
        assert_eq!(
            check.bundles().len() as usize,
            bundles.len() - first,
            "kept {kept_size}"
        );
        let named: Vec<String> = (0..check.bundles().len())
            .map(|n| check.bundles().get(n).unwrap().1)
            .collect();
        let all: Vec<String> = bundle_paths(cp.size).collect();
        assert_eq!(named, all[first..], "kept {kept_size}");
        assert_eq!(check.bundles().get(check.bundles().len()), None);
        for bundle in &bundles[first..] {
            check.add(bundle).unwrap();
        }
        let resumed = check.finish().unwrap();
        let whole = verify_entries(cp, &bundles).unwrap();
        assert_eq!(
            resumed.history,
            History::from_events(&whole.events),
            "kept {kept_size}"
        );
        assert_eq!(resumed.root(), whole.tree.root());
    }
}

#[test]
fn a_resumed_log_that_rewrote_the_kept_entries_or_changed_a_new_one_is_refused() {
    use bongsu_core::log::{CompactTree, KeptLog, ResumeCheck};
    let ks = key_set(Some(2));
    let all = sample_events(600);
    let entries = entries_of(&all);
    let kept = |upto: usize, of: &[Vec<u8>]| {
        let tree = MerkleLog::from_entries(of[..upto].iter().map(Vec::as_slice));
        KeptLog::decode(&KeptLog::encode(
            ORIGIN,
            &CompactTree::of(&tree),
            &History::from_events(&all[..upto]),
        ))
        .unwrap()
    };
    let cp = verify_checkpoint(&checkpoint_for(&entries, 2), &ks).unwrap();
    let bundles = bundles_for(&entries);
    // What this reader kept differs from the log now signed (a rewrite):
    // the new entries do not lead from the kept edge to the new root.
    let mut rewritten = entries.clone();
    rewritten[3] = encode_event(&status(3, "msg", Status::Operational));
    let mut check = ResumeCheck::new(kept(300, &rewritten), cp.clone()).unwrap();
    for bundle in &bundles[1..] {
        check.add(bundle).unwrap();
    }
    assert_eq!(
        check.finish().unwrap_err(),
        LogError::RootMismatch { size: 600 }
    );
    // A changed new entry.
    let mut changed = entries.clone();
    changed[450] = encode_event(&status(450, "msg", Status::MajorOutage));
    let mut check = ResumeCheck::new(kept(300, &entries), cp.clone()).unwrap();
    for bundle in &bundles_for(&changed)[1..] {
        check.add(bundle).unwrap();
    }
    assert_eq!(
        check.finish().unwrap_err(),
        LogError::RootMismatch { size: 600 }
    );
    // Too few, one too many, a smaller checkpoint.
    let mut short = ResumeCheck::new(kept(300, &entries), cp.clone()).unwrap();
    short.add(&bundles[1]).unwrap();
    assert_eq!(
        short.finish().unwrap_err(),
        LogError::RootMismatch { size: 600 }
    );
    let mut long = ResumeCheck::new(kept(300, &entries), cp.clone()).unwrap();
    for bundle in &bundles[1..] {
        long.add(bundle).unwrap();
    }
    assert_eq!(
        long.add(&bundles[2]).unwrap_err(),
        LogError::ExtraBundle { size: 600 }
    );
    let small = verify_checkpoint(&checkpoint_for(&entries[..200], 2), &ks).unwrap();
    assert!(ResumeCheck::new(kept(300, &entries), small).is_err());
}

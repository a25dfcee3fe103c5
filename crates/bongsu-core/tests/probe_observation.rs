//! Probe observations: only a region's own probe keys make its observation
//! count, and every way one can be forged or misattributed is refused.

use std::collections::BTreeMap;

use bongsu_core::keys::validate_key_set;
use bongsu_core::probe::{
    summarize, verify_observation, CheckResult, ErrorClass, Observation, ObservationError, Round,
};
use bongsu_core::{sign_observation, KeySet, RoleKeys, Roles, SignatureError};
use rand_core::OsRng;
use signed_note::{generate_key, Signer, StandardSigner};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-27 04:00 UTC);

struct Key {
    signer: StandardSigner,
    vkey: String,
}

fn key(name: &str) -> Key {
    let (skey, vkey) = generate_key(&mut OsRng, name);
    Key {
        signer: StandardSigner::new(&skey).unwrap(),
        vkey,
    }
}

fn role(keys: &[&Key]) -> RoleKeys {
    RoleKeys {
        threshold: 1,
        keys: keys.iter().map(|k| k.vkey.clone()).collect(),
    }
}

struct World {
    seoul: Key,
    busan: Key,
    retired: Key,
    key_set: KeySet,
}

fn world() -> World {
    let root = key("root.bongsu.test");
    let status = key("status.bongsu.test");
    let seoul = key("probe-seoul.bongsu.test");
    let busan = key("probe-busan.bongsu.test");
    let retired = key("probe-seoul.bongsu.test");
    let key_set = KeySet {
        feed: "kakao".into(),
        version: 1,
        issued_at: NOW - Duration::days(1),
        expires_at: NOW + Duration::days(30),
        root: role(&[&root]),
        roles: Roles {
            status: role(&[&status]),
            log: None,
            witness: None,
            probes: BTreeMap::from([
                ("seoul".to_owned(), role(&[&seoul])),
                ("busan".to_owned(), role(&[&busan])),
            ]),
        },
        revoked: vec![retired.vkey.clone()],
    };
    validate_key_set(&key_set).unwrap();
    World {
        seoul,
        busan,
        retired,
        key_set,
    }
}

fn observation(region: &str) -> Observation {
    let round = Round {
        at: NOW - Duration::seconds(30),
        checks: vec![CheckResult {
            latency_ms: 5000,
            error: Some(ErrorClass::Timeout),
        }],
    };
    Observation {
        feed: "kakao".into(),
        region: region.into(),
        seq: 1,
        issued_at: NOW,
        expires_at: NOW + Duration::minutes(2),
        interval_seconds: 40,
        window_seconds: 300,
        services: vec![summarize("talk", &[round], None).unwrap()],
    }
}

fn signed(o: &Observation, by: &Key) -> Vec<u8> {
    sign_observation(o, &[&by.signer as &dyn Signer]).unwrap()
}

#[test]
fn a_region_s_own_probe_key_is_trusted() {
    let w = world();
    let o = observation("seoul");
    assert_eq!(
        verify_observation(&signed(&o, &w.seoul), &w.key_set, "seoul"),
        Ok(o)
    );
}

#[test]
fn another_region_s_probe_cannot_speak_for_it() {
    let w = world();
    // Busan's probe signs an observation claiming to be Seoul's.
    let bytes = signed(&observation("seoul"), &w.busan);
    assert!(matches!(
        verify_observation(&bytes, &w.key_set, "seoul"),
        Err(ObservationError::Signature(
            SignatureError::UnknownSigner { .. }
        ))
    ));
    // Seoul's genuine observation, served where Busan's is expected.
    let bytes = signed(&observation("seoul"), &w.seoul);
    assert!(matches!(
        verify_observation(&bytes, &w.key_set, "busan"),
        Err(ObservationError::Signature(_))
    ));
    // Busan's key signs a text naming Seoul: verified as Busan's, refused by name.
    let bytes = signed(&observation("seoul"), &w.busan);
    assert_eq!(
        verify_observation(&bytes, &w.key_set, "busan"),
        Err(ObservationError::WrongRegion {
            expected: "busan".into(),
            found: "seoul".into()
        })
    );
}

#[test]
fn revoked_tampered_foreign_and_unkeyed_observations_are_refused() {
    let w = world();
    let bytes = signed(&observation("seoul"), &w.retired);
    assert!(matches!(
        verify_observation(&bytes, &w.key_set, "seoul"),
        Err(ObservationError::Signature(SignatureError::Revoked { .. }))
    ));
    let bytes = signed(&observation("seoul"), &w.seoul);
    let tampered = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("failing", "passing");
    assert!(matches!(
        verify_observation(tampered.as_bytes(), &w.key_set, "seoul"),
        Err(ObservationError::Signature(
            SignatureError::BadSignature { .. }
        ))
    ));
    let mut other = observation("seoul");
    other.feed = "daum".into();
    assert!(matches!(
        verify_observation(&signed(&other, &w.seoul), &w.key_set, "seoul"),
        Err(ObservationError::WrongFeed { .. })
    ));
    assert_eq!(
        verify_observation(&bytes, &w.key_set, "tokyo"),
        Err(ObservationError::NoProbeKeys {
            region: "tokyo".into()
        })
    );
    let huge = vec![b'a'; bongsu_core::probe::MAX_OBSERVATION_BYTES + 1];
    assert!(matches!(
        verify_observation(&huge, &w.key_set, "seoul"),
        Err(ObservationError::TooLarge { .. })
    ));
    assert!(matches!(
        verify_observation(b"<html>", &w.key_set, "seoul"),
        Err(ObservationError::Signature(SignatureError::NotANote))
    ));
}

#[test]
fn a_status_feed_signature_is_never_an_observation() {
    let w = world();
    // Even if one key were both the status key and a probe key, a feed's
    // text starts with the feed's format line and is refused as such.
    let text = "bongsu-status-feed/v1\n{}\n";
    let mut note = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&w.seoul.signer as &dyn Signer]).unwrap();
    assert!(matches!(
        verify_observation(&note.to_bytes(), &w.key_set, "seoul"),
        Err(ObservationError::Wire(_))
    ));
}

#[test]
fn one_probe_key_in_two_regions_is_refused() {
    let w = world();
    let mut ks = w.key_set.clone();
    ks.roles.probes.insert("tokyo".into(), role(&[&w.seoul]));
    let err = validate_key_set(&ks).unwrap_err();
    assert!(err.contains("both `seoul` and `tokyo`"), "{err}");
}

#[test]
fn one_public_key_under_two_names_is_one_key() {
    use base64::Engine;
    let w = world();
    // Seoul's public key, renamed: a different verifier key string, the same key.
    let b64 = w.seoul.vkey.splitn(3, '+').nth(2).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let name = "tokyo-probe.test";
    let renamed = format!("{name}+{:08x}+{b64}", bongsu_core::keys::key_id(name, &raw));
    assert_ne!(renamed, w.seoul.vkey);
    let mut ks = w.key_set.clone();
    ks.roles.probes.insert(
        "tokyo".into(),
        RoleKeys {
            threshold: 1,
            keys: vec![renamed],
        },
    );
    let err = validate_key_set(&ks).unwrap_err();
    assert!(err.contains("both `seoul` and `tokyo`"), "{err}");
}

#[test]
fn inconsistent_observations_are_not_signed() {
    let w = world();
    let mut o = observation("seoul");
    o.services[0].failed = 0;
    assert!(sign_observation(&o, &[&w.seoul.signer as &dyn Signer]).is_err());
}

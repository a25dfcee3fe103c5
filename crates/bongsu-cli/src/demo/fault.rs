//! Fault injection for the demo and the tests: every way a region can fail,
//! lie or be compromised, switchable at run time, so they can show that the
//! page survives each one. `bongsu serve` has none of it.
//!
//! The forged feeds are built from the region's real feed with every status
//! flipped (operational ↔ major outage), so any test can tell at a glance
//! whether forged content reached the page.

use std::path::{Path, PathBuf};

use bongsu_core::feed::decode_text;
use bongsu_core::{sign_feed, Feed, KeySet, RoleKeys, Status};

use crate::error::CliError;
use signed_note::{Signer, StandardSigner};
use time::{Duration, OffsetDateTime};

/// One way for a region to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Serving normally.
    Healthy,
    /// Connections refused: the port is closed.
    Down,
    /// Connections accepted, never answered.
    Blackhole,
    /// The real feed, one byte per second.
    Slow,
    /// A validly signed feed older than the real one.
    Stale,
    /// A validly signed feed whose validity ended an hour ago.
    Expired,
    /// The real signature over altered content.
    BadSignature,
    /// A newer-looking feed signed by a key the operator never published.
    UnknownKey,
    /// A newer-looking feed signed by a key the operator revoked.
    RevokedKey,
    /// A different feed with the same sequence number, validly signed.
    Equivocating,
    /// Truncated bytes that are not a signed note.
    Malformed,
    /// An endless body (2 MiB with no declared length).
    Oversized,
    /// A captive-portal HTML page with status 200.
    WrongContentType,
}

impl Fault {
    pub const ALL: [Fault; 13] = [
        Fault::Healthy,
        Fault::Down,
        Fault::Blackhole,
        Fault::Slow,
        Fault::Stale,
        Fault::Expired,
        Fault::BadSignature,
        Fault::UnknownKey,
        Fault::RevokedKey,
        Fault::Equivocating,
        Fault::Malformed,
        Fault::Oversized,
        Fault::WrongContentType,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Healthy => "healthy",
            Fault::Down => "down",
            Fault::Blackhole => "blackhole",
            Fault::Slow => "slow",
            Fault::Stale => "stale",
            Fault::Expired => "expired",
            Fault::BadSignature => "bad-sig",
            Fault::UnknownKey => "unknown-key",
            Fault::RevokedKey => "revoked-key",
            Fault::Equivocating => "equivocating",
            Fault::Malformed => "malformed",
            Fault::Oversized => "oversized",
            Fault::WrongContentType => "wrong-content-type",
        }
    }

    pub fn parse(text: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.as_str() == text.trim())
    }

    /// Every mode name, for error messages.
    pub fn names() -> String {
        Fault::ALL.map(Fault::as_str).join(", ")
    }
}

/// The modes whose feeds need the real status key: they are signed ahead,
/// by whoever holds that key (the demo's signer, or `bongsu
/// fault-variants` for the tests), into `<variants>/<mode>.note`. The
/// fault server only reads them: no request to it can make the real key
/// sign anything.
pub const PRESIGNED: [Fault; 3] = [Fault::Stale, Fault::Expired, Fault::Equivocating];

/// The file a pre-signed variant is kept in.
pub fn variant_file(dir: &Path, fault: Fault) -> PathBuf {
    dir.join(format!("{}.note", fault.as_str()))
}

/// Signs the [`PRESIGNED`] variants of the feed note `real` with the real
/// status key and writes them to `dir` (the stale one only when the real
/// feed has an older seq to pretend to be).
pub fn write_variants(
    dir: &Path,
    real: &[u8],
    status_key: &StandardSigner,
    now: OffsetDateTime,
) -> Result<(), CliError> {
    let note =
        signed_note::Note::from_bytes(real).map_err(|e| CliError::FaultVariants(e.to_string()))?;
    let feed = decode_text(note.text()).map_err(|e| CliError::FaultVariants(e.to_string()))?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let sign = |f: &Feed| {
        sign_feed(f, &[status_key as &dyn Signer])
            .map_err(|e| CliError::FaultVariants(e.to_string()))
    };
    let mut stale = flipped(&feed);
    let stale = match feed.seq.checked_sub(1).filter(|s| *s > 0) {
        Some(seq) => {
            stale.seq = seq;
            stale.issued_at = feed.issued_at - Duration::minutes(1);
            Some(sign(&stale)?)
        }
        None => None,
    };
    let mut expired = flipped(&feed);
    expired.seq = feed.seq.saturating_sub(1).max(1);
    expired.issued_at = now - Duration::hours(2);
    expired.expires_at = now - Duration::hours(1);
    let equivocating = sign(&flipped(&feed))?;
    for (fault, bytes) in [
        (Fault::Stale, stale),
        (Fault::Expired, Some(sign(&expired)?)),
        (Fault::Equivocating, Some(equivocating)),
    ] {
        let file = variant_file(dir, fault);
        match bytes {
            Some(bytes) => crate::sign::write_atomically(&file, &bytes)?,
            None => {
                let _ = std::fs::remove_file(&file);
            }
        }
    }
    Ok(())
}

/// The keys the fault server forges with itself. Never one the live key
/// set trusts: a made-up key, and optionally a key the key set revokes.
pub struct Forger {
    /// A key nobody published, made up at start.
    unknown: StandardSigner,
    /// A key the key set revokes.
    revoked: Option<StandardSigner>,
}

impl Forger {
    /// A forger; `revoked` must be a key the newest of `live` (the key sets
    /// the regions serve) revokes and trusts in no role.
    pub fn new(revoked: Option<StandardSigner>, live: Option<&KeySet>) -> Result<Forger, CliError> {
        if let Some(key) = &revoked {
            let identity = bongsu_core::keys::key_identity(key.name(), key.key_id());
            let live = live.ok_or_else(|| {
                CliError::FaultKey(format!(
                    "{identity}: no key set is published in the regions to check it against"
                ))
            })?;
            let listed = |keys: &[String]| {
                RoleKeys {
                    threshold: 1,
                    keys: keys.to_vec(),
                }
                .identities()
                .contains(&identity)
            };
            let roles = &live.roles;
            let trusted = std::iter::once(&live.root)
                .chain([&roles.status])
                .chain(roles.log.iter())
                .chain(roles.probes.values())
                .any(|role| listed(&role.keys));
            if trusted || !listed(&live.revoked) {
                return Err(CliError::FaultKey(format!(
                    "{identity} is {} by key set version {}: only a key the live key set revokes can sign the revoked-key fault",
                    if trusted { "trusted" } else { "not revoked" },
                    live.version
                )));
            }
        }
        let name = revoked
            .as_ref()
            .map_or("status.bongsu.fault", |s| s.name())
            .to_owned();
        // Same name as the real key, different key: only the key id differs.
        let (skey, _) = signed_note::generate_key(&mut rand_core::OsRng, &name);
        let unknown = StandardSigner::new(&skey).map_err(|_| CliError::BadKeyName(name.clone()))?;
        Ok(Forger { unknown, revoked })
    }
}

/// Why `fault` cannot be switched on for a region now, if it cannot.
pub fn unavailable(fault: Fault, forger: &Forger, variants: &Path) -> Option<String> {
    match fault {
        Fault::RevokedKey if forger.revoked.is_none() => {
            Some("it needs a revoked key: start with --revoked-key".to_owned())
        }
        f if PRESIGNED.contains(&f) && !variant_file(variants, f).is_file() => Some(format!(
            "no pre-signed {} feed in {} (the signer writes it; a stale one needs seq 2 or more)",
            f.as_str(),
            variants.display()
        )),
        _ => None,
    }
}

/// The body a content fault serves in place of `real` (the region's real
/// feed note), or an error message.
pub fn forged_feed(
    fault: Fault,
    real: &[u8],
    forger: &Forger,
    variants: &Path,
) -> Result<Vec<u8>, String> {
    if PRESIGNED.contains(&fault) {
        let file = variant_file(variants, fault);
        return std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()));
    }
    let note = signed_note::Note::from_bytes(real).map_err(|e| format!("the real feed: {e}"))?;
    let feed = decode_text(note.text()).map_err(|e| format!("the real feed: {e}"))?;
    let mut forged = flipped(&feed);
    let sign = |f: &Feed, key: &StandardSigner| {
        sign_feed(f, &[key as &dyn Signer]).map_err(|e| e.to_string())
    };
    match fault {
        Fault::UnknownKey => {
            forged.seq = feed.seq + 1;
            sign(&forged, &forger.unknown)
        }
        Fault::RevokedKey => {
            forged.seq = feed.seq + 1;
            sign(&forged, forger.revoked.as_ref().ok_or("no --revoked-key")?)
        }
        Fault::BadSignature => {
            // The real signatures, over the flipped text.
            let text = bongsu_core::feed::encode_text(&forged);
            let real_text_len = note.text().len();
            let mut out = text.into_bytes();
            out.extend_from_slice(&real[real_text_len..]);
            Ok(out)
        }
        Fault::Malformed => Ok(real[..real.len() / 2].to_vec()),
        other => Err(format!("{} does not forge a feed", other.as_str())),
    }
}

/// Every status swapped between operational and major outage.
fn flipped(feed: &Feed) -> Feed {
    let mut forged = feed.clone();
    for service in &mut forged.services {
        for component in &mut service.components {
            component.status = match component.status {
                Status::Operational => Status::MajorOutage,
                _ => Status::Operational,
            };
        }
    }
    // Incidents may name components; keep them consistent with the flip.
    forged.incidents.clear();
    forged
}

/// The captive-portal page served by [`Fault::WrongContentType`].
pub const PORTAL_PAGE: &str =
    "<!doctype html><title>Sign in</title><h1>Sign in to the Wi-Fi network to continue</h1>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_round_trips_by_name() {
        for fault in Fault::ALL {
            assert_eq!(Fault::parse(fault.as_str()), Some(fault));
        }
        assert_eq!(Fault::parse("nonsense"), None);
    }

    #[test]
    fn flipping_swaps_operational_and_outage() {
        use bongsu_core::{Component, Service};
        let feed = Feed {
            feed: "kakao".into(),
            seq: 3,
            issued_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: OffsetDateTime::UNIX_EPOCH + Duration::hours(1),
            log: None,
            services: vec![Service {
                id: "talk".into(),
                name: "Talk".into(),
                components: vec![
                    Component {
                        depends_on: Vec::new(),
                        id: "a".into(),
                        name: "A".into(),
                        status: Status::Operational,
                    },
                    Component {
                        depends_on: Vec::new(),
                        id: "b".into(),
                        name: "B".into(),
                        status: Status::PartialOutage,
                    },
                ],
            }],
            incidents: vec![],
            maintenances: vec![],
        };
        let f = flipped(&feed);
        let statuses: Vec<Status> = f.services[0].components.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [Status::MajorOutage, Status::Operational]);
    }
}

//! Fault injection for `bongsu serve`: every way a region can fail, lie or
//! be compromised, switchable at run time, so demos and tests can show that
//! the page survives each one.
//!
//! The forged feeds are built from the region's real feed with every status
//! flipped (operational ↔ major outage), so any test can tell at a glance
//! whether forged content reached the page.

use std::path::Path;

use bongsu_core::wire::decode_text;
use bongsu_core::{sign_feed, Feed, Status};
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

/// The keys forged feeds are signed with.
pub struct FaultKeys {
    /// The real status key: validly signed stale, expired and equivocating
    /// feeds need it.
    pub status: Option<StandardSigner>,
    /// A key the key set revokes.
    pub revoked: Option<StandardSigner>,
    /// A key nobody published, made up at start.
    pub unknown: StandardSigner,
}

impl FaultKeys {
    pub fn new(
        status: Option<StandardSigner>,
        revoked: Option<StandardSigner>,
    ) -> Result<FaultKeys, crate::error::CliError> {
        let name = status
            .as_ref()
            .map_or("status.bongsu.fault", |s| s.name())
            .to_owned();
        // Same name as the real key, different key: only the key id differs.
        let (skey, _) = signed_note::generate_key(&mut rand_core::OsRng, &name);
        let unknown = StandardSigner::new(&skey)
            .map_err(|_| crate::error::CliError::BadKeyName(name.clone()))?;
        Ok(FaultKeys {
            status,
            revoked,
            unknown,
        })
    }

    /// Which modes cannot work with the keys given, and why.
    pub fn missing_for(&self, fault: Fault) -> Option<&'static str> {
        match fault {
            Fault::Stale | Fault::Expired | Fault::Equivocating if self.status.is_none() => {
                Some("it needs the status signing key: start serve with --fault-key")
            }
            Fault::RevokedKey if self.revoked.is_none() => {
                Some("it needs a revoked key: start serve with --revoked-key")
            }
            _ => None,
        }
    }
}

/// The body a content fault serves in place of `real` (the region's real
/// feed note), or an error message.
pub fn forged_feed(
    fault: Fault,
    real: &[u8],
    keys: &FaultKeys,
    now: OffsetDateTime,
) -> Result<Vec<u8>, String> {
    let note = signed_note::Note::from_bytes(real).map_err(|e| format!("the real feed: {e}"))?;
    let feed = decode_text(note.text()).map_err(|e| format!("the real feed: {e}"))?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let mut forged = flipped(&feed);
    let sign = |f: &Feed, key: &StandardSigner| {
        sign_feed(f, &[key as &dyn Signer]).map_err(|e| e.to_string())
    };
    let status_key = || keys.status.as_ref().ok_or("no --fault-key");
    match fault {
        Fault::Stale => {
            forged.seq =
                feed.seq.checked_sub(1).filter(|s| *s > 0).ok_or(
                    "the real feed has seq 1, so there is no older one; sign once more first",
                )?;
            forged.issued_at = now - Duration::minutes(1);
            forged.expires_at = now + Duration::hours(1);
            sign(&forged, status_key()?)
        }
        Fault::Expired => {
            forged.seq = feed.seq.saturating_sub(1).max(1);
            forged.issued_at = now - Duration::hours(2);
            forged.expires_at = now - Duration::hours(1);
            sign(&forged, status_key()?)
        }
        Fault::Equivocating => sign(&forged, status_key()?),
        Fault::UnknownKey => {
            forged.seq = feed.seq + 1;
            sign(&forged, &keys.unknown)
        }
        Fault::RevokedKey => {
            forged.seq = feed.seq + 1;
            sign(&forged, keys.revoked.as_ref().ok_or("no --revoked-key")?)
        }
        Fault::BadSignature => {
            // The real signatures, over the flipped text.
            let text = bongsu_core::wire::encode_text(&forged);
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

/// Reads a private key for fault injection.
pub fn read_key(path: &Path) -> Result<StandardSigner, crate::error::CliError> {
    crate::keygen::read_signer(path)
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
                        id: "a".into(),
                        name: "A".into(),
                        status: Status::Operational,
                    },
                    Component {
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

//! Keys and signatures: C2SP signed notes and their verifier keys
//! (`note`), witness cosignature keys (`cosignature`, key type 0x04), one
//! Ed25519 check (`ed25519`, natively or answered from outside), the
//! threshold rule every role uses (`signature`), roles and the pinned
//! root (`trust`), and the root-signed key sets and the chain of them
//! (`keyset`). Imports only [`crate::text`].

pub(crate) mod cosignature;
pub(crate) mod ed25519;
pub(crate) mod keyset;
pub(crate) mod note;
pub(crate) mod signature;
pub(crate) mod trust;

pub use cosignature::*;
pub use ed25519::*;
pub use keyset::*;
pub use note::*;
pub use signature::*;
pub use trust::*;

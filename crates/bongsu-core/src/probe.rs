//! Regional probes: one region's signed observation (`observation`: wire
//! format, verification under that region's probe keys, the judgement a
//! probe applies to its rounds) and many regions' observations turned into
//! one verdict per service and compared with what was declared
//! (`consensus`). Imports [`crate::text`], [`crate::keys`] and
//! [`crate::feed`].

pub(crate) mod consensus;
pub(crate) mod observation;

pub use consensus::*;
pub use observation::*;

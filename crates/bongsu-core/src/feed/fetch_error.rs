//! Why a region gave no bytes: the network's side of a poll, before
//! anything is verified. The browser app produces these; the reader sees
//! them per region.

/// Why a request to a region produced no response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// No answer before the deadline; the request was aborted.
    TimedOut { after_ms: u32 },
    /// The connection failed (refused, reset, DNS, CORS, offline).
    Network,
    /// An HTTP answer that is not 200.
    Http { status: u16 },
    /// The body grew past the limit; reading stopped there.
    TooLarge { limit: usize },
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::TimedOut { after_ms } => write!(f, "no answer within {after_ms} ms"),
            FetchError::Network => write!(f, "connection failed"),
            FetchError::Http { status } => write!(f, "HTTP error {status}"),
            FetchError::TooLarge { limit } => write!(
                f,
                "the response is over the {limit}-byte limit; it was cut off and rejected"
            ),
        }
    }
}

//! Identifiers as the protocol writes them: feeds, services, components,
//! incidents, maintenances, regions. Every kind of signed object uses the
//! one rule, so it sits below them all.

/// Longest identifier (feed, service, component, incident).
pub const MAX_ID_LEN: usize = 64;

/// Is `s` an identifier as feeds use them?
pub fn is_valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= MAX_ID_LEN
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

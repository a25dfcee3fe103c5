//! Whether a staged mutable file may replace what a destination holds. The
//! staging directory is the operator's source of truth, but a publish must
//! never roll readers back: a smaller checkpoint, an older feed or probe
//! observation, or a key chain that drops key sets would look to the app
//! like a rollback or a fork. Such a destination is left as it is and
//! reported; what a destination holds that does not parse is replaced (it
//! is not something a reader accepts either).

use bongsu_core::keys::Note;

/// Why `local` may not replace `remote` at `path`, if it may not.
pub fn refusal(path: &str, remote: &[u8], local: &[u8]) -> Option<String> {
    match path {
        "feed.note" => order(remote, local, feed_seq, "feed.note", "seq"),
        "probe.note" => order(remote, local, probe_seq, "probe.note", "seq"),
        "log/checkpoint" => checkpoint(remote, local),
        "keys.json" => key_chain(remote, local),
        _ => None,
    }
}

fn order(
    remote: &[u8],
    local: &[u8],
    read: fn(&[u8]) -> Option<u64>,
    what: &str,
    number: &str,
) -> Option<String> {
    let (remote, local) = (read(remote)?, read(local)?);
    if remote > local {
        Some(format!(
            "the destination's {what} is {number} {remote}, newer than the staged {number} {local}: another publisher wrote it; publish from the newest staging directory (readers are never rolled back)"
        ))
    } else if remote == local {
        Some(format!(
            "the destination's {what} is {number} {remote} with other content than the staged one: two files with one {number} look like equivocation to readers; sign again to make {number} {}",
            local + 1
        ))
    } else {
        None
    }
}

fn feed_seq(bytes: &[u8]) -> Option<u64> {
    let note = Note::parse(bytes)?;
    bongsu_core::feed::decode_text(note.text())
        .ok()
        .map(|f| f.seq)
}

fn probe_seq(bytes: &[u8]) -> Option<u64> {
    let note = Note::parse(bytes)?;
    bongsu_core::probe::decode_text(note.text())
        .ok()
        .map(|o| o.seq)
}

/// A checkpoint's size and root hash (its second and third lines).
fn checkpoint_head(bytes: &[u8]) -> Option<(u64, String)> {
    let note = Note::parse(bytes)?;
    let text = std::str::from_utf8(note.text()).ok()?;
    let mut lines = text.lines().skip(1);
    let size = lines.next()?.parse().ok()?;
    Some((size, lines.next()?.to_owned()))
}

fn checkpoint(remote: &[u8], local: &[u8]) -> Option<String> {
    let ((remote_size, remote_root), (local_size, local_root)) =
        (checkpoint_head(remote)?, checkpoint_head(local)?);
    if remote_size > local_size {
        Some(format!(
            "the destination's checkpoint is for {remote_size} entries, the staged one for {local_size}: a checkpoint is never replaced by a smaller one; publish from the staging directory that holds the newest log"
        ))
    } else if remote_size == local_size && remote_root != local_root {
        Some(format!(
            "the destination's checkpoint has another root hash at the same size ({local_size}): it holds a different history; nothing was replaced, and that is evidence to keep"
        ))
    } else {
        None
    }
}

fn key_chain(remote: &[u8], local: &[u8]) -> Option<String> {
    let remote = bongsu_core::parse_chain_file(remote).ok()?;
    let local = bongsu_core::parse_chain_file(local).ok()?;
    let is_prefix = remote.len() <= local.len() && remote.iter().zip(&local).all(|(r, l)| r == l);
    (!is_prefix).then(|| {
        format!(
            "the destination's keys.json ({} key sets) is not a beginning of the staged chain ({}): a key chain only grows; publish from the staging directory that holds the newest chain",
            remote.len(),
            local.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint_note(size: u64, root: &str) -> Vec<u8> {
        format!("log.test\n{size}\n{root}\n\n— log.test AAAAAAAA\n").into_bytes()
    }

    #[test]
    fn a_checkpoint_only_grows_and_never_forks() {
        let small = checkpoint_note(3, "aaaa");
        let big = checkpoint_note(5, "bbbb");
        let fork = checkpoint_note(5, "cccc");
        assert_eq!(refusal("log/checkpoint", &small, &big), None);
        assert!(refusal("log/checkpoint", &big, &small)
            .unwrap()
            .contains("never replaced by a smaller one"));
        assert!(refusal("log/checkpoint", &fork, &big)
            .unwrap()
            .contains("another root hash"));
        // Same tree, other cosignatures: fine.
        assert_eq!(refusal("log/checkpoint", &big, &big), None);
        // What does not parse is replaced.
        assert_eq!(refusal("log/checkpoint", b"garbage", &big), None);
    }

    #[test]
    fn a_key_chain_only_grows() {
        let chain = |notes: &[&str]| {
            bongsu_core::chain_file(&notes.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .into_bytes()
        };
        let (one, two, other) = (chain(&["a"]), chain(&["a", "b"]), chain(&["x", "b"]));
        assert_eq!(refusal("keys.json", &one, &two), None);
        assert!(refusal("keys.json", &two, &one)
            .unwrap()
            .contains("only grows"));
        assert!(refusal("keys.json", &other, &two).is_some());
    }

    #[test]
    fn other_files_are_not_guarded() {
        assert_eq!(refusal("badge.svg", b"a", b"b"), None);
    }
}

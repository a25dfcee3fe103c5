//! A unified diff of two texts, line by line: what a dry run shows.

/// One line of an edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same(usize, usize),
    Removed(usize),
    Added(usize),
}

/// The shortest edit script by longest common subsequence. Status files
/// are hundreds of lines, so the quadratic table is small; past a few
/// million cells the whole text is shown as replaced instead.
fn script(old: &[&str], new: &[&str]) -> Vec<Op> {
    const MAX_CELLS: usize = 4_000_000;
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_CELLS {
        return (0..n)
            .map(Op::Removed)
            .chain((0..m).map(Op::Added))
            .collect();
    }
    // lcs[i][j]: the common subsequence of old[i..] and new[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(Op::Same(i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals before additions, as diff(1) shows a changed line.
            out.push(Op::Removed(i));
            i += 1;
        } else {
            out.push(Op::Added(j));
            j += 1;
        }
    }
    out
}

/// `old` to `new` as a unified diff with `context` lines around each
/// change, headed by the two names; empty when they are the same.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = script(&a, &b);
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(k, _)| k)
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    // Group changes whose context overlaps into hunks of op indices.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &k in &changed {
        let (start, end) = (k.saturating_sub(context), (k + context + 1).min(ops.len()));
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for (start, end) in hunks {
        let slice = &ops[start..end];
        // Where the hunk starts in each text (1-based), and how long it is there.
        let first_old = ops[..start]
            .iter()
            .filter(|op| !matches!(op, Op::Added(_)))
            .count();
        let first_new = ops[..start]
            .iter()
            .filter(|op| !matches!(op, Op::Removed(_)))
            .count();
        let old_len = slice
            .iter()
            .filter(|op| !matches!(op, Op::Added(_)))
            .count();
        let new_len = slice
            .iter()
            .filter(|op| !matches!(op, Op::Removed(_)))
            .count();
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            first_old + usize::from(old_len > 0),
            first_new + usize::from(new_len > 0)
        ));
        for op in slice {
            match *op {
                Op::Same(i, _) => out.push_str(&format!(" {}\n", a[i])),
                Op::Removed(i) => out.push_str(&format!("-{}\n", a[i])),
                Op::Added(j) => out.push_str(&format!("+{}\n", b[j])),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_changed_line_with_its_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(
            unified(old, new, "x", "y", 2),
            "--- x\n+++ y\n@@ -2,5 +2,5 @@\n b\n c\n-d\n+D\n e\n f\n"
        );
    }

    #[test]
    fn same_texts_have_no_diff_and_an_append_is_one_hunk() {
        assert_eq!(unified("a\n", "a\n", "x", "y", 3), "");
        assert_eq!(
            unified("a\nb\n", "a\nb\nc\nd\n", "x", "y", 1),
            "--- x\n+++ y\n@@ -2,1 +2,3 @@\n b\n+c\n+d\n"
        );
    }

    proptest! {
        /// Applying the script to the old lines gives the new ones.
        #[test]
        fn the_script_rebuilds_the_new_text(
            old in prop::collection::vec("[abc]", 0..30),
            new in prop::collection::vec("[abc]", 0..30),
        ) {
            let a: Vec<&str> = old.iter().map(String::as_str).collect();
            let b: Vec<&str> = new.iter().map(String::as_str).collect();
            let ops = script(&a, &b);
            let rebuilt: Vec<&str> = ops
                .iter()
                .filter_map(|op| match *op {
                    Op::Same(i, _) => Some(a[i]),
                    Op::Added(j) => Some(b[j]),
                    Op::Removed(_) => None,
                })
                .collect();
            prop_assert_eq!(rebuilt, b);
            let kept = ops.iter().filter(|op| !matches!(op, Op::Added(_))).count();
            prop_assert_eq!(kept, a.len());
        }
    }
}

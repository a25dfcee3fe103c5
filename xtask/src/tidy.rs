//! ARCHITECTURE.md's invariants as tests (after rust-analyzer's
//! `xtask/src/tidy.rs`): `cargo test` fails when the tree breaks one, so a
//! reviewer does not have to notice. Each test reads the source as text.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is in the repository")
            .to_owned()
    }

    /// Every `.rs` file under `dir` (relative to the repository), with its text.
    fn rust_files(dir: &str) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        let mut stack = vec![root().join(dir)];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() {
                    if !matches!(name.as_str(), "target" | "node_modules" | "corpus") {
                        stack.push(path);
                    }
                } else if name.ends_with(".rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    out.push((path, text));
                }
            }
        }
        out.sort();
        out
    }

    /// The text before a file's unit tests.
    fn code(text: &str) -> &str {
        text.split("#[cfg(test)]").next().unwrap_or(text)
    }

    /// Lines of code, not comments.
    fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
        code(text)
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with("//"))
            .map(|(i, l)| (i + 1, l))
    }

    fn relative(path: &Path) -> String {
        path.strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Every place in `dirs` where a code line contains one of `needles`.
    fn find(dirs: &[&str], needles: &[&str], skip: impl Fn(&Path) -> bool) -> Vec<String> {
        let mut found = Vec::new();
        for dir in dirs {
            for (path, text) in rust_files(dir) {
                if skip(&path) {
                    continue;
                }
                for (n, line) in code_lines(&text) {
                    if let Some(needle) = needles.iter().find(|needle| line.contains(*needle)) {
                        found.push(format!("{}:{n}: {needle}", relative(&path)));
                    }
                }
            }
        }
        found
    }

    const BROWSER: [&str; 3] = ["src", "crates/bongsu-web/src", "crates/bongsu-widget/src"];

    #[test]
    fn every_source_file_opens_with_what_it_is() {
        let mut missing = Vec::new();
        for dir in ["src", "crates", "xtask/src", "fuzz/fuzz_targets"] {
            for (path, text) in rust_files(dir) {
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                if !first.starts_with("//!") {
                    missing.push(relative(&path));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "files without a `//!` line: {missing:#?}"
        );
    }

    #[test]
    fn the_browser_reads_json_only_through_the_core() {
        // (build.rs runs at build time; locale_files.rs is compiled for tests only.)
        let found = find(&BROWSER, &["serde_json::from_"], |p| {
            p.ends_with("build.rs") || p.ends_with("src/locale_files.rs")
        });
        assert!(
            found.is_empty(),
            "serde_json deserialisers in browser code: {found:#?}"
        );
    }

    #[test]
    fn the_core_touches_no_clock_network_filesystem_or_dom() {
        let found = find(
            &["crates/bongsu-core/src"],
            &[
                "now_utc",
                "SystemTime",
                "Instant::now",
                "std::fs",
                "std::net",
                "web_sys",
                "js_sys",
            ],
            |_| false,
        );
        assert!(found.is_empty(), "the core reaches outside: {found:#?}");
    }

    #[test]
    fn only_the_browser_crates_know_web_sys() {
        let found = find(
            &["crates/bongsu-core", "crates/bongsu-cli"],
            &["web_sys"],
            |_| false,
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn nothing_becomes_html_but_the_widgets_escaped_markup() {
        // The one exception in the app: the uptime strips and day choosers,
        // 9,000 elements written as markup in one step (a returning
        // history visit drew them element by element for 240 ms). They
        // hold dates, statuses and the page's own words, never operator
        // text, each escaped with `text::markup::escape`.
        let app = find(&["src"], &["inner_html"], |p| {
            p.ends_with("src/components/uptime.rs")
        });
        assert!(app.is_empty(), "inner_html in the app: {app:#?}");
        // The widget builds its markup in `view` (every operator string
        // escaped) and only `browser` puts it in the page.
        let widget = find(
            &["crates/bongsu-widget/src", "crates/bongsu-web/src"],
            &["inner_html"],
            |p| p.ends_with("crates/bongsu-widget/src/browser.rs"),
        );
        assert!(widget.is_empty(), "{widget:#?}");
    }

    #[test]
    fn serve_knows_nothing_of_the_demo() {
        let found = find(
            &[
                "crates/bongsu-cli/src/serve",
                "crates/bongsu-cli/src/witness",
            ],
            &["crate::demo", "Fault"],
            |_| false,
        );
        let serve = std::fs::read_to_string(root().join("crates/bongsu-cli/src/serve.rs"))
            .unwrap_or_default();
        let mut found = found;
        found.extend(
            code_lines(&serve)
                .filter(|(_, l)| l.contains("crate::demo") || l.contains("Fault"))
                .map(|(n, _)| format!("serve.rs:{n}")),
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn core_groups_import_only_the_groups_before_them() {
        const ORDER: [&str; 6] = ["text", "keys", "feed", "probe", "log", "statuspage"];
        let mut wrong = Vec::new();
        for (rank, group) in ORDER.iter().enumerate() {
            for (path, text) in rust_files(&format!("crates/bongsu-core/src/{group}")) {
                for (n, line) in code_lines(&text) {
                    for later in &ORDER[rank + 1..] {
                        if line.contains(&format!("crate::{later}::")) {
                            wrong.push(format!("{}:{n}: {group} imports {later}", relative(&path)));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn the_wasm_bindgen_pin_is_in_one_place() {
        let mut pins = Vec::new();
        for manifest in [
            "Cargo.toml",
            "crates/bongsu-web/Cargo.toml",
            "crates/bongsu-widget/Cargo.toml",
            "crates/bongsu-bench/Cargo.toml",
            "crates/bongsu-core/Cargo.toml",
            "crates/bongsu-cli/Cargo.toml",
        ] {
            let text = std::fs::read_to_string(root().join(manifest)).unwrap_or_default();
            pins.extend(
                text.lines()
                    .filter(|l| l.starts_with("wasm-bindgen = "))
                    .map(|l| format!("{manifest}: {l}")),
            );
        }
        assert_eq!(pins.len(), 1, "{pins:#?}");
        assert!(pins[0].starts_with("Cargo.toml: "), "{pins:#?}");
    }

    /// `path/like/this.rs`, `file.rs` or `dir/` named in backticks.
    fn named_paths(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 0
                || part.contains(char::is_whitespace)
                || part.contains(['<', '*', '{', '…', '#', '?', '=', '$', '('])
            {
                continue;
            }
            let known_root = [
                "src/",
                "crates/",
                "e2e/",
                "docs/",
                "xtask/",
                "public/",
                "style/",
                "examples/",
                "fuzz/",
            ]
            .iter()
            .any(|r| part.starts_with(r));
            let file = [
                ".rs", ".md", ".mjs", ".html", ".json", ".toml", ".css", ".js",
            ]
            .iter()
            .any(|e| part.ends_with(e));
            if known_root || (file && !part.contains("::")) {
                out.push(part.to_owned());
            }
        }
        out
    }

    #[test]
    fn every_path_architecture_md_names_exists() {
        let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap_or_default();
        let all: Vec<PathBuf> = [
            "src",
            "crates",
            "xtask",
            "e2e",
            "fuzz/fuzz_targets",
            "public",
            "style",
            "docs",
            "examples",
        ]
        .iter()
        .flat_map(|d| files_under(&root().join(d)))
        .collect();
        // Made by the build or the demo, not kept in the repository.
        const GENERATED: [&str; 2] = ["status.toml", "fallback/ed25519.js"];
        let mut stale = Vec::new();
        for named in named_paths(&text)
            .into_iter()
            .filter(|n| !GENERATED.contains(&n.as_str()))
        {
            let there = if named.contains('/') {
                root().join(named.trim_end_matches('/')).exists()
                    // A path inside a crate or folder the section is about.
                    || all.iter().any(|p| p.to_string_lossy().ends_with(named.trim_end_matches('/')))
            } else {
                root().join(&named).exists()
                    || all
                        .iter()
                        .any(|p| p.file_name().is_some_and(|f| f == named.as_str()))
            };
            if !there {
                stale.push(named);
            }
        }
        assert!(
            stale.is_empty(),
            "ARCHITECTURE.md names what is not there: {stale:#?}"
        );
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name();
                if path.is_dir() {
                    if !matches!(
                        name.to_str(),
                        Some("target" | "node_modules" | "corpus" | "screenshots")
                    ) {
                        out.push(path.clone());
                        stack.push(path);
                    }
                } else {
                    out.push(path);
                }
            }
        }
        out
    }
}

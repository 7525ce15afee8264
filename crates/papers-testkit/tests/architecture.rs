//! The architecture test: the layering that ARCHITECTURE.md describes,
//! checked from `cargo metadata` and the sources, so that a crossed layer
//! fails the test command instead of waiting for a reviewer.
//!
//! What it enforces (ARCHITECTURE.md, "Invariants checked by a test", says
//! the same):
//! 1. each workspace crate's normal dependencies on other workspace crates
//!    stay within the set its layer may use ([`ALLOWED`]);
//! 2. `sqlx` is a dependency of `papers-store` only, `axum` of `papers-web`
//!    only, `reqwest` of `papers-ingest` only, and in the sources `sqlx::`
//!    appears only in papers-store, `axum::` only in papers-web and
//!    `reqwest::` only in papers-ingest's `harvest` module;
//! 3. `json!` appears in papers-web only in `wire.rs` (or `wire/`);
//! 4. `Timestamp::now` is called only in papers-core's `clock.rs`;
//! 5. the environment (`std::env::var`, `env::var_os`) is read only in
//!    papers-cli's `config.rs`.
//!
//! Sources are each crate's `src/`, without `#[cfg(test)]` modules; tests,
//! examples, benches and the dev-only papers-testkit are exempt.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace crates each crate may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("papers-core", &[]),
    ("papers-feeds", &[]),
    ("papers-ingest", &["papers-core"]),
    ("papers-store", &["papers-core"]),
    ("papers-search", &["papers-core"]),
    ("papers-mail", &["papers-core"]),
    ("papers-recs", &[]),
    (
        "papers-app",
        &[
            "papers-core",
            "papers-ingest",
            "papers-store",
            "papers-search",
            "papers-mail",
            "papers-recs",
        ],
    ),
    (
        "papers-web",
        &["papers-core", "papers-app", "papers-feeds", "papers-mail"],
    ),
    (
        "papers-cli",
        &[
            "papers-core",
            "papers-ingest",
            "papers-store",
            "papers-search",
            "papers-mail",
            "papers-feeds",
            "papers-recs",
            "papers-app",
            "papers-web",
        ],
    ),
    ("papers-testkit", &[]),
];

/// Third-party crates that only one workspace crate may depend on.
const OWNED_DEPS: &[(&str, &str)] = &[
    ("sqlx", "papers-store"),
    ("axum", "papers-web"),
    ("reqwest", "papers-ingest"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Package {
    name: String,
    dir: PathBuf,
    /// Normal (not dev, not build) dependencies by name.
    deps: BTreeSet<String>,
}

fn packages() -> Vec<Package> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let mut packages = Vec::new();
    for p in meta["packages"].as_array().expect("packages") {
        let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest_path"));
        let deps = p["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().expect("dependency name").to_string())
            .collect();
        packages.push(Package {
            name: p["name"].as_str().expect("name").to_string(),
            dir: manifest.parent().expect("crate dir").to_path_buf(),
            deps,
        });
    }
    packages
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The source without its `#[cfg(test)]` items (a test module, or a
/// test-only function): from the attribute to the end of the item's braces.
fn without_tests(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        // The item ends where its first `{` closes (or at a `;` before any `{`).
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Lines of `src` (1-based) that contain `needle` outside `//` comments.
fn hits(src: &str, needle: &str) -> Vec<usize> {
    src.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            code.contains(needle)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// `(crate, path relative to the crate's src/, source without tests)` for
/// every non-test source file of the workspace, papers-testkit excepted.
fn sources(packages: &[Package]) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for p in packages.iter().filter(|p| p.name != "papers-testkit") {
        let src_dir = p.dir.join("src");
        let mut files = Vec::new();
        rust_files(&src_dir, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable source");
            let rel = f
                .strip_prefix(&src_dir)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            all.push((p.name.clone(), rel, without_tests(&text)));
        }
    }
    all
}

/// Every place where `needle` is used but `allowed(crate, file)` says no.
fn violations(
    sources: &[(String, String, String)],
    needle: &str,
    allowed: impl Fn(&str, &str) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    for (krate, file, text) in sources {
        if allowed(krate, file) {
            continue;
        }
        for line in hits(text, needle) {
            found.push(format!("{krate}/src/{file}:{line}: `{needle}`"));
        }
    }
    found
}

#[test]
fn crates_depend_only_on_their_lower_layers() {
    let packages = packages();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let workspace: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut problems = Vec::new();
    for p in &packages {
        let Some(ok) = allowed.get(p.name.as_str()) else {
            problems.push(format!(
                "{} is not in the architecture test's layer table",
                p.name
            ));
            continue;
        };
        for d in &p.deps {
            if workspace.contains(d.as_str()) && !ok.contains(&d.as_str()) {
                problems.push(format!("{} may not depend on {d}", p.name));
            }
        }
        for (dep, owner) in OWNED_DEPS {
            if p.deps.contains(*dep) && p.name != *owner {
                problems.push(format!(
                    "{} depends on {dep}, which only {owner} may",
                    p.name
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn frameworks_stay_in_their_crates() {
    let sources = sources(&packages());
    let mut problems = Vec::new();
    problems.extend(violations(&sources, "sqlx::", |k, _| k == "papers-store"));
    problems.extend(violations(&sources, "axum::", |k, _| k == "papers-web"));
    problems.extend(violations(&sources, "reqwest::", |k, f| {
        k == "papers-ingest" && (f == "harvest.rs" || f.starts_with("harvest/"))
    }));
    problems.extend(violations(&sources, "json!", |k, f| {
        k != "papers-web" || f == "wire.rs" || f.starts_with("wire/")
    }));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn time_and_environment_come_from_one_place() {
    let sources = sources(&packages());
    let mut problems = Vec::new();
    problems.extend(violations(&sources, "Timestamp::now", |k, f| {
        k == "papers-core" && f == "clock.rs"
    }));
    for needle in ["env::var(", "env::var_os(", "env::vars("] {
        problems.extend(violations(&sources, needle, |k, f| {
            k == "papers-cli" && f == "config.rs"
        }));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checks above are only as good as the scanner: it must see a use in
/// code, and skip comments and test modules.
#[test]
fn the_scanner_finds_what_it_should() {
    let src = "use sqlx::Row;\n// sqlx:: in a comment\nfn f() {}\n#[cfg(test)]\nmod tests {\n    use sqlx::Pool;\n}\nfn g() { let _ = jiff::Timestamp::now(); }\n";
    let stripped = without_tests(src);
    assert_eq!(hits(&stripped, "sqlx::"), vec![1]);
    assert_eq!(hits(&stripped, "Timestamp::now").len(), 1);
    let sources = vec![(
        "papers-web".to_string(),
        "pages.rs".to_string(),
        stripped.clone(),
    )];
    assert_eq!(
        violations(&sources, "sqlx::", |k, _| k == "papers-store"),
        vec!["papers-web/src/pages.rs:1: `sqlx::`".to_string()]
    );
    assert!(violations(&sources, "sqlx::", |k, _| k == "papers-web").is_empty());
}

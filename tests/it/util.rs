//! Helpers shared by the integration tests that drive the `ketasim` binary.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `ketasim` binary built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_ketasim");

/// A fresh temporary directory, removed when dropped (tests never write anywhere else).
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// Run the binary with `args` in `dir` and wait for it.
pub fn ketasim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).output().expect("run the ketasim binary")
}

/// The process's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The process's standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every entry (relative path) under `dir`, recursively, sorted.
pub fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            out.insert(p.strip_prefix(root).unwrap().to_path_buf());
            if p.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

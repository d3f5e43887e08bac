//! Records the git commit ketasim is built from (`KETASIM_GIT_COMMIT`, empty outside a git
//! checkout), so that every manifest.json says exactly which code produced it.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let o = Command::new("git").args(args).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_default();
    let dirty = !commit.is_empty() && git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    println!("cargo:rustc-env=KETASIM_GIT_COMMIT={commit}{}", if dirty { "-modified" } else { "" });
    // Rebuild the stamp when HEAD moves (a commit, a checkout).
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/index");
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
        for p in ["refs/heads", "packed-refs"] {
            if std::path::Path::new(&common).join(p).exists() {
                println!("cargo:rerun-if-changed={common}/{p}");
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

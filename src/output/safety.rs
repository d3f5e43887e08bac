//! Output safety: ketasim never deletes what it did not write, and two writers never clobber
//! each other.
//!
//! Every command that writes a result (`run`, `sweep`, `merge`, `plot`) goes through [`Dest::open`]:
//!
//! 1. **Resolve before checking** ([`resolve`]): the destination is made absolute, `.` and `..` are
//!    resolved lexically on the components that do not exist yet, and the longest existing
//!    ancestor is canonicalised (symlinks). Every check runs on that path, so `missing/../DIR` is
//!    `DIR` and `res/.` is `res` before anything is created.
//! 2. **Protected directories** ([`Dest::open`]): `/`, `$HOME` (and its ancestors), the current
//!    directory and its ancestors, a directory that holds an input of the command (the scenario,
//!    the sweep file, a merge shard) and a directory inside a shard are never written.
//! 3. **One writer at a time** ([`Lock`]): an exclusive `flock` on `PARENT/.NAME.lock` (holding the
//!    pid) for the whole command; a second writer exits 2 at once.
//! 4. **Ownership** ([`foreign`]): a directory is replaced only if ketasim wrote it (a run directory
//!    with its `manifest.json`, a sweep directory with its `sweep.json`) and it holds nothing else.
//! 5. **Check again at commit** ([`Snapshot`]): what was at the destination when the command started
//!    (absent, empty, or an owned directory, with its device and inode) must still be there when
//!    the result is moved into place; otherwise the new result is removed and nothing replaced.
//! 6. **Delete only what ketasim writes** ([`remove_owned`]): a replaced directory is removed file
//!    by file, by the names ketasim writes, then `rmdir`; anything else is left where it is.
//!
//! Staging directories (`.NAME.partial-PID`, `.NAME.old-PID`) of processes that no longer exist are
//! removed by the next command writing into the same parent, if they hold only ketasim's files.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Location, Result};

/// The `format` key of a run's manifest.json.
pub const RUN_FORMAT: &str = "ketasim-run/1";

/// The files of a run directory (`ketasim run`, `run --plot`, `ketasim plot DIR`).
pub const RUN_FILES: &[&str] = &[
    "trace.csv",
    "events.csv",
    "summary.csv",
    "doses.csv",
    "manifest.json",
    "pain.csv",
    "pain_summary.csv",
    "figure.png",
    "figure.svg",
    "figure.pdf",
];

/// The files of a sweep directory (besides `runs/` and the figures `ketasim plot` draws in it).
pub const SWEEP_FILES: &[&str] = &["sweep.json", "summary.csv", "points.csv", "figure.png", "figure.svg", "figure.pdf"];

/// The files of a trial directory (besides `blocks/` and its figure).
pub const TRIAL_FILES: &[&str] =
    &["trial.json", "subjects.csv", "arms.csv", "timecourse.csv", "survival.csv", "trial.png", "trial.svg", "trial.pdf"];

/// The files of a sensitivity directory (`ketasim sensitivity`; besides its `sweep/`, a sweep
/// directory of the runs).
pub const SENSITIVITY_FILES: &[&str] =
    &["sensitivity.json", "design.csv", "runs.csv", "indices.csv", "sensitivity.png", "sensitivity.svg"];

/// At most this many foreign files are named in a message.
const SHOW_FOREIGN: usize = 5;

/// What kind of result a destination holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A run directory (`ketasim run`).
    Run,
    /// A sweep directory (`ketasim sweep`, `ketasim merge`).
    Sweep,
    /// A trial directory (`ketasim trial`, `ketasim trial-merge`): its tables and `blocks/`.
    Trial,
    /// A sensitivity directory (`ketasim sensitivity`, `ketasim merge`): its tables and `sweep/`.
    Sensitivity,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Trial => "trial",
            Kind::Sensitivity => "sensitivity",
        }
    }
}

/// An input of the command, which the destination must not contain (nor, for a directory, lie in).
#[derive(Debug, Clone)]
pub enum Input {
    /// A scenario or sweep file.
    File(PathBuf),
    /// A directory read by the command (a merge shard).
    Dir(PathBuf),
}

pub(crate) fn dest_error(dir: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message: message.into() }
}

/// `p` made absolute, `.`/`..` resolved, the longest existing ancestor canonicalised (symlinks).
/// Nothing is created. A `..` after a component that does not exist is resolved lexically.
pub fn resolve(p: &Path) -> Result<PathBuf> {
    if p.as_os_str().is_empty() {
        return Err(dest_error(p, "the output path is empty"));
    }
    let abs = std::path::absolute(p).map_err(|e| dest_error(p, format!("cannot make the path absolute: {e}")))?;
    let mut out = PathBuf::from("/");
    // Whether `out` exists (and is therefore canonical).
    let mut exists = true;
    for c in abs.components() {
        match c {
            Component::Prefix(_) | Component::RootDir | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
                exists = exists || fs::symlink_metadata(&out).is_ok();
            }
            Component::Normal(n) => {
                out.push(n);
                if exists {
                    match fs::canonicalize(&out) {
                        Ok(c) => out = c,
                        Err(e) if fs::symlink_metadata(&out).is_ok_and(|m| m.file_type().is_symlink()) => {
                            return Err(dest_error(
                                p,
                                format!("{} is a symbolic link that cannot be followed ({e}); choose another --out", out.display()),
                            ));
                        }
                        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                            exists = false;
                        }
                        Err(e) => return Err(dest_error(p, format!("cannot resolve {}: {e}", out.display()))),
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Device and inode: what a path refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    dev: u64,
    ino: u64,
}

impl Identity {
    #[cfg(unix)]
    fn of(m: &fs::Metadata) -> Self {
        Identity { dev: m.dev(), ino: m.ino() }
    }

    /// Without inodes (non-Unix targets, e.g. WebAssembly, where nothing is written to disk), the
    /// creation time stands in for the identity.
    #[cfg(not(unix))]
    fn of(m: &fs::Metadata) -> Self {
        let t = m.created().or_else(|_| m.modified()).ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        Identity { dev: 0, ino: t.map_or(0, |d| d.as_nanos() as u64) }
    }
}

/// What was at the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snapshot {
    /// Nothing there.
    Absent,
    /// An empty directory.
    Empty(Identity),
    /// Not empty; ownership not yet decided.
    NonEmpty(Identity),
}

/// Look at `resolved` (bad → exit 2 with `given` named).
fn snapshot(resolved: &Path, given: &Path) -> Result<Snapshot> {
    match fs::symlink_metadata(resolved) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Snapshot::Absent),
        Err(e) => Err(dest_error(given, format!("cannot inspect the output path: {e}"))),
        Ok(m) if !m.is_dir() => Err(dest_error(given, "the output path exists and is not a directory")),
        Ok(m) => {
            let empty = fs::read_dir(resolved)
                .map_err(|e| dest_error(given, format!("cannot read the output directory: {e}")))?
                .next()
                .is_none();
            Ok(if empty { Snapshot::Empty(Identity::of(&m)) } else { Snapshot::NonEmpty(Identity::of(&m)) })
        }
    }
}

/// The pid in a staging name `.NAME.partial-PID` / `.NAME.old-PID`, if it is one.
pub fn staging_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, pid) = name.rsplit_once(".partial-").or_else(|| name.rsplit_once(".old-"))?;
    pid.parse().ok()
}

/// Whether process `pid` exists (a pid we cannot signal, EPERM, exists).
pub fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(p) = libc::pid_t::try_from(pid) else { return false };
        // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
        let r = unsafe { libc::kill(p, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    // Elsewhere a staging directory is never taken for a dead process's.
    #[cfg(not(unix))]
    true
}

/// Whether `name` is a file ketasim writes in a directory of `kind`: one of its files, a figure
/// that `ketasim plot` draws there, a temporary `.NAME.partial-PID` of one, or a `.NAME.lock`.
fn own_file_name(name: &str, kind: Kind) -> bool {
    let base = name
        .strip_prefix('.')
        .and_then(|n| n.rsplit_once(".partial-").filter(|(_, p)| p.parse::<u32>().is_ok()).map(|(b, _)| b).or_else(|| n.strip_suffix(".lock")))
        .unwrap_or(name);
    match kind {
        Kind::Run => RUN_FILES.contains(&base),
        Kind::Sweep => {
            SWEEP_FILES.contains(&base)
                || ((base.ends_with(".png") || base.ends_with(".svg") || base.ends_with(".pdf")) && base.contains("-vs-") && !base.contains('/'))
        }
        Kind::Trial => TRIAL_FILES.contains(&base),
        // `sweep`: the lock file of the inner sweep directory (`.sweep.lock`).
        Kind::Sensitivity => SENSITIVITY_FILES.contains(&base) || (base == "sweep" && name.starts_with('.')),
    }
}

/// Whether `name` in a trial's `blocks/` is a block file (`NNNNNN.json`) or its temporary file.
fn block_file_name(name: &str) -> bool {
    let base = name
        .strip_prefix('.')
        .and_then(|n| n.rsplit_once(".partial-").filter(|(_, p)| p.parse::<u32>().is_ok()).map(|(b, _)| b))
        .unwrap_or(name);
    base.strip_suffix(".json").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Whether `name` in a sweep's `runs/` may be a run directory or a run's staging directory.
fn run_dir_name(name: &str) -> bool {
    !name.starts_with('.') || staging_pid(name).is_some()
}

/// Files and directories in `dir` (a directory of `kind`) that ketasim did not write, relative to
/// `dir`, sorted; the walk stops after a few more than are shown.
pub fn foreign(dir: &Path, kind: Kind) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    foreign_into(dir, Path::new(""), kind, &mut out)?;
    out.sort();
    Ok(out)
}

fn foreign_into(dir: &Path, rel: &Path, kind: Kind, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        if out.len() > SHOW_FOREIGN * 4 {
            return Ok(());
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let t = e.file_type()?;
        let here = rel.join(&name);
        if t.is_file() && own_file_name(&name, kind) {
            continue;
        }
        if t.is_dir() && kind == Kind::Trial && name == "blocks" && rel.as_os_str().is_empty() {
            for r in fs::read_dir(e.path())? {
                let r = r?;
                let rn = r.file_name().to_string_lossy().into_owned();
                if !(r.file_type()?.is_file() && block_file_name(&rn)) {
                    out.push(here.join(&rn));
                }
            }
            continue;
        }
        if t.is_dir() && kind == Kind::Sensitivity && name == "sweep" && rel.as_os_str().is_empty() {
            let mut inner = Vec::new();
            foreign_into(&e.path(), Path::new(""), Kind::Sweep, &mut inner)?;
            out.extend(inner.into_iter().map(|p| here.join(p)));
            continue;
        }
        if t.is_dir() && kind == Kind::Sweep && name == "runs" && rel.as_os_str().is_empty() {
            for r in fs::read_dir(e.path())? {
                let r = r?;
                let rn = r.file_name().to_string_lossy().into_owned();
                if r.file_type()?.is_dir() && run_dir_name(&rn) {
                    foreign_into(&r.path(), &here.join(&rn), Kind::Run, out)?;
                } else {
                    out.push(here.join(&rn));
                }
            }
            continue;
        }
        out.push(here);
    }
    Ok(())
}

/// Whether `file` is a figure inside a ketasim result directory (a run, sweep or trial with its
/// marker) under a name ketasim gives its figures there: `ketasim plot` may draw it again.
pub fn is_own_figure(file: &Path) -> bool {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().map(|n| n.to_string_lossy().into_owned())) else {
        return false;
    };
    if !(name.ends_with(".png") || name.ends_with(".svg") || name.ends_with(".pdf")) {
        return false;
    }
    [Kind::Run, Kind::Sweep, Kind::Trial, Kind::Sensitivity].into_iter().any(|k| marker_problem(dir, k).is_none() && own_file_name(&name, k))
}

/// Why `dir` is not a ketasim result of `kind` (its marker file), if it is not.
fn marker_problem(dir: &Path, kind: Kind) -> Option<String> {
    let (file, ok): (&str, fn(&serde_json::Value) -> bool) = match kind {
        Kind::Run => ("manifest.json", |j| j["format"].as_str() == Some(RUN_FORMAT) || j["ketasim_version"].is_string()),
        Kind::Sweep => ("sweep.json", |j| j["fingerprint"].is_string()),
        Kind::Trial => ("trial.json", |j| j["fingerprint"].is_string()),
        Kind::Sensitivity => ("sensitivity.json", |j| j["fingerprint"].is_string()),
    };
    let Ok(text) = fs::read_to_string(dir.join(file)) else {
        return Some(format!("it has no {file}, so ketasim did not write it"));
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(j) if ok(&j) => None,
        _ => Some(format!("its {file} is not one ketasim wrote")),
    }
}

/// Refuse (exit 2) unless `resolved` is a result of `kind` that holds only ketasim's files.
pub fn require_owned(resolved: &Path, given: &Path, kind: Kind) -> Result<()> {
    let shown = if resolved == given { String::new() } else { format!(" ({})", resolved.display()) };
    let refuse = |why: String| {
        dest_error(
            given,
            format!(
                "will not replace this directory{shown}: {why}; ketasim replaces only a {} directory it wrote itself, so nothing was deleted. Move the files away, or choose another --out",
                kind.what()
            ),
        )
    };
    if let Some(why) = marker_problem(resolved, kind) {
        return Err(refuse(why));
    }
    let f = foreign(resolved, kind).map_err(|e| dest_error(given, format!("cannot read the output directory: {e}")))?;
    if !f.is_empty() {
        return Err(refuse(format!("it holds files ketasim did not write: {}", list(&f))));
    }
    Ok(())
}

/// The first few paths, and how many more.
fn list(f: &[PathBuf]) -> String {
    let mut s: Vec<String> = f.iter().take(SHOW_FOREIGN).map(|p| p.display().to_string()).collect();
    if f.len() > SHOW_FOREIGN * 4 {
        // `foreign` stops looking after a few more than are shown.
        s.push("and more".into());
    } else if f.len() > SHOW_FOREIGN {
        s.push(format!("and {} more", f.len() - SHOW_FOREIGN));
    }
    s.join(", ")
}

/// Remove `dir` (a directory of `kind`), file by file, only the names ketasim writes, then the
/// directory if it is empty. Never removes a whole tree blindly. Returns what was left, relative
/// to `dir` (empty when `dir` is gone).
pub fn remove_owned(dir: &Path, kind: Kind) -> Vec<PathBuf> {
    let mut left = Vec::new();
    remove_into(dir, Path::new(""), kind, &mut left);
    left
}

fn remove_into(dir: &Path, rel: &Path, kind: Kind, left: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else {
        left.push(rel.to_path_buf());
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(t) = e.file_type() else { continue };
        let here = rel.join(&name);
        if t.is_file() && own_file_name(&name, kind) {
            if fs::remove_file(e.path()).is_err() {
                left.push(here);
            }
        } else if t.is_dir() && kind == Kind::Trial && name == "blocks" && rel.as_os_str().is_empty() {
            for r in fs::read_dir(e.path()).into_iter().flatten().flatten() {
                let rn = r.file_name().to_string_lossy().into_owned();
                let is_block = r.file_type().is_ok_and(|t| t.is_file()) && block_file_name(&rn);
                if !is_block || fs::remove_file(r.path()).is_err() {
                    left.push(here.join(&rn));
                }
            }
            if fs::remove_dir(e.path()).is_err() && !left.iter().any(|l| l.starts_with(&here)) {
                left.push(here);
            }
        } else if t.is_dir() && kind == Kind::Sensitivity && name == "sweep" && rel.as_os_str().is_empty() {
            let mut inner = Vec::new();
            remove_into(&e.path(), Path::new(""), Kind::Sweep, &mut inner);
            left.extend(inner.into_iter().map(|p| if p.as_os_str().is_empty() { here.clone() } else { here.join(p) }));
        } else if t.is_dir() && kind == Kind::Sweep && name == "runs" && rel.as_os_str().is_empty() {
            for r in fs::read_dir(e.path()).into_iter().flatten().flatten() {
                let rn = r.file_name().to_string_lossy().into_owned();
                if r.file_type().is_ok_and(|t| t.is_dir()) && run_dir_name(&rn) {
                    remove_into(&r.path(), &here.join(&rn), Kind::Run, left);
                } else {
                    left.push(here.join(&rn));
                }
            }
            if fs::remove_dir(e.path()).is_err() && !left.iter().any(|l| l.starts_with(&here)) {
                left.push(here);
            }
        } else {
            left.push(here);
        }
    }
    if fs::remove_dir(dir).is_err() && left.is_empty() {
        left.push(rel.to_path_buf());
    }
}

/// Remove the staging directories (`.NAME.partial-PID`, `.NAME.old-PID`) of dead processes in
/// `parent` that hold only ketasim's files. A `.NAME.old-PID` whose `NAME` is missing is the only
/// copy of a result (its process died between the two renames of a replacement): it is never
/// removed, and for `own` (the destination whose lock we hold) it is renamed back to `NAME`.
pub fn clean_stale(parent: &Path, own: &str) {
    let Ok(rd) = fs::read_dir(parent) else { return };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = staging_pid(&name) else { continue };
        if pid_alive(pid) || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let p = e.path();
        if let Some((base, _)) = name[1..].rsplit_once(".old-")
            && fs::symlink_metadata(parent.join(base)).is_err()
        {
            if base == own {
                let _ = fs::rename(&p, parent.join(base));
            }
            continue;
        }
        let kind = if p.join("sensitivity.json").is_file() || p.join("sweep").is_dir() {
            Kind::Sensitivity
        } else if p.join("sweep.json").is_file() || p.join("runs").is_dir() {
            Kind::Sweep
        } else if p.join("trial.json").is_file() || p.join("blocks").is_dir() {
            Kind::Trial
        } else {
            Kind::Run
        };
        if foreign(&p, kind).is_ok_and(|f| f.is_empty()) {
            let _ = remove_owned(&p, kind);
        }
    }
}

/// An exclusive advisory lock (`flock`) on `PARENT/.NAME.lock`, held until dropped; the file holds
/// the pid of the holder and is removed (while still locked) when the lock is dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    file: File,
}

impl Lock {
    /// Lock the destination `resolved` (its parent must exist); `given` is named in messages.
    pub fn acquire(resolved: &Path, given: &Path) -> Result<Lock> {
        let (Some(parent), Some(name)) = (resolved.parent(), resolved.file_name()) else {
            return Err(dest_error(given, "cannot lock the root directory"));
        };
        let path = parent.join(format!(".{}.lock", name.to_string_lossy()));
        let cannot = |e: std::io::Error| {
            dest_error(given, format!("cannot write in {}: {e} (creating the lock file {})", parent.display(), path.display()))
        };
        for _ in 0..100 {
            let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(cannot)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    let pid = text.trim();
                    let pid = if pid.is_empty() { "unknown pid".to_string() } else { format!("pid {pid}") };
                    // The path leads the message itself (no `DIR:` prefix): "DIR is being written …".
                    return Err(Error::input(format!(
                        "{} is being written by another ketasim process ({pid}); wait until it has finished, or choose another --out",
                        given.display()
                    )));
                }
                Err(fs::TryLockError::Error(e)) => return Err(dest_error(given, format!("cannot lock {}: {e}", path.display()))),
            }
            // The holder before us may have removed the file after we opened it: then we locked a
            // file that no longer has this name. Try again with the file now at the path.
            let same = match (fs::metadata(&path), file.metadata()) {
                (Ok(a), Ok(b)) => Identity::of(&a) == Identity::of(&b),
                _ => false,
            };
            if !same {
                continue;
            }
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = writeln!(file, "{}", std::process::id());
            let _ = file.flush();
            return Ok(Lock { path, file });
        }
        Err(dest_error(given, format!("cannot lock {}: it keeps being replaced", path.display())))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked, so that nobody locks a file that is about to disappear
        // unnoticed (they check the inode after locking).
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// A checked, locked destination.
#[derive(Debug)]
pub struct Dest {
    /// As the user gave it (for messages and printed paths).
    pub given: PathBuf,
    /// Resolved (absolute, canonical ancestor).
    pub resolved: PathBuf,
    /// What was there when the command started.
    pub before: Snapshot,
    /// The lock on the destination, held while the command writes it.
    pub lock: Lock,
}

impl Dest {
    /// Resolve `given`, refuse protected destinations, create its parent, lock it, remove stale
    /// staging directories beside it and look at what is there. Every failure is exit 2.
    pub fn open(given: &Path, inputs: &[Input]) -> Result<Dest> {
        let resolved = resolve(given)?;
        protect(&resolved, given, inputs)?;
        let parent = resolved.parent().expect("not the root: refused by protect");
        fs::create_dir_all(parent)
            .map_err(|e| dest_error(given, format!("cannot create the parent directory {}: {e}", parent.display())))?;
        let lock = Lock::acquire(&resolved, given)?;
        clean_stale(parent, &resolved.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let before = snapshot(&resolved, given)?;
        Ok(Dest { given: given.to_path_buf(), resolved, before, lock })
    }

    /// The name of a staging directory beside the destination: `.NAME.<what>-PID`.
    pub fn beside(&self, what: &str) -> PathBuf {
        let name = self.resolved.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.resolved.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
    }

    /// Move `tmp` (a finished result of `kind`) into place, checking that the destination is what it
    /// was at the start (`before`, with a non-empty one verified as owned). On a refusal (exit 2) or
    /// failure (exit 1) `tmp` is removed and the destination left as it is.
    pub fn commit(&self, tmp: &Path, kind: Kind) -> Result<()> {
        let given = &self.given;
        let abandon = || {
            let _ = remove_owned(tmp, kind);
        };
        let changed = |why: &str| {
            abandon();
            dest_error(
                given,
                format!(
                    "{why} while ketasim was writing; it was left as it is, and the new results were removed (run again, or choose another --out)"
                ),
            )
        };
        let now = match snapshot(&self.resolved, given) {
            Ok(s) => s,
            Err(e) => {
                abandon();
                return Err(e);
            }
        };
        let replace = match (&self.before, &now) {
            (_, Snapshot::Absent) => false,
            (Snapshot::Absent, _) => return Err(changed("the output directory appeared")),
            (Snapshot::Empty(a), Snapshot::Empty(b)) if a == b => false,
            (Snapshot::Empty(_), Snapshot::NonEmpty(_)) => return Err(changed("files appeared in the output directory")),
            (Snapshot::NonEmpty(a), Snapshot::NonEmpty(b)) if a == b => {
                if let Err(e) = require_owned(&self.resolved, given, kind) {
                    abandon();
                    return Err(match e {
                        Error::Input { location, message } => Error::Input {
                            location,
                            message: format!("the output directory changed while ketasim was writing: {message}; the new results were removed"),
                        },
                        other => other,
                    });
                }
                true
            }
            _ => return Err(changed("the output directory was replaced by another one")),
        };
        let mut old = None;
        if replace {
            let o = self.beside("old");
            if fs::symlink_metadata(&o).is_ok() {
                // Our own pid: a leftover of an earlier process with this pid.
                let _ = remove_owned(&o, kind);
            }
            if let Err(e) = fs::rename(&self.resolved, &o) {
                abandon();
                return Err(Error::internal(format!("cannot replace {}: {e}", given.display())));
            }
            old = Some(o);
        }
        // Over an empty directory, rename replaces it; over a non-empty one it fails.
        if let Err(e) = fs::rename(tmp, &self.resolved) {
            if let Some(o) = &old {
                let _ = fs::rename(o, &self.resolved);
            }
            abandon();
            return Err(Error::internal(format!("cannot move the results into {}: {e}", given.display())));
        }
        if let Some(o) = old {
            let left = remove_owned(&o, kind);
            if !left.is_empty() {
                eprintln!(
                    "warning: the previous {} had files ketasim did not write; they were kept in {}: {}",
                    given.display(),
                    o.display(),
                    list(&left)
                );
            }
        }
        Ok(())
    }
}

/// Refuse a destination that must never be written: `/`, `$HOME` or an ancestor, the current
/// directory or an ancestor, a directory holding an input, a directory inside an input directory.
fn protect(resolved: &Path, given: &Path, inputs: &[Input]) -> Result<()> {
    let refuse = |why: String| Err(dest_error(given, format!("{why}; ketasim will not write or replace it, choose another --out")));
    let shown = if resolved == given { String::new() } else { format!(" ({})", resolved.display()) };
    if resolved.parent().is_none() {
        return refuse(format!("the output directory{shown} is the root directory"));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()).and_then(|h| fs::canonicalize(h).ok())
        && home.starts_with(resolved)
    {
        return refuse(format!("the output directory{shown} is your home directory ($HOME) or contains it"));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize)
        && cwd.starts_with(resolved)
    {
        return refuse(format!("the output directory{shown} is the current directory or contains it"));
    }
    for input in inputs {
        match input {
            Input::File(f) => {
                if let Ok(f) = fs::canonicalize(f)
                    && f.starts_with(resolved)
                {
                    return refuse(format!("the output directory{shown} contains {}, an input of this command", f.display()));
                }
            }
            Input::Dir(d) => {
                if let Ok(d) = fs::canonicalize(d) {
                    if d.starts_with(resolved) {
                        return refuse(format!("the output directory{shown} contains {}, an input of this command", d.display()));
                    }
                    if resolved.starts_with(&d) {
                        return refuse(format!("the output directory{shown} is inside {}, an input of this command", d.display()));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_handles_missing_components_and_dots() {
        let d = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(d.path()).unwrap();
        fs::create_dir(base.join("real")).unwrap();
        assert_eq!(resolve(&base.join("missing/../real")).unwrap(), base.join("real"));
        assert_eq!(resolve(&base.join("real/.")).unwrap(), base.join("real"));
        assert_eq!(resolve(&base.join("a/b/../../real/x")).unwrap(), base.join("real/x"));
        std::os::unix::fs::symlink(base.join("real"), base.join("link")).unwrap();
        assert_eq!(resolve(&base.join("link/new")).unwrap(), base.join("real/new"));
        std::os::unix::fs::symlink(base.join("loop"), base.join("loop")).unwrap();
        assert!(resolve(&base.join("loop/x")).is_err());
    }

    #[test]
    fn staging_names() {
        assert_eq!(staging_pid(".run.partial-123"), Some(123));
        assert_eq!(staging_pid(".run.old-7"), Some(7));
        assert_eq!(staging_pid("run.partial-7"), None);
        assert_eq!(staging_pid(".run.partial-x"), None);
        assert!(own_file_name(".trace.csv.partial-12", Kind::Run));
        assert!(own_file_name(".figure.png.lock", Kind::Run));
        assert!(!own_file_name("notes.txt", Kind::Run));
        assert!(own_file_name("peak_glutamate_rel-vs-dose.0.mg_per_kg.png", Kind::Sweep));
        assert!(!own_file_name("thesis.png", Kind::Sweep));
        assert!(own_file_name("arms.csv", Kind::Trial) && !own_file_name("notes.txt", Kind::Trial));
        assert!(block_file_name("000012.json") && block_file_name(".000012.json.partial-77"));
        assert!(!block_file_name("notes.json") && !block_file_name(".json"));
    }

    #[test]
    fn an_old_directory_that_is_the_only_copy_is_restored_not_removed() {
        let d = tempfile::tempdir().unwrap();
        // pid 0x7fff_fff0 is above any pid_max: dead.
        let old = d.path().join(".res.old-2147483632");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("trace.csv"), "t").unwrap();
        let other = d.path().join(".other.old-2147483632");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("trace.csv"), "t").unwrap();
        clean_stale(d.path(), "res");
        assert_eq!(fs::read_to_string(d.path().join("res/trace.csv")).unwrap(), "t", "restored");
        assert!(other.join("trace.csv").is_file(), "the only copy of another result is kept");
    }

    #[test]
    fn remove_owned_keeps_foreign_files() {
        let d = tempfile::tempdir().unwrap();
        let run = d.path().join("r");
        fs::create_dir(&run).unwrap();
        for f in ["trace.csv", "manifest.json", "mine.txt"] {
            fs::write(run.join(f), "x").unwrap();
        }
        fs::create_dir(run.join("sub")).unwrap();
        let left = remove_owned(&run, Kind::Run);
        let mut left = left;
        left.sort();
        assert_eq!(left, vec![PathBuf::from("mine.txt"), PathBuf::from("sub")]);
        assert!(run.join("mine.txt").is_file() && run.join("sub").is_dir());
        assert!(!run.join("trace.csv").exists() && !run.join("manifest.json").exists());
    }
}

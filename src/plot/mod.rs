//! Figures: `ketasim plot` and `ketasim run --plot`.
//!
//! Two kinds of directory can be plotted:
//!
//! - a **run directory** (`trace.csv`, `events.csv`, `manifest.json`): one multi-panel figure of the
//!   whole cascade on a shared, split time axis (the first hours on the left, the following days on
//!   the right), with the dose and blocker periods shaded (`run_figure`);
//! - a **sweep directory** (a `summary.csv` with a `run_id` column): one summary column against one
//!   swept key, replicate mean ± standard deviation (`sweep_figure`).
//!
//! Columns are read by name, so a panel whose columns a run does not have is left out, and appears
//! once they exist. Figures are PNG or SVG, chosen by the extension of the output path. Everything is
//! read and checked before anything is written, and a PNG is written to a temporary file that is
//! renamed into place, so a failed plot leaves nothing behind.
//!
//! Plotting is pure Rust ([plotters](https://docs.rs/plotters)); the font (DejaVu Sans, see
//! `assets/fonts/LICENSE-DejaVu.txt`) is built into the binary, so no system font library is needed.

mod compare_figure;
mod data;
mod run_figure;
mod style;
mod sweep_figure;
mod trial_figure;

use std::fs;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Location, Result};

pub use data::Table;

/// The file formats a figure can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    /// The format of `path`, from its extension (`.png` or `.svg`, any case).
    pub fn of(path: &Path) -> Result<Format> {
        match path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            other => Err(input_at(
                path,
                format!(
                    "unsupported figure format {}: use a file name ending in .png or .svg",
                    other.map(|e| format!("`.{e}`")).unwrap_or_else(|| "(no extension)".into())
                ),
            )),
        }
    }
}

fn input_at(path: &Path, message: String) -> Error {
    Error::Input { location: Location { file: Some(path.to_path_buf()), ..Default::default() }, message }
}

/// What kind of directory `dir` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirKind {
    Run,
    Sweep,
}

/// A sweep directory has a `summary.csv` whose header has a `run_id` column; a run directory has a
/// `trace.csv`. Anything else is bad input.
pub fn dir_kind(dir: &Path) -> Result<DirKind> {
    if !dir.is_dir() {
        return Err(input_at(dir, "not a directory: give a run directory (with trace.csv) or a sweep directory".into()));
    }
    let summary = dir.join("summary.csv");
    if summary.is_file()
        && let Ok(t) = Table::read(&summary)
        && t.has("run_id")
    {
        return Ok(DirKind::Sweep);
    }
    if dir.join("trace.csv").is_file() {
        return Ok(DirKind::Run);
    }
    Err(input_at(
        dir,
        "no trace.csv here, so this is not a run directory (and no summary.csv with a run_id column, so not a sweep \
         directory either); run `ketasim run SCENARIO --out DIR` first"
            .into(),
    ))
}

/// `ketasim plot DIR [--out FILE] [--x KEY] [--y COLUMN]`: plot a run or a sweep directory and
/// return the path of the figure written. The default output is `DIR/figure.png` for a run and
/// `DIR/<y>-vs-<x>.png` for a sweep.
///
/// An existing file at `out` is replaced only if it is a figure in a ketasim result directory, or
/// with `force` (the user named that file and asked for it): ketasim never overwrites a file of
/// the user's by accident.
pub fn plot_dir(dir: &Path, out: Option<&Path>, x: Option<&str>, y: Option<&str>, force: bool) -> Result<PathBuf> {
    if let Some(out) = out {
        Format::of(out)?;
    }
    // One writer per figure file: a second `plot --out` of the same file exits 2 at once.
    let _lock = match out {
        Some(out) => lock_figure(out, force)?,
        None => None,
    };
    if trial_figure::is_trial_dir(dir) {
        return trial_figure::plot_trial(dir, out);
    }
    match dir_kind(dir)? {
        DirKind::Run => {
            if x.is_some() || y.is_some() {
                return Err(input_at(
                    dir,
                    "--x and --y are for sweep directories (a summary.csv with a run_id column); this is a single run, \
                     plot it without them"
                        .into(),
                ));
            }
            let out = out.map(Path::to_path_buf).unwrap_or_else(|| dir.join("figure.png"));
            plot_run(dir, &out)?;
            Ok(out)
        }
        DirKind::Sweep => sweep_figure::plot_sweep(dir, x, y, out),
    }
}

/// Lock the figure file `out` (see [`crate::output::safety::Lock`]), refusing a directory. `None`
/// when its directory does not exist (drawing then fails with a clear message).
fn lock_figure(out: &Path, force: bool) -> Result<Option<crate::output::safety::Lock>> {
    let resolved = crate::output::safety::resolve(out)?;
    if resolved.is_dir() {
        return Err(input_at(out, "is a directory; give the figure's file name, ending in .png or .svg".into()));
    }
    if std::fs::symlink_metadata(&resolved).is_ok() && !force && !crate::output::safety::is_own_figure(&resolved) {
        return Err(input_at(
            out,
            "exists and is not a figure inside a ketasim result directory; ketasim will not overwrite it. Choose another --out, or pass --force to replace this file".into(),
        ));
    }
    match resolved.parent() {
        Some(p) if p.is_dir() => Ok(Some(crate::output::safety::Lock::acquire(&resolved, out)?)),
        _ => Ok(None),
    }
}

/// `ketasim compare RUN_A RUN_B [...] --out FILE`: the cascade of 2 to 8 runs overlaid, one colour
/// and line pattern per run, the legend from their manifests (scenario, `--set` overrides, seed).
/// Every directory must be a run directory (exit 2 otherwise); an existing `out` is replaced only
/// under the rules of `plot --out` (a ketasim figure, or `force`).
pub fn compare_runs(dirs: &[PathBuf], out: &Path, force: bool) -> Result<PathBuf> {
    let format = Format::of(out)?;
    let _lock = lock_figure(out, force)?;
    let fig = compare_figure::CompareFigure::load(dirs)?;
    render(&fig, out, format)?;
    Ok(out.to_path_buf())
}

/// Plot the run directory `dir` (the cascade figure) into `out` (.png or .svg).
pub fn plot_run(dir: &Path, out: &Path) -> Result<()> {
    let format = Format::of(out)?;
    let fig = run_figure::RunFigure::load(dir)?;
    render(&fig, out, format)
}

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Turn a plotters error into ours (exit 1: the input was fine, drawing failed).
pub(crate) fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::internal(format!("cannot draw the figure: {e:?}"))
}

/// Draw `fig` into `out`. Nothing is left at `out` unless the whole figure was drawn.
pub(crate) fn render<F: Figure>(fig: &F, out: &Path, format: Format) -> Result<()> {
    style::register_fonts();
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(input_at(out, format!("the directory {} does not exist", parent.display())));
    }
    let size = fig.size();
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                fig.draw(&root)?;
                root.present().map_err(draw_err)?;
            }
            // Written beside `out` and renamed into place, so a failure leaves nothing behind.
            let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "figure.svg".into());
            let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
            let written = fs::write(&tmp, text)
                .and_then(|_| fs::rename(&tmp, out))
                .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())));
            if let Err(e) = written {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        }
        Format::Png => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                fig.draw(&root)?;
                root.present().map_err(draw_err)?;
            }
            // Written beside `out` and renamed into place, so a failure leaves nothing behind.
            let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "figure.png".into());
            let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
            let written = write_png(&tmp, size, &rgb)
                .and_then(|_| fs::rename(&tmp, out).map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display()))));
            if let Err(e) = written {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Encode an RGB buffer as PNG with the best zlib compression (figures are mostly flat colour, so
/// this makes them less than half the size of the fast setting).
fn write_png(path: &Path, (w, h): (u32, u32), rgb: &[u8]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::internal(format!("cannot write {}: {e}", path.display()));
    let file = fs::File::create(path).map_err(|e| err(&e))?;
    let mut buf = std::io::BufWriter::new(file);
    let mut enc = png::Encoder::new(&mut buf, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Best);
    enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = enc.write_header().map_err(|e| err(&e))?;
    writer.write_image_data(rgb).map_err(|e| err(&e))?;
    writer.finish().map_err(|e| err(&e))?;
    std::io::Write::flush(&mut buf).map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::of(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::of(Path::new("b.svg")).unwrap(), Format::Svg);
        let e = Format::of(Path::new("b.pdf")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains(".png or .svg"), "{e}");
        assert_eq!(Format::of(Path::new("figure")).unwrap_err().exit_code(), 2);
    }
}

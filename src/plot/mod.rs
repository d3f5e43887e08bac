//! Figures: `ketasim plot` and `ketasim run --plot`.
//!
//! Two kinds of directory can be plotted:
//!
//! - a **run directory** (`trace.csv`, `events.csv`, `manifest.json`): one multi-panel figure of the
//!   whole cascade on a shared, split time axis (the first hours on the left, the following days on
//!   the right), with the dose and blocker periods shaded (`run_figure`);
//! - a **sweep directory** (a `summary.csv` with a `run_id` column): one or more summary columns
//!   (one stacked panel each) against one swept key, replicate mean ± standard deviation, on a linear
//!   or logarithmic x axis (`sweep_figure`).
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
mod sensitivity_figure;
pub use sensitivity_figure::plot_sensitivity;
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
    /// PNG (raster).
    Png,
    /// SVG (vector).
    Svg,
    /// A one-page PDF holding the figure as a lossless image (the PNG's compressed pixels, 2400 px
    /// wide, printed 10 inches wide: 240 dpi). No PDF library is needed for that.
    Pdf,
}

impl Format {
    /// The format of `path`, from its extension (`.png`, `.svg` or `.pdf`, any case).
    pub fn of(path: &Path) -> Result<Format> {
        match path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            Some("pdf") => Ok(Format::Pdf),
            other => Err(input_at(
                path,
                format!(
                    "unsupported figure format {}: use a file name ending in .png, .svg or .pdf",
                    other.map_or_else(|| "(no extension)".into(), |e| format!("`.{e}`"))
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
    /// A run directory (with a trace.csv).
    Run,
    /// A sweep directory (summary.csv with a `run_id` column).
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
    plot_dir_at_dose(dir, out, x, y.as_slice(), force, None, false)
}

/// [`plot_dir`] with the options of `ketasim plot`: for a run directory, `dose` (`--dose K`) makes
/// the detailed early view of each panel show the hours after administration K (0 = the first, as
/// in doses.csv) instead of the run's first hours; for a sweep directory, `ys` (`--y`, repeated)
/// are the summary columns, one stacked panel each, and `logx` (`--logx`) draws the swept key on a
/// logarithmic axis. `--x`/`--y`/`--logx` on a run, trial or sensitivity directory, and `--dose` on
/// a sweep, are bad input (exit 2).
pub fn plot_dir_at_dose(
    dir: &Path,
    out: Option<&Path>,
    x: Option<&str>,
    ys: &[&str],
    force: bool,
    dose: Option<usize>,
    logx: bool,
) -> Result<PathBuf> {
    if let Some(out) = out {
        Format::of(out)?;
    }
    // One writer per figure file: a second `plot --out` of the same file exits 2 at once.
    let _lock = match out {
        Some(out) => lock_figure(out, force)?,
        None => None,
    };
    let logx_not_here = |what: &str| {
        input_at(dir, format!("--logx is for sweep directories (a summary.csv with a run_id column); this is {what}, plot it without --logx"))
    };
    if trial_figure::is_trial_dir(dir) {
        if logx {
            return Err(logx_not_here("a trial directory"));
        }
        return trial_figure::plot_trial(dir, out);
    }
    if dir.join("sensitivity.json").is_file() {
        if logx {
            return Err(logx_not_here("a sensitivity directory"));
        }
        let out = out.map_or_else(|| dir.join("sensitivity.png"), Path::to_path_buf);
        plot_sensitivity(dir, &out)?;
        return Ok(out);
    }
    match dir_kind(dir)? {
        DirKind::Run => {
            if logx {
                return Err(logx_not_here("a single run"));
            }
            if x.is_some() || !ys.is_empty() {
                return Err(input_at(
                    dir,
                    "--x and --y are for sweep directories (a summary.csv with a run_id column); this is a single run, \
                     plot it without them"
                        .into(),
                ));
            }
            let out = out.map_or_else(|| dir.join("figure.png"), Path::to_path_buf);
            let format = Format::of(&out)?;
            render(&run_figure::RunFigure::load_at_dose(dir, dose)?, &out, format)?;
            Ok(out)
        }
        DirKind::Sweep if dose.is_some() => Err(input_at(dir, "--dose is for run directories; this is a sweep".into())),
        DirKind::Sweep => sweep_figure::plot_sweep(dir, x, ys, out, logx),
    }
}

/// Lock the figure file `out` (see [`crate::output::safety::Lock`]), refusing a directory. `None`
/// when its directory does not exist (drawing then fails with a clear message).
fn lock_figure(out: &Path, force: bool) -> Result<Option<crate::output::safety::Lock>> {
    let resolved = crate::output::safety::resolve(out)?;
    if resolved.is_dir() {
        return Err(input_at(out, "is a directory; give the figure's file name, ending in .png, .svg or .pdf".into()));
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

/// Plot the run directory `dir` (the cascade figure) into `out` (.png, .svg or .pdf).
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
            let name = out.file_name().map_or_else(|| "figure.svg".into(), |n| n.to_string_lossy().into_owned());
            let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
            let written = fs::write(&tmp, text)
                .and_then(|_| fs::rename(&tmp, out))
                .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())));
            if let Err(e) = written {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        }
        Format::Png | Format::Pdf => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                fig.draw(&root)?;
                root.present().map_err(draw_err)?;
            }
            // Written beside `out` and renamed into place, so a failure leaves nothing behind.
            let name = out.file_name().map_or_else(|| "figure.png".into(), |n| n.to_string_lossy().into_owned());
            let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
            let written = if format == Format::Pdf { write_pdf(&tmp, size, &rgb) } else { write_png(&tmp, size, &rgb) }
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
fn write_png(path: &Path, size: (u32, u32), rgb: &[u8]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::internal(format!("cannot write {}: {e}", path.display()));
    let file = fs::File::create(path).map_err(|e| err(&e))?;
    let mut buf = std::io::BufWriter::new(file);
    encode_png(&mut buf, size, rgb).map_err(|e| err(&e))?;
    std::io::Write::flush(&mut buf).map_err(|e| err(&e))?;
    Ok(())
}

/// PNG-encode `rgb` into `w`.
fn encode_png<W: std::io::Write>(w: W, size: (u32, u32), rgb: &[u8]) -> std::result::Result<(), png::EncodingError> {
    let mut enc = png::Encoder::new(w, size.0, size.1);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Best);
    enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()
}

/// PDF points per pixel: the 2400-px figures print 10 inches (720 pt) wide, at 240 dpi.
const PT_PER_PX: f64 = 0.3;

/// Write `rgb` as a one-page PDF whose page is the image. The image stream is the PNG's own zlib
/// data (its IDAT chunks): PDF's FlateDecode with the PNG predictors (`/Predictor 15`) reads it
/// as it is, so the PDF is lossless and about the size of the PNG. Deterministic (no dates).
fn write_pdf(path: &Path, size: (u32, u32), rgb: &[u8]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::internal(format!("cannot write {}: {e}", path.display()));
    let mut png_bytes = Vec::new();
    encode_png(&mut png_bytes, size, rgb).map_err(|e| err(&e))?;
    fs::write(path, pdf_from_png(&png_bytes, size)).map_err(|e| err(&e))
}

/// The IDAT data of a PNG (the zlib stream of its filtered rows).
fn idat(png_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 8;
    while i + 12 <= png_bytes.len() {
        let len = u32::from_be_bytes([png_bytes[i], png_bytes[i + 1], png_bytes[i + 2], png_bytes[i + 3]]) as usize;
        let kind = &png_bytes[i + 4..i + 8];
        let end = (i + 8 + len).min(png_bytes.len());
        if kind == b"IDAT" {
            out.extend_from_slice(&png_bytes[i + 8..end]);
        }
        i += 12 + len;
    }
    out
}

/// A minimal PDF 1.4 file: one page showing the PNG's pixels.
fn pdf_from_png(png_bytes: &[u8], (w, h): (u32, u32)) -> Vec<u8> {
    let data = idat(png_bytes);
    let (pw, ph) = (w as f64 * PT_PER_PX, h as f64 * PT_PER_PX);
    let content = format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Im0 Do Q\n");
    let mut pdf: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |pdf: &mut Vec<u8>, body: &[u8]| {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut pdf, b"<< /Type /Catalog /Pages 2 0 R >>");
    obj(&mut pdf, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    obj(
        &mut pdf,
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>")
            .as_bytes(),
    );
    let mut image = format!(
        "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 \
         /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns {w} >> /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    image.extend_from_slice(&data);
    image.extend_from_slice(b"\nendstream");
    obj(&mut pdf, &image);
    let mut contents = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    contents.extend_from_slice(content.as_bytes());
    contents.extend_from_slice(b"endstream");
    obj(&mut pdf, &contents);
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).as_bytes());
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::of(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(Format::of(Path::new("b.svg")).unwrap(), Format::Svg);
        assert_eq!(Format::of(Path::new("b.Pdf")).unwrap(), Format::Pdf);
        let e = Format::of(Path::new("b.gif")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains(".png, .svg or .pdf"), "{e}");
        assert_eq!(Format::of(Path::new("figure")).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn pdf_holds_the_figure_pixels_losslessly_and_a_valid_xref() {
        let (w, h) = (7u32, 5u32);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 251) as u8).collect();
        let mut png_bytes = Vec::new();
        encode_png(&mut png_bytes, (w, h), &rgb).unwrap();
        let pdf = pdf_from_png(&png_bytes, (w, h));
        assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
        let find = |needle: &[u8], from: usize| from + pdf[from..].windows(needle.len()).position(|x| x == needle).unwrap();
        let number = |at: usize| -> usize {
            let digits: Vec<u8> = pdf[at..].iter().copied().take_while(u8::is_ascii_digit).collect();
            String::from_utf8(digits).unwrap().parse().unwrap()
        };
        // startxref names the xref table, and every xref entry points at its object.
        let xref = find(b"\nxref\n", 0) + 1;
        assert_eq!(number(find(b"startxref\n", xref) + 10), xref);
        for k in 1..=5 {
            let off = number(xref + 9 + 20 * k);
            assert!(pdf[off..].starts_with(format!("{k} 0 obj").as_bytes()), "object {k}");
        }
        // The image stream, wrapped back into a PNG (the header of the original, one IDAT),
        // decodes to the same pixels.
        let len_at = find(b"/Length ", find(b"/Subtype /Image", 0)) + 8;
        let len = number(len_at);
        let data_at = find(b"stream\n", len_at) + 7;
        let data = &pdf[data_at..data_at + len];
        assert!(pdf[data_at + len..].starts_with(b"\nendstream"));
        let mut rebuilt = png_bytes[..33].to_vec();
        rebuilt.extend_from_slice(&(len as u32).to_be_bytes());
        rebuilt.extend_from_slice(b"IDAT");
        rebuilt.extend_from_slice(data);
        rebuilt.extend_from_slice(&[0; 4]);
        rebuilt.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
        let mut dec = png::Decoder::new(std::io::Cursor::new(rebuilt));
        dec.ignore_checksums(true);
        let mut reader = dec.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).unwrap();
        assert_eq!(pixels, rgb);
    }
}

//! Fonts, colours, number formats and the small drawing helpers shared by the figures.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw_err;
use crate::error::Result;

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/LICENSE-DejaVu.txt), built into the binary
/// so that no system font library (fontconfig, freetype) is needed.
static SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The family every text of a figure uses (plotters' default family, so the axis labels use it too).
pub const FAMILY: &str = "sans-serif";

/// Register the built-in fonts with plotters (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The fonts are compiled in and known to be valid, so registration cannot fail in practice.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, SANS);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, SANS_BOLD);
    });
}

pub const TEXT: RGBColor = RGBColor(30, 30, 30);
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
pub const GRID: RGBColor = RGBColor(220, 220, 220);

// A colour-blind-friendly palette (Okabe & Ito 2008, with a darker yellow).
pub const DEEP_BLUE: RGBColor = RGBColor(0, 114, 178);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const TEAL: RGBColor = RGBColor(0, 158, 115);
pub const VERMILION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const OCHRE: RGBColor = RGBColor(180, 150, 0);

/// Shading of dose, blocker and alarm periods.
pub const DOSE_FILL: RGBColor = RGBColor(255, 214, 153);
pub const DOSE_EDGE: RGBColor = RGBColor(230, 140, 20);
pub const BLOCKER_FILL: RGBColor = RGBColor(200, 200, 235);
/// The edge and label of a blocker window (darker than its fill, so a short window stays visible).
pub const BLOCKER_EDGE: RGBColor = RGBColor(90, 90, 170);
pub const ALARM_FILL: RGBColor = RGBColor(250, 190, 190);

pub fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&TEXT)
}

pub fn bold(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size, FontStyle::Bold).into_font()).color(&TEXT)
}

pub fn muted(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&MUTED)
}

/// A tick label: enough decimals for a range of width `span`, trailing zeros removed.
pub fn fmt_tick(v: f64, span: f64) -> String {
    let s = fmt_num(v, decimals_for(span) + 1);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// Decimals that tick labels over a range of width `span` need (about five ticks).
pub fn decimals_for(span: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 1;
    }
    (-crate::math::log10(span / 5.0)).ceil().clamp(0.0, 6.0) as usize
}

/// `v` with `d` decimals, never "-0".
pub fn fmt_num(v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') { s.trim_start_matches('-').to_string() } else { s }
}

/// Width in pixels of `text` set in `style` (independent of the backend).
pub fn text_width(style: &TextStyle, text: &str) -> u32 {
    style.font.box_size(text).map_or((text.chars().count() as f64 * style.font.get_size() * 0.55) as u32, |(w, _)| w)
}

/// A line pattern, so that curves differ by more than their colour (readable in grey print and by
/// colour-blind readers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    Long,
}

impl Dash {
    /// The patterns in the order curves get them.
    pub const ALL: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::Long];

    /// (dash, gap) in pixels; `None` for a solid line.
    pub fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((12, 7)),
            Dash::Dotted => Some((3, 5)),
            Dash::Long => Some((30, 8)),
        }
    }
}

/// Draw one polyline on a chart with a colour, width and [`Dash`]:
/// `draw_styled!(chart, draw_series, points, color, width, dash)` (or `draw_secondary_series`).
macro_rules! draw_styled {
    ($chart:expr, $method:ident, $line:expr, $color:expr, $width:expr, $dash:expr) => {
        match $dash.pattern() {
            None => $chart.$method(LineSeries::new($line, $color.stroke_width($width))).map(|_| ()),
            Some((d, g)) => $chart.$method(DashedLineSeries::new($line, d, g, $color.stroke_width($width))).map(|_| ()),
        }
    };
}
pub(crate) use draw_styled;

/// A legend entry: a line sample (solid or dashed), or a filled patch.
#[derive(Debug, Clone)]
pub enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Dotted(RGBColor),
    Patch(RGBColor),
    Dot(RGBColor),
    /// A line sample with a colour, a width in pixels and a pattern.
    Styled(RGBColor, u32, Dash),
}

const SAMPLE: i32 = 34;

/// Where each legend entry goes when the entries flow left to right from x = 0 and wrap at `width`:
/// the (x, y) of each entry and the total height.
pub fn legend_layout(items: &[(Swatch, String)], width: i32, size: u32) -> (Vec<(i32, i32)>, i32) {
    let style = font(size);
    let row_h = (size as i32 * 3) / 2;
    let (mut cx, mut cy) = (0, 0);
    let mut pos = Vec::new();
    for (_, label) in items {
        let w = SAMPLE + 8 + text_width(&style, label) as i32 + 26;
        if cx > 0 && cx + w - 26 > width {
            cx = 0;
            cy += row_h;
        }
        pos.push((cx, cy));
        cx += w;
    }
    (pos, if items.is_empty() { 0 } else { cy + row_h })
}

/// Draw a legend that flows left to right from `(x, y)` and wraps at `x + width`. Returns the
/// height used.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
    (x, y): (i32, i32),
    width: i32,
    size: u32,
) -> Result<i32> {
    let style = font(size);
    let row_h = (size as i32 * 3) / 2;
    let sample = SAMPLE;
    let (pos, height) = legend_layout(items, width, size);
    for ((swatch, label), (px, py)) in items.iter().zip(pos) {
        let (cx, cy) = (x + px, y + py);
        let mid = cy + row_h / 2;
        match swatch {
            Swatch::Line(c) => {
                area.draw(&PathElement::new(vec![(cx, mid), (cx + sample, mid)], c.stroke_width(3))).map_err(draw_err)?;
            }
            Swatch::Dashed(c) | Swatch::Dotted(c) => {
                let (dash, gap) = if matches!(swatch, Swatch::Dashed(_)) { (8, 5) } else { (3, 4) };
                let mut sx = cx;
                while sx < cx + sample {
                    let ex = (sx + dash).min(cx + sample);
                    area.draw(&PathElement::new(vec![(sx, mid), (ex, mid)], c.stroke_width(2))).map_err(draw_err)?;
                    sx += dash + gap;
                }
            }
            Swatch::Styled(c, width, dash) => match dash.pattern() {
                None => area
                    .draw(&PathElement::new(vec![(cx, mid), (cx + sample, mid)], c.stroke_width(*width)))
                    .map_err(draw_err)?,
                Some((d, g)) => {
                    let mut sx = cx;
                    while sx < cx + sample {
                        let ex = (sx + d as i32).min(cx + sample);
                        area.draw(&PathElement::new(vec![(sx, mid), (ex, mid)], c.stroke_width(*width))).map_err(draw_err)?;
                        sx += (d + g) as i32;
                    }
                }
            },
            Swatch::Dot(c) => {
                area.draw(&Circle::new((cx + sample / 2, mid), 6, c.filled())).map_err(draw_err)?;
            }
            Swatch::Patch(c) => {
                area.draw(&Rectangle::new([(cx, mid - row_h / 3), (cx + sample, mid + row_h / 3)], c.filled()))
                    .map_err(draw_err)?;
            }
        }
        area.draw(&Text::new(label.clone(), (cx + sample + 8, mid), style.pos(Pos::new(HPos::Left, VPos::Center))))
            .map_err(draw_err)?;
    }
    Ok(height)
}

/// Break `text` into lines no wider than `width` pixels in `style`.
pub fn wrap(text: &str, style: &TextStyle, width: u32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if text_width(style, &candidate) > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_decimals() {
        assert_eq!(decimals_for(300.0), 0);
        assert_eq!(decimals_for(1.2), 1);
        assert_eq!(decimals_for(0.3), 2);
        assert_eq!(fmt_num(-0.0001, 2), "0.00");
        assert_eq!(fmt_num(-1.5, 1), "-1.5");
    }
}

//! Dashboard charts drawn on the server with `plotters`' SVG backend and embedded as
//! `data:` images (allowed by the CSP's `img-src data:`; no script, no inline style). Each
//! chart sits beside a table of the same numbers, so nothing is only in the picture.

use base64::Engine;
use newledger_service::Error;
use plotters::prelude::*;

const ACCENT: RGBColor = RGBColor(15, 118, 110);
const AP: RGBColor = RGBColor(194, 65, 12);
const GRID: RGBColor = RGBColor(233, 236, 240);
const AXIS: RGBColor = RGBColor(200, 206, 214);
const LABEL: RGBColor = RGBColor(107, 118, 134);

fn to_data_uri(svg: &str) -> String {
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

fn chart_err<E: std::fmt::Display>(e: E) -> Error {
    Error::Internal(anyhow::anyhow!("chart: {e}"))
}

/// `12.5k`, `1.2M`, `950` — short axis labels in major units.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "−" } else { "" };
    if a >= 1_000_000.0 {
        format!("{sign}{:.1}M", a / 1_000_000.0)
    } else if a >= 10_000.0 {
        format!("{sign}{:.0}k", a / 1000.0)
    } else if a >= 1000.0 {
        format!("{sign}{:.1}k", a / 1000.0)
    } else if a >= 10.0 || a.fract() == 0.0 {
        format!("{sign}{a:.0}")
    } else {
        format!("{sign}{a:.1}")
    }
}

/// The y range of a chart: from zero (or below the lowest value) to a little above the
/// highest. With nothing to show (an empty company), 0–1000 so that the ticks are round
/// numbers rather than fractions of a cent.
fn padded_range(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(0.0_f64, f64::min);
    let hi = values.iter().copied().fold(0.0_f64, f64::max);
    if lo == 0.0 && hi == 0.0 {
        return (0.0, 1000.0);
    }
    let span = (hi - lo).max(1.0);
    (
        if lo < 0.0 { lo - span * 0.08 } else { 0.0 },
        hi + span * 0.1,
    )
}

/// Month-end cash balances as an area chart; `labels` and `values` (major units) line up.
pub fn cash_trend(labels: &[String], values: &[f64]) -> Result<String, Error> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let n = i32::try_from(values.len()).unwrap_or(1).max(2);
        let (lo, hi) = padded_range(values);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(26)
            .y_label_area_size(52)
            .build_cartesian_2d(0..n - 1, lo..hi)
            .map_err(chart_err)?;
        let label_font = ("sans-serif", 12).into_font().color(&LABEL);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .x_labels(values.len())
            .y_labels(5)
            .x_label_formatter(&|i| {
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| labels.get(i))
                    .cloned()
                    .unwrap_or_default()
            })
            .y_label_formatter(&|v| compact(*v))
            .label_style(label_font)
            .draw()
            .map_err(chart_err)?;
        let points: Vec<(i32, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (i32::try_from(i).unwrap_or(0), *v))
            .collect();
        chart
            .draw_series(
                AreaSeries::new(points.clone(), 0.0, ACCENT.mix(0.12))
                    .border_style(ACCENT.stroke_width(2)),
            )
            .map_err(chart_err)?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, ACCENT.filled())))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(to_data_uri(&svg))
}

/// Aging buckets (current, 1–30, 31–60, 61–90, over 90) as bars; `values` in major units.
pub fn aging_bars(values: &[f64; 5], receivable: bool) -> Result<String, Error> {
    const BUCKETS: [&str; 5] = ["Current", "1–30 days", "31–60", "61–90", "90+"];
    let color = if receivable { ACCENT } else { AP };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (420, 220)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (_, hi) = padded_range(values);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(26)
            .y_label_area_size(48)
            // A segmented range includes its end as a slot: 0..4 gives the five buckets.
            .build_cartesian_2d((0u32..4u32).into_segmented(), 0.0..hi)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .y_labels(4)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => BUCKETS
                    .get(usize::try_from(*i).unwrap_or(9))
                    .map(|s| (*s).to_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| compact(*v))
            .label_style(("sans-serif", 12).into_font().color(&LABEL))
            .draw()
            .map_err(chart_err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(color.mix(0.85).filled())
                    .margin(14)
                    .data((0u32..5).zip(values.iter().copied())),
            )
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(to_data_uri(&svg))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn charts_render_svg() {
        let uri = cash_trend(
            &["Jan".into(), "Feb".into(), "Mar".into()],
            &[1.0, -5.0, 20000.0],
        )
        .unwrap();
        assert!(uri.starts_with("data:image/svg+xml;base64,"));
        let svg = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(uri.trim_start_matches("data:image/svg+xml;base64,"))
                .unwrap(),
        )
        .unwrap();
        assert!(svg.contains("<svg") && svg.contains("Feb"));
        assert!(!svg.contains("<script"));
        assert!(aging_bars(&[0.0; 5], true).is_ok());
    }

    #[test]
    fn an_empty_chart_has_round_ticks() {
        assert_eq!(padded_range(&[0.0; 12]), (0.0, 1000.0));
        let svg = |uri: String| {
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(uri.trim_start_matches("data:image/svg+xml;base64,"))
                    .unwrap(),
            )
            .unwrap()
        };
        let empty = svg(cash_trend(&["Jan".into(), "Feb".into()], &[0.0, 0.0]).unwrap());
        assert!(
            !empty.contains(">0.0<") && !empty.contains(">0.1<"),
            "{empty}"
        );
    }

    #[test]
    fn aging_bars_have_five_slots() {
        let svg = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(
                    aging_bars(&[1.0, 2.0, 3.0, 4.0, 5.0], true)
                        .unwrap()
                        .trim_start_matches("data:image/svg+xml;base64,"),
                )
                .unwrap(),
        )
        .unwrap();
        // Five slots fill the plot: the last bar ends near the right edge (with a sixth,
        // empty slot it ended a sixth of the width earlier).
        let right = svg
            .split("<rect ")
            .skip(2)
            .filter_map(|r| {
                let attr = |k: &str| -> Option<f64> {
                    r.split(&format!("{k}=\""))
                        .nth(1)?
                        .split('"')
                        .next()?
                        .parse()
                        .ok()
                };
                Some(attr("x")? + attr("width")?)
            })
            .fold(0.0_f64, f64::max);
        assert!(right > 380.0, "last bar ends at {right}: {svg}");
    }

    #[test]
    fn compact_labels() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(12_600.0), "13k");
        assert_eq!(compact(1_260.0), "1.3k");
        assert_eq!(compact(-2_000_000.0), "−2.0M");
    }
}

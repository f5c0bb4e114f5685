//! Small SVG charts drawn in the page: stacked bars or lines over named
//! columns (time buckets, runs), with a y axis on "nice" ticks, a legend and a
//! tooltip for the column under the pointer. Text only: names are never markup.

use leptos::prelude::*;

/// One named row of values, one per column (`None`: no value there).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartData {
    pub labels: Vec<String>,
    pub series: Vec<Series>,
}

impl ChartData {
    /// Sum of every value: what a test or a screen reader can compare. Folded
    /// from +0.0: `f64`'s `sum` of nothing is −0.0, which prints as "-0.0000".
    pub fn total(&self) -> f64 {
        self.series.iter().flat_map(|s| s.values.iter().flatten()).fold(0.0, |sum, v| sum + v)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Series stacked in each column.
    Bars,
    Lines,
}

/// A step of 1, 2, 2.5 or 5 × 10ⁿ near `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|n| fraction <= *n).unwrap_or(10.0);
    nice * magnitude
}

/// Ticks from 0 up to at least `max`, about `count` of them, on a nice step.
pub fn nice_ticks(max: f64, count: usize) -> Vec<f64> {
    let max = if max > 0.0 && max.is_finite() { max } else { 1.0 };
    let step = nice_step(max / count.max(1) as f64);
    let steps = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=steps).map(|n| n as f64 * step).collect()
}

/// A linear map from a domain onto a range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn at(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return r0;
        }
        r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// The top of the y axis: the tallest stack (bars) or the largest value (lines).
pub fn value_max(data: &ChartData, kind: ChartKind) -> f64 {
    let columns = data.labels.len();
    match kind {
        ChartKind::Bars => (0..columns)
            .map(|c| data.series.iter().filter_map(|s| s.values.get(c).copied().flatten()).sum::<f64>())
            .fold(0.0, f64::max),
        ChartKind::Lines => data.series.iter().flat_map(|s| s.values.iter().flatten().copied()).fold(0.0, f64::max),
    }
}

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;
/// At most this many column labels are written under the axis.
const MAX_LABELS: usize = 8;

/// A chart of `data`, redrawn when it changes; `format` writes the y values.
#[component]
pub fn Chart(
    #[prop(into)] id: String,
    kind: ChartKind,
    #[prop(into)] data: Signal<ChartData>,
    format: fn(f64) -> String,
) -> impl IntoView {
    let hovered = RwSignal::new(None::<usize>);
    let total = move || format!("{:.4}", data.with(ChartData::total));
    view! {
        <figure class="chart" id=id data-total=total>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" on:mouseleave=move |_| hovered.set(None)>
                {move || data.with(|d| plot(d, kind, format, hovered))}
            </svg>
            <ul class="legend">
                {move || data.with(|d| d.series.iter().enumerate().map(|(n, s)| view! {
                    <li><span class=format!("swatch s{}", n % 8)></span>{s.name.clone()}</li>
                }).collect_view())}
            </ul>
        </figure>
    }
}

fn plot(d: &ChartData, kind: ChartKind, format: fn(f64) -> String, hovered: RwSignal<Option<usize>>) -> impl IntoView {
    let ticks = nice_ticks(value_max(d, kind), 4);
    let top = ticks.last().copied().unwrap_or(1.0);
    let y = Scale { domain: (0.0, top), range: (HEIGHT - BOTTOM, TOP) };
    let columns = d.labels.len().max(1);
    let band = (WIDTH - LEFT - RIGHT) / columns as f64;
    let x = move |c: usize| LEFT + band * (c as f64 + 0.5);
    let axis = ticks
        .iter()
        .map(|t| {
            let at = y.at(*t);
            view! {
                <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=at y2=at/>
                <text class="tick" x=LEFT - 6.0 y=at + 4.0 text-anchor="end">{format(*t)}</text>
            }
        })
        .collect_view();
    let every = d.labels.len().div_ceil(MAX_LABELS).max(1);
    let labels = d
        .labels
        .iter()
        .enumerate()
        .filter(|(c, _)| c % every == 0)
        .map(|(c, l)| view! { <text class="tick" x=x(c) y=HEIGHT - 6.0 text-anchor="middle">{l.clone()}</text> })
        .collect_view();
    let marks = match kind {
        ChartKind::Bars => bars(d, y, band, x).into_any(),
        ChartKind::Lines => lines(d, y, x).into_any(),
    };
    let hits = (0..d.labels.len())
        .map(|c| {
            view! { <rect class="hit" x=LEFT + band * c as f64 y=TOP width=band height=HEIGHT - TOP - BOTTOM
            on:mouseenter=move |_| hovered.set(Some(c))/> }
        })
        .collect_view();
    let tip = {
        let d = d.clone();
        move || hovered.get().and_then(|c| tooltip(&d, c, x(c), format))
    };
    view! { <g>{axis}{labels}{marks}{hits}{tip}</g> }
}

fn bars(d: &ChartData, y: Scale, band: f64, x: impl Fn(usize) -> f64) -> impl IntoView {
    let width = (band * 0.7).max(1.0);
    let mut out = Vec::new();
    for c in 0..d.labels.len() {
        let mut base = 0.0;
        for (n, s) in d.series.iter().enumerate() {
            let Some(v) = s.values.get(c).copied().flatten().filter(|v| *v > 0.0) else { continue };
            let (y0, y1) = (y.at(base), y.at(base + v));
            base += v;
            out.push(view! {
                <rect class=format!("bar s{}", n % 8) x=x(c) - width / 2.0 y=y1 width=width height=(y0 - y1).max(0.5)/>
            });
        }
    }
    out.collect_view()
}

fn lines(d: &ChartData, y: Scale, x: impl Fn(usize) -> f64) -> impl IntoView {
    d.series
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let mut path = String::new();
            let mut dots = Vec::new();
            let mut pen_down = false;
            for (c, v) in s.values.iter().enumerate() {
                let Some(v) = v else {
                    pen_down = false;
                    continue;
                };
                let (px, py) = (x(c), y.at(*v));
                path.push_str(&format!("{}{px:.1},{py:.1} ", if pen_down { "L" } else { "M" }));
                pen_down = true;
                dots.push(view! { <circle class=format!("dot s{}", n % 8) cx=px cy=py r="2.5"/> });
            }
            view! { <path class=format!("line s{}", n % 8) d=path/>{dots.collect_view()} }
        })
        .collect_view()
}

/// The column's label and each series' value there, in a box beside it.
fn tooltip(d: &ChartData, c: usize, at: f64, format: fn(f64) -> String) -> Option<impl IntoView> {
    let mut rows = vec![d.labels.get(c)?.clone()];
    for s in &d.series {
        if let Some(v) = s.values.get(c).copied().flatten() {
            rows.push(format!("{}: {}", s.name, format(v)));
        }
    }
    let width = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0) as f64 * 6.5 + 12.0;
    let height = rows.len() as f64 * 15.0 + 8.0;
    let left = if at + 8.0 + width > WIDTH { at - 8.0 - width } else { at + 8.0 };
    let text = rows
        .into_iter()
        .enumerate()
        .map(|(n, r)| view! { <text x=left + 6.0 y=TOP + 16.0 + n as f64 * 15.0>{r}</text> })
        .collect_view();
    Some(view! {
        <g class="tip" pointer-events="none">
            <line class="cursor" x1=at x2=at y1=TOP y2=HEIGHT - BOTTOM/>
            <rect x=left y=TOP + 2.0 width=width height=height rx="4"/>
            {text}
        </g>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_chart_totals_zero_not_minus_zero() {
        assert_eq!(format!("{:.4}", ChartData::default().total()), "0.0000");
        let gaps =
            ChartData { labels: vec!["a".into()], series: vec![Series { name: "s".into(), values: vec![None] }] };
        assert_eq!(format!("{:.4}", gaps.total()), "0.0000");
        let some = Series { name: "s".into(), values: vec![Some(1.5), None, Some(2.0)] };
        assert_eq!(ChartData { labels: Vec::new(), series: vec![some] }.total(), 3.5);
    }

    #[test]
    fn ticks_are_nice_and_reach_the_maximum() {
        assert_eq!(nice_ticks(10.0, 4), vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        assert_eq!(nice_ticks(7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(nice_ticks(0.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(1234.0, 4), vec![0.0, 500.0, 1000.0, 1500.0]);
        let small = nice_ticks(0.003, 4);
        assert!(small.last().unwrap() >= &0.003 && small.len() <= 6, "{small:?}");
    }

    #[test]
    fn scales_map_linearly() {
        let y = Scale { domain: (0.0, 10.0), range: (200.0, 0.0) };
        assert_eq!((y.at(0.0), y.at(5.0), y.at(10.0)), (200.0, 100.0, 0.0));
        assert_eq!(Scale { domain: (1.0, 1.0), range: (3.0, 9.0) }.at(1.0), 3.0);
    }

    #[test]
    fn the_axis_fits_stacks_or_values() {
        let data = ChartData {
            labels: vec!["a".into(), "b".into()],
            series: vec![
                Series { name: "x".into(), values: vec![Some(2.0), Some(4.0)] },
                Series { name: "y".into(), values: vec![Some(3.0), None] },
            ],
        };
        assert_eq!(value_max(&data, ChartKind::Bars), 5.0);
        assert_eq!(value_max(&data, ChartKind::Lines), 4.0);
        assert_eq!(data.total(), 9.0);
    }
}

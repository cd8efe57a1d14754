//! A small SVG line chart: a title with the latest value of each line, a grid with three labelled
//! ticks, and one polyline per series. Geometry comes from [`crate::chart`].

use yew::prelude::*;

use crate::chart::{Frame, Scale};
use crate::format;

/// One series of a chart.
#[derive(Clone, PartialEq)]
pub struct Line {
    pub label: &'static str,
    /// CSS class giving the line its colour (`l1`, `l2`).
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// What the values are, for ticks and the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Messages per second.
    Rate,
    /// Bytes per second.
    ByteRate,
    Count,
}

impl Unit {
    fn format(self, v: f64) -> String {
        match self {
            Unit::Rate => format::rate(v),
            Unit::ByteRate => format::byte_rate(v),
            Unit::Count => format::compact(v),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub lines: Vec<Line>,
    pub unit: Unit,
}

#[function_component]
pub fn LineChart(p: &ChartProps) -> Html {
    let frame = Frame::default();
    let refs: Vec<&[(f64, f64)]> = p.lines.iter().map(|l| l.points.as_slice()).collect();
    let scale = Scale::fit(frame, &refs);
    let ticks = scale.ticks(2);
    let view_box = format!("0 0 {} {}", frame.width, frame.height);
    html! {
        <figure class="chart" id={p.id.clone()}>
            <figcaption>
                <span class="chart-title">{ &p.title }</span>
                { for p.lines.iter().map(|l| html! {
                    <span class={classes!("legend", l.class)}>
                        { l.label }{ ": " }
                        <b>{ l.points.last().map(|pt| p.unit.format(pt.1)).unwrap_or_else(|| "–".into()) }</b>
                    </span>
                }) }
            </figcaption>
            <svg viewBox={view_box} preserveAspectRatio="none" role="img" aria-label={p.title.clone()}>
                { for ticks.iter().map(|t| {
                    let y = format!("{:.1}", scale.y(*t));
                    html! {
                        <g class="tick">
                            <line x1={frame.left.to_string()} x2={frame.width.to_string()} y1={y.clone()} y2={y.clone()} />
                            <text x={(frame.left - 4.0).to_string()} y={y} text-anchor="end" dominant-baseline="middle">{ p.unit.format(*t) }</text>
                        </g>
                    }
                }) }
                { for p.lines.iter().map(|l| html! {
                    <polyline class={classes!("series", l.class)} points={scale.points(&l.points)} />
                }) }
            </svg>
        </figure>
    }
}

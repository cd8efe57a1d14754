//! Geometry of the small SVG line charts: a "nice" vertical scale, tick values, and each line as an
//! SVG `points` list in a fixed view box.
//!
//! Input: lines of `(x, y)` pairs (x is time). Output: strings and numbers the chart component puts
//! into `<polyline>` and `<text>` elements. No drawing library, no DOM: the component does the markup.

/// The drawing area in view-box units (the SVG scales to its container).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    /// Room on the left for the tick labels.
    pub left: f64,
    /// Room at the top and bottom so lines at 0 and max stay visible.
    pub pad: f64,
}

impl Default for Frame {
    fn default() -> Self {
        Frame { width: 320.0, height: 110.0, left: 36.0, pad: 6.0 }
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ that is ≥ `v` (1 for zero, negative or non-finite input).
pub fn nice_max(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let exp = v.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let candidate = m * base;
        if candidate >= v * (1.0 - 1e-9) {
            return candidate;
        }
    }
    10.0 * base
}

/// A chart's scales over all its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub frame: Frame,
    pub x_min: f64,
    pub x_max: f64,
    pub y_max: f64,
}

impl Scale {
    /// Fits every line: x over the union of their ranges, y from 0 to a nice max.
    pub fn fit(frame: Frame, lines: &[&[(f64, f64)]]) -> Scale {
        let xs = lines.iter().flat_map(|l| l.iter().map(|p| p.0));
        let (x_min, x_max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let y = lines.iter().flat_map(|l| l.iter().map(|p| p.1)).fold(0.0f64, f64::max);
        let (x_min, x_max) = if x_min.is_finite() { (x_min, x_max) } else { (0.0, 1.0) };
        Scale { frame, x_min, x_max, y_max: nice_max(y) }
    }

    /// View-box x of a data x.
    pub fn x(&self, x: f64) -> f64 {
        let span = self.x_max - self.x_min;
        let plot = self.frame.width - self.frame.left;
        if span <= 0.0 {
            return self.frame.width;
        }
        self.frame.left + (x - self.x_min) / span * plot
    }

    /// View-box y of a data y (0 at the bottom).
    pub fn y(&self, y: f64) -> f64 {
        let plot = self.frame.height - 2.0 * self.frame.pad;
        let clamped = y.clamp(0.0, self.y_max);
        self.frame.pad + plot - clamped / self.y_max * plot
    }

    /// `x1,y1 x2,y2 …` for a `<polyline points>`.
    pub fn points(&self, line: &[(f64, f64)]) -> String {
        let mut out = String::with_capacity(line.len() * 12);
        for (i, (x, y)) in line.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&format!("{:.1},{:.1}", self.x(*x), self.y(*y)));
        }
        out
    }

    /// Tick values from 0 to `y_max`, `n` intervals.
    pub fn ticks(&self, n: usize) -> Vec<f64> {
        let n = n.max(1);
        (0..=n).map(|i| self.y_max * i as f64 / n as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_max_rounds_up_to_a_readable_value() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.7), 1.0);
        assert_eq!(nice_max(1.0), 1.0);
        assert_eq!(nice_max(1.3), 2.0);
        assert_eq!(nice_max(2.2), 2.5);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(1234.0), 2000.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn lines_span_the_frame() {
        let f = Frame::default();
        let a = [(0.0, 0.0), (10.0, 50.0)];
        let b = [(5.0, 100.0)];
        let s = Scale::fit(f, &[&a, &b]);
        assert_eq!(s.y_max, 100.0);
        assert_eq!(s.x(0.0), f.left);
        assert_eq!(s.x(10.0), f.width);
        assert_eq!(s.y(0.0), f.height - f.pad);
        assert_eq!(s.y(100.0), f.pad);
        assert_eq!(s.y(1e9), f.pad, "values above the scale are clamped");
        assert_eq!(s.points(&a), format!("{:.1},{:.1} {:.1},{:.1}", f.left, f.height - f.pad, f.width, s.y(50.0)));
    }

    #[test]
    fn an_empty_or_single_point_chart_still_has_a_scale() {
        let s = Scale::fit(Frame::default(), &[]);
        assert_eq!((s.x_min, s.x_max, s.y_max), (0.0, 1.0, 1.0));
        let one = [(3.0, 2.0)];
        let s = Scale::fit(Frame::default(), &[&one]);
        assert_eq!(s.x(3.0), Frame::default().width);
        assert_eq!(s.ticks(2), vec![0.0, 1.0, 2.0]);
    }
}

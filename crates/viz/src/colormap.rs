//! The activation colour scale.
//!
//! Viridis (van der Walt & Smith 2015, the matplotlib default colour map): perceptually
//! uniform, readable by people with the common colour-vision deficiencies, and monotonic in
//! lightness, so a greyscale print still orders low and high activation. Five of its published
//! sRGB stops, linearly interpolated.

/// Viridis at 0, 0.25, 0.5, 0.75 and 1 (sRGB, 0..1).
const STOPS: [[f32; 3]; 5] = [
    [0.267, 0.005, 0.329],
    [0.229, 0.322, 0.546],
    [0.128, 0.567, 0.551],
    [0.369, 0.789, 0.383],
    [0.993, 0.906, 0.144],
];

/// The sRGB colour (0..1) of activation `a`; values outside 0..1 (or NaN) are clamped.
pub fn activation_colour(a: f64) -> [f32; 3] {
    let a = if a.is_nan() { 0.0 } else { a.clamp(0.0, 1.0) } as f32;
    let x = a * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let t = x - i as f32;
    let (lo, hi) = (STOPS[i], STOPS[i + 1]);
    [0, 1, 2].map(|k| lo[k] + (hi[k] - lo[k]) * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_middle_are_viridis_stops_and_out_of_range_clamps() {
        let close = |a: [f32; 3], b: [f32; 3]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert!(close(activation_colour(0.0), STOPS[0]));
        assert!(close(activation_colour(1.0), STOPS[4]));
        assert!(close(activation_colour(0.5), STOPS[2]));
        assert!(close(activation_colour(-1.0), STOPS[0]));
        assert!(close(activation_colour(7.0), STOPS[4]));
        assert!(close(activation_colour(f64::NAN), STOPS[0]));
        assert!(!close(activation_colour(0.6), STOPS[2]));
    }

    #[test]
    fn lightness_rises_with_activation() {
        // Rec. 709 luma as a proxy for lightness.
        let luma = |c: [f32; 3]| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        let mut last = -1.0;
        for i in 0..=100 {
            let l = luma(activation_colour(f64::from(i) / 100.0));
            assert!(l > last, "luma falls at {i}");
            last = l;
        }
    }
}

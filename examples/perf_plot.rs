//! Draws `docs/images/multibody-scaling.svg`, the plot of `docs/performance.md`: rapier's step
//! time for the walker against its degrees of freedom and against its contact spheres, from the
//! criterion medians of `cargo bench --bench multibody_scaling`.
//!
//! ```text
//! cargo bench --bench multibody_scaling
//! cargo run --release --example perf_plot [-- OUT.svg]
//! ```
//!
//! Reads `<target>/criterion/<group>/<id>/new/estimates.json` (criterion's own output; the
//! target folder is `CARGO_TARGET_DIR` or `target`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plotters::style::RGBColor;
use retrogait::report_html::plots::{Figure, Mark, Panel, Series, Style, line_figure, range};

/// Median and confidence bounds of one criterion bench [µs].
struct Estimate {
    id: f64,
    median_us: f64,
    low_us: f64,
    high_us: f64,
}

/// Every bench of `group` whose id is a number, sorted by it.
fn read_group(criterion: &Path, group: &str) -> Result<Vec<Estimate>> {
    let dir = criterion.join(group);
    let entries = std::fs::read_dir(&dir).with_context(|| {
        format!(
            "{}: no criterion results; run `cargo bench --bench multibody_scaling` first",
            dir.display()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<f64>().ok())
        else {
            continue;
        };
        let file = path.join("new").join("estimates.json");
        let text = std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{}", file.display()))?;
        let ns = |key: &str| {
            json["median"][key]
                .as_f64()
                .or_else(|| json["median"]["confidence_interval"][key].as_f64())
                .with_context(|| format!("{}: no median.{key}", file.display()))
        };
        out.push(Estimate {
            id,
            median_us: ns("point_estimate")? / 1e3,
            low_us: ns("lower_bound")? / 1e3,
            high_us: ns("upper_bound")? / 1e3,
        });
    }
    if out.is_empty() {
        bail!("{}: no numbered benches", dir.display());
    }
    out.sort_by(|a, b| a.id.total_cmp(&b.id));
    Ok(out)
}

/// Colours of the dense and the tree-sparse medians.
const DENSE: RGBColor = RGBColor(31, 119, 180);
const SPARSE: RGBColor = RGBColor(214, 39, 40);

/// A panel of median step times (a line per path: rapier's dense mass matrix, and the
/// tree-sparse one where measured) and criterion's 95 % intervals of the medians (crosses).
fn panel(title: &str, x_label: &str, dense: &[Estimate], sparse: Option<&[Estimate]>) -> Panel {
    let grey = RGBColor(120, 120, 120);
    let all = || dense.iter().chain(sparse.unwrap_or_default());
    let xs = all().map(|e| e.id);
    let ys = all().flat_map(|e| [e.low_us, e.high_us]);
    let median = |label: &str, color, data: &[Estimate]| Series {
        label: label.to_owned(),
        color,
        points: data.iter().map(|e| (e.id, e.median_us)).collect(),
        style: Style::LineDots,
    };
    let mut series = vec![median("dense", DENSE, dense)];
    if let Some(sparse) = sparse {
        series.push(median("tree-sparse", SPARSE, sparse));
    }
    series.push(Series {
        label: "95 % interval".to_owned(),
        color: grey,
        points: all()
            .flat_map(|e| [(e.id, e.low_us), (e.id, e.high_us)])
            .collect(),
        style: Style::Crosses,
    });
    Panel {
        title: title.to_owned(),
        x_label: x_label.to_owned(),
        y_label: "rapier step [µs]".to_owned(),
        x_range: range(xs, false, (0.0, 1.0)),
        y_range: range(ys, true, (0.0, 1.0)),
        series,
    }
}

fn main() -> Result<()> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("docs/images/multibody-scaling.svg"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let criterion = target.join("criterion");
    let dofs = read_group(&criterion, "multibody_dofs")?;
    let dofs_sparse = read_group(&criterion, "multibody_dofs_sparse")?;
    let spheres = read_group(&criterion, "contact_spheres")?;
    let figure = Figure {
        title: "One 1 ms rapier step of the walker standing on the belt (2 substeps)".to_owned(),
        legend: vec![
            (
                "median, rapier's dense mass matrix".to_owned(),
                DENSE,
                Mark::Line,
            ),
            (
                "median, tree-sparse (vendored rapier)".to_owned(),
                SPARSE,
                Mark::Line,
            ),
            (
                "criterion's 95 % interval".to_owned(),
                RGBColor(120, 120, 120),
                Mark::Cross,
            ),
        ],
        cols: 2,
        panel_px: (520, 380),
        panels: vec![
            panel(
                "Degrees of freedom (links = DoF − 5)",
                "degrees of freedom of the multibody",
                &dofs,
                Some(&dofs_sparse),
            ),
            panel(
                "Contact spheres (21 DoF, dense; all on the belt)",
                "contact spheres per foot",
                &spheres,
                None,
            ),
        ],
    };
    let svg = line_figure(&figure).map_err(anyhow::Error::msg)?;
    let tmp = out.with_extension("svg.tmp");
    std::fs::write(&tmp, svg).with_context(|| format!("{}", tmp.display()))?;
    std::fs::rename(&tmp, &out).with_context(|| format!("{}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

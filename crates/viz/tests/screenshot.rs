//! The visualizer's screenshot mode, end to end: the real binary renders under a virtual X
//! server (Xvfb) with Mesa's software Vulkan driver, saves a PNG and exits; the image must
//! show the scene (not blank, not one colour) with the walkers' pixels where the walkers are.
//!
//! `tests/install-render-deps.sh` installs Xvfb and the driver (CI runs it first). Without
//! them the test prints `skipped: <reason>` and passes, except under `CI=true`, where it fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use retrogait_viz::scene::SEGMENT_COLOUR;

/// A virtual X server for the duration of a test.
struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn render_stack_missing() -> Option<String> {
    let have_xvfb = Command::new("sh")
        .args(["-c", "command -v Xvfb"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_xvfb {
        return Some("Xvfb is not installed (crates/viz/tests/install-render-deps.sh)".into());
    }
    let lavapipe = std::fs::read_dir("/usr/share/vulkan/icd.d")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("lvp_icd"))
        })
        .unwrap_or(false);
    if !lavapipe {
        return Some("Mesa's software Vulkan driver is not installed (mesa-vulkan-drivers)".into());
    }
    None
}

/// Skips (or, under CI, fails) when the render stack is missing.
fn require_render_stack() -> bool {
    match render_stack_missing() {
        None => true,
        Some(reason) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI must run the render test, but {reason}")
        }
        Some(reason) => {
            eprintln!("skipped: {reason}");
            false
        }
    }
}

fn start_xvfb() -> Xvfb {
    // A display number nobody uses.
    let n = (90..200)
        .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
        .expect("a free X display number");
    let display = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([
            display.as_str(),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let start = Instant::now();
    while !socket.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "Xvfb did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Xvfb { child, display }
}

struct Png {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

fn read_png(path: &Path) -> Png {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("screenshot exists"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![
        0;
        reader
            .output_buffer_size()
            .expect("PNG size fits in memory")
    ];
    let info = reader.next_frame(&mut buf).expect("PNG decodes");
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Png {
        width: info.width as usize,
        height: info.height as usize,
        rgb,
    }
}

/// Hue [deg], saturation and value of an sRGB pixel.
fn hsv([r, g, b]: [u8; 3]) -> (f32, f32, f32) {
    let (r, g, b) = (
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(b) / 255.0,
    );
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let s = if max == 0.0 { 0.0 } else { d / max };
    (h, s, max)
}

/// Whether a pixel has the walkers' skin colour under some lighting: the hue and saturation of
/// `SEGMENT_COLOUR` within a band, any brightness above the shadows'.
fn is_walker(p: [u8; 3]) -> bool {
    let c = SEGMENT_COLOUR.map(|v| (v * 255.0) as u8);
    let (h0, s0, _) = hsv(c);
    let (h, s, v) = hsv(p);
    (h - h0).abs() < 10.0 && (s - s0).abs() < 0.18 && v > 0.3
}

fn run_viz(args: &[&str], display: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_retrogait-viz"));
    cmd.args(args)
        // lavapipe only: skip probing hardware drivers that are not there.
        .env("VK_ICD_FILENAMES", lavapipe_icd())
        .env_remove("WAYLAND_DISPLAY");
    match display {
        Some(d) => cmd.env("DISPLAY", d),
        None => cmd.env_remove("DISPLAY"),
    };
    cmd.output().expect("retrogait-viz runs")
}

fn lavapipe_icd() -> String {
    std::fs::read_dir("/usr/share/vulkan/icd.d")
        .ok()
        .and_then(|d| {
            d.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("lvp_icd"))
            })
        })
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Renders a screenshot with `args` and checks what it shows; returns the walker pixel
/// counts in the left and right halves of the 3D view.
fn screenshot(name: &str, args: &[&str]) -> Option<(usize, usize)> {
    if !require_render_stack() {
        return None;
    }
    let x = start_xvfb();
    let dir = std::env::temp_dir().join(format!("retrogait-viz-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    let mut all = vec!["--screenshot", path.to_str().unwrap(), "--after", "2.5"];
    all.extend_from_slice(args);
    let out = run_viz(&all, Some(&x.display));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "retrogait-viz failed: {:?}\n{stderr}",
        out.status
    );
    let png = read_png(&path);
    assert_eq!((png.width, png.height), (1280, 800), "window size");
    // Not blank and not one colour: many distinct colours, and a spread of brightness.
    let mut colours: Vec<[u8; 3]> = png.rgb.iter().map(|p| p.map(|c| c & 0xF0)).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() > 40,
        "only {} distinct colours",
        colours.len()
    );
    let luma: Vec<f64> = png
        .rgb
        .iter()
        .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
        .collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let sd = (luma.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luma.len() as f64).sqrt();
    assert!(sd > 15.0, "luma standard deviation {sd}");
    // The walkers: skin-coloured pixels in the 3D view (right of the 250-px control panel).
    let view_x0 = 260;
    let mid = (view_x0 + png.width) / 2;
    let (mut left, mut right) = (0, 0);
    for y in 0..png.height {
        for xp in view_x0..png.width {
            if is_walker(png.rgb[y * png.width + xp]) {
                if xp < mid {
                    left += 1;
                } else {
                    right += 1;
                }
            }
        }
    }
    eprintln!(
        "{name}: walker pixels left {left}, right {right}; {} colours; luma sd {sd:.1}",
        colours.len()
    );
    Some((left, right))
}

#[test]
fn side_by_side_screenshot_shows_both_walkers() {
    let Some((left, right)) = screenshot("side-by-side", &["--side-by-side"]) else {
        return;
    };
    assert!(left > 2000, "forward walker: {left} pixels");
    assert!(right > 2000, "backward walker: {right} pixels");
}

#[test]
fn single_walker_screenshot_shows_the_walker() {
    let Some((left, right)) =
        screenshot("backward", &["--direction", "backward", "--view", "front"])
    else {
        return;
    };
    assert!(left + right > 3000, "walker: {} pixels", left + right);
}

#[test]
fn bad_settings_fail_before_a_window_opens_and_name_the_field() {
    let out = run_viz(&["--speed", "40"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("speed_mps") && err.contains("40"), "{err}");
    let out = run_viz(&["--mass=-3"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mass_kg"), "{err}");
    let out = run_viz(
        &["--screenshot", "/nonexistent-dir/x.png", "--after", "1"],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

//! The egui panels: controls on the left, live plots at the bottom, teaching labels over the
//! 3D view, and the explanation window.

use bevy::camera::Viewport;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, egui};
use egui_plot::{Bar, BarChart, Legend, Line, LineStyle, Plot, PlotPoints};
use gait::Direction;
use musculo::Side;

use crate::camera::{Orbit, Preset};
use crate::colormap::activation_colour;
use crate::lane::{LaneView, PLOTTED_ACTIVATIONS, SHOWN_GROUPS, Work};
use crate::scene::{Latest, Show, Sim, half_width, lane_offset};
use crate::sim::{Command, Settings};

/// What the controls hold between frames.
#[derive(Resource, Debug, Clone)]
pub struct Controls {
    /// Settings the next reset uses (speed and incline also apply live).
    pub settings: Settings,
    /// Push magnitude \[N\].
    pub push_force_n: f64,
    /// Push heading \[rad\] (0 = the way the walkers face).
    pub push_heading_rad: f64,
    /// Slow-motion rate.
    pub rate: f64,
    /// Whether the explanation window is open.
    pub explain: bool,
}

impl Controls {
    /// Controls starting from the session's settings.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            push_force_n: 40.0,
            push_heading_rad: std::f64::consts::FRAC_PI_2,
            rate: 1.0,
            explain: false,
        }
    }
}

/// Height of the plot panel [logical px].
const PLOT_PANEL_HEIGHT: f32 = 250.0;

/// Line colours of the plotted channels (knee TF, knee PF, then the activations).
const CHANNEL_COLOURS: [egui::Color32; 6] = [
    egui::Color32::from_rgb(200, 40, 40),
    egui::Color32::from_rgb(40, 90, 200),
    egui::Color32::from_rgb(230, 130, 20),
    egui::Color32::from_rgb(30, 150, 70),
    egui::Color32::from_rgb(150, 60, 180),
    egui::Color32::from_rgb(90, 90, 90),
];

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Forward => "forward",
        Direction::Backward => "backward",
    }
}

fn group_title(g: musculo::MuscleGroup) -> &'static str {
    use musculo::MuscleGroup::*;
    match g {
        HipFlexors => "Hip flexors",
        Gluteals => "Gluteals",
        Hamstrings => "Hamstrings",
        Quadriceps => "Quadriceps",
        Gastrocnemius => "Gastrocnemius",
        Soleus => "Soleus",
        TibialisAnterior => "Tibialis ant.",
        HipAbductors => "Hip abductors",
        HipAdductors => "Hip adductors",
    }
}

fn work_colour(w: Work) -> egui::Color32 {
    match w {
        Work::Concentric => egui::Color32::from_rgb(20, 120, 40),
        Work::Eccentric => egui::Color32::from_rgb(200, 70, 0),
        Work::Quiet => egui::Color32::from_rgb(90, 90, 90),
    }
}

/// Draws the panels and sends what the user changed; then fits the 3D viewport into the space
/// the panels leave.
#[allow(clippy::too_many_arguments)]
pub fn panels(
    mut contexts: EguiContexts,
    sim: Res<Sim>,
    latest: Res<Latest>,
    mut controls: ResMut<Controls>,
    mut show: ResMut<Show>,
    mut orbit: ResMut<Orbit>,
    mut camera: Query<(&mut Camera, &GlobalTransform), With<Camera3d>>,
    window: Query<&Window, With<PrimaryWindow>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let p = &latest.0;
    // egui 0.36 panels live inside a Ui; this one spans the window, behind everything.
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let left = egui::Panel::left("controls")
        .resizable(false)
        .exact_size(250.0)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                control_panel(ui, &sim, p, &mut controls, &mut show, &mut orbit);
            });
        })
        .response
        .rect
        .width();
    let bottom = egui::Panel::bottom("plots")
        .resizable(false)
        .exact_size(PLOT_PANEL_HEIGHT)
        .show(&mut root, |ui| plots(ui, &p.lanes))
        .response
        .rect
        .height();
    if controls.explain {
        let mut open = true;
        egui::Window::new("What am I seeing?")
            .open(&mut open)
            .default_width(420.0)
            .show(ctx, explanation);
        controls.explain = open;
    }
    let Ok(window) = window.single() else {
        return Ok(());
    };
    let scale = window.scale_factor();
    let pos = UVec2::new((left * scale) as u32, 0);
    let size = UVec2::new(window.physical_width(), window.physical_height())
        .saturating_sub(pos + UVec2::new(0, (bottom * scale) as u32));
    if let Ok((mut cam, cam_transform)) = camera.single_mut() {
        if size.x > 0 && size.y > 0 {
            cam.viewport = Some(Viewport {
                physical_position: pos,
                physical_size: size,
                ..default()
            });
        }
        if show.labels {
            let view = egui::Rect::from_min_size(
                egui::pos2(left, 0.0),
                egui::vec2(size.x as f32 / scale, size.y as f32 / scale),
            );
            labels(ctx, &cam, cam_transform, p, view);
        }
    }
    Ok(())
}

fn control_panel(
    ui: &mut egui::Ui,
    sim: &Sim,
    p: &crate::sim::Published,
    c: &mut Controls,
    show: &mut Show,
    orbit: &mut Orbit,
) {
    ui.heading("retrogait");
    let time = p.lanes.first().map_or(0.0, |l| l.time_s);
    if p.playing {
        ui.label(format!(
            "t = {time:.2} s · running at {:.2}× real time",
            p.achieved_rate
        ));
    } else {
        ui.label(format!("t = {time:.2} s · paused"));
    }
    for l in &p.lanes {
        if let Some(f) = &l.fell {
            ui.colored_label(
                egui::Color32::RED,
                format!("{}: {f}", direction_name(l.config.direction)),
            );
        }
    }
    if let Some(e) = &p.error {
        ui.colored_label(egui::Color32::RED, e);
    }
    ui.separator();

    ui.horizontal(|ui| {
        let label = if p.playing { "⏸ Pause" } else { "▶ Play" };
        if ui.button(label).clicked() {
            sim.0.send(Command::SetPlaying(!p.playing));
        }
        if ui
            .add_enabled(!p.playing, egui::Button::new("Step"))
            .on_hover_text("Advance one 5 ms frame")
            .clicked()
        {
            sim.0.send(Command::SingleStep);
        }
        if ui.button("Reset").clicked() {
            sim.0.send(Command::Reset(c.settings));
        }
    });
    if ui
        .add(egui::Slider::new(&mut c.rate, 0.1..=1.0).text("speed ×"))
        .on_hover_text("Slow motion: simulated seconds per real second")
        .changed()
    {
        sim.0.send(Command::SetRate(c.rate));
    }
    ui.separator();

    ui.label("Mode (restarts)");
    ui.horizontal(|ui| {
        let mut changed = ui
            .radio_value(&mut c.settings.side_by_side, true, "Side by side")
            .changed();
        changed |= ui
            .radio_value(&mut c.settings.side_by_side, false, "One walker")
            .changed();
        if changed {
            sim.0.send(Command::Reset(c.settings));
        }
    });
    ui.add_enabled_ui(!c.settings.side_by_side, |ui| {
        ui.horizontal(|ui| {
            let mut changed = ui
                .radio_value(&mut c.settings.direction, Direction::Forward, "Forward")
                .changed();
            changed |= ui
                .radio_value(&mut c.settings.direction, Direction::Backward, "Backward")
                .changed();
            if changed {
                sim.0.send(Command::Reset(c.settings));
            }
        });
    });
    ui.separator();

    ui.label("Treadmill (live)");
    let mut belt = ui
        .add(
            egui::Slider::new(&mut c.settings.speed_mps, 0.3..=2.0)
                .text("speed m/s")
                .step_by(0.05),
        )
        .changed();
    belt |= ui
        .add(
            egui::Slider::new(&mut c.settings.incline_pct, -15.0..=15.0)
                .text("incline %")
                .step_by(0.5),
        )
        .changed();
    if belt {
        sim.0.send(Command::SetBelt {
            speed_mps: c.settings.speed_mps,
            incline_pct: c.settings.incline_pct,
        });
    }
    if let Some(l) = p.lanes.first() {
        ui.small(format!(
            "belt now {:.2} m/s, {:+.1} %",
            l.speed_mps, l.incline_pct
        ));
    }
    ui.separator();

    ui.label("Subject (applies on reset)");
    ui.add(egui::Slider::new(&mut c.settings.subject.height_m, 1.2..=2.3).text("height m"));
    ui.add(egui::Slider::new(&mut c.settings.subject.mass_kg, 25.0..=250.0).text("mass kg"));
    if ui.button("Apply subject").clicked() {
        sim.0.send(Command::Reset(c.settings));
    }
    ui.separator();

    ui.label("Perturbation");
    ui.add(egui::Slider::new(&mut c.push_force_n, 10.0..=150.0).text("push N"));
    ui.horizontal(|ui| {
        for (name, heading) in [
            ("from behind", 0.0),
            ("from front", std::f64::consts::PI),
            ("from right", std::f64::consts::FRAC_PI_2),
        ] {
            ui.radio_value(&mut c.push_heading_rad, heading, name);
        }
    });
    if ui
        .button("Push (0.2 s)")
        .on_hover_text("Pushes every walker's pelvis")
        .clicked()
    {
        sim.0.send(Command::Push {
            force_n: c.push_force_n,
            heading_rad: c.push_heading_rad,
        });
    }
    ui.separator();

    ui.label("Camera (drag: orbit · right-drag: pan · wheel: zoom)");
    ui.horizontal(|ui| {
        let n = p.lanes.len();
        let hw = p
            .lanes
            .first()
            .map_or(0.0, |l| half_width(n, l.belt_size_m.0));
        let knee = p.lanes.first().map_or(Vec3::ZERO, |l| {
            let k = l.knees[Side::Right].centre;
            lane_offset(0, n, l.belt_size_m.0) + Vec3::new(k.x as f32, k.y as f32, k.z as f32)
        });
        for (name, preset) in [
            ("Side", Preset::Side),
            ("Front", Preset::Front),
            ("Knee", Preset::Knee),
        ] {
            if ui.button(name).clicked() {
                *orbit = Orbit::preset(preset, hw, knee);
            }
        }
    });
    ui.separator();

    ui.checkbox(&mut show.muscles, "Muscles");
    ui.checkbox(&mut show.forces, "Ground reaction forces");
    ui.checkbox(&mut show.labels, "Teaching labels");
    legend(ui);
    ui.separator();
    if ui.button("What am I seeing?").clicked() {
        c.explain = true;
    }
}

/// The activation colour bar.
fn legend(ui: &mut egui::Ui) {
    ui.label("Muscle activation");
    let (rect, _) = ui.allocate_exact_size(egui::vec2(200.0, 14.0), egui::Sense::hover());
    let painter = ui.painter();
    let steps = 50;
    for i in 0..steps {
        let a = f64::from(i) / f64::from(steps - 1);
        let [r, g, b] = activation_colour(a);
        let x0 = rect.left() + rect.width() * i as f32 / steps as f32;
        let x1 = rect.left() + rect.width() * (i + 1) as f32 / steps as f32;
        painter.rect_filled(
            egui::Rect::from_min_max(egui::pos2(x0, rect.top()), egui::pos2(x1, rect.bottom())),
            0.0,
            egui::Color32::from_rgb((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8),
        );
    }
    ui.horizontal(|ui| {
        ui.small("0");
        ui.add_space(85.0);
        ui.small("0.5");
        ui.add_space(85.0);
        ui.small("1");
    });
    ui.small("Knee sphere: white (0) to red (6 BW) with tibiofemoral load.");
    ui.small("Green arrows: ground reaction force, 0.5 m per body weight.");
}

fn line_style(lane: &LaneView, lanes: usize) -> LineStyle {
    if lanes > 1 && lane.config.direction == Direction::Backward {
        LineStyle::dashed_loose()
    } else {
        LineStyle::Solid
    }
}

/// Knee loads, activations and the work chart; forward solid, backward dashed side by side.
fn plots(ui: &mut egui::Ui, lanes: &[LaneView]) {
    let n = lanes.len();
    let now = lanes.first().map_or(0.0, |l| l.time_s);
    let width = (ui.available_width() - 3.0 * ui.spacing().item_spacing.x) / 3.0;
    let height = PLOT_PANEL_HEIGHT - 45.0;
    // One legend entry per channel; side by side the line style tells the directions apart.
    let styles = if n > 1 {
        " (solid: forward, dashed: backward)"
    } else {
        ""
    };
    // The two time plots: same size, legend, zero baseline and 4 s window.
    let time_plot = |id: &str| {
        Plot::new(id)
            .width(width)
            .height(height)
            .legend(
                Legend::default()
                    .position(egui_plot::Corner::LeftTop)
                    .background_alpha(0.6),
            )
            .include_y(0.0)
            .include_x(now - crate::lane::HISTORY_S)
    };
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(format!("Right knee load [BW] vs time [s]{styles}"));
            time_plot("knee").show(ui, |pu| {
                for l in lanes {
                    for (k, name) in ["tibiofemoral", "patellofemoral"].iter().enumerate() {
                        let pts: PlotPoints = l
                            .history
                            .iter()
                            .map(|s| {
                                [
                                    s.time_s,
                                    if k == 0 {
                                        s.tibiofemoral_bw
                                    } else {
                                        s.patellofemoral_bw
                                    },
                                ]
                            })
                            .collect();
                        pu.line(
                            Line::new(*name, pts)
                                .color(CHANNEL_COLOURS[k])
                                .style(line_style(l, n))
                                .width(2.0),
                        );
                    }
                }
            });
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(format!("Right-leg activation vs time [s]{styles}"));
            time_plot("activation").include_y(1.0).show(ui, |pu| {
                for l in lanes {
                    for (k, name) in PLOTTED_ACTIVATIONS.iter().enumerate() {
                        let pts: PlotPoints = l
                            .history
                            .iter()
                            .map(|s| [s.time_s, s.activations[k]])
                            .collect();
                        pu.line(
                            Line::new(*name, pts)
                                .color(CHANNEL_COLOURS[2 + k])
                                .style(line_style(l, n))
                                .width(2.0),
                        );
                    }
                }
            });
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label("Work per leg per stride [J]: concentric > 0 > eccentric");
            Plot::new("work")
                .width(width)
                .height(height)
                .legend(
                    Legend::default()
                        .position(egui_plot::Corner::RightTop)
                        .background_alpha(0.6),
                )
                .show_axes([false, true])
                .show_x(false)
                .show(ui, |pu| {
                    // Group names under the bars.
                    let lowest = lanes
                        .iter()
                        .flat_map(|l| l.work_per_stride.iter().map(|w| w.eccentric_j))
                        .fold(0.0, f64::min);
                    let highest = lanes
                        .iter()
                        .flat_map(|l| l.work_per_stride.iter().map(|w| w.concentric_j))
                        .fold(1.0, f64::max);
                    let below = lowest - 0.08 * (highest - lowest);
                    for (g, &group) in SHOWN_GROUPS.iter().enumerate() {
                        pu.text(egui_plot::Text::new(
                            "",
                            egui_plot::PlotPoint::new(g as f64, below),
                            short_group(group),
                        ));
                    }
                    let bar_w = 0.8 / n.max(1) as f64;
                    for (li, l) in lanes.iter().enumerate() {
                        let shift = (li as f64 - (n as f64 - 1.0) / 2.0) * bar_w;
                        let conc = l
                            .work_per_stride
                            .iter()
                            .enumerate()
                            .map(|(g, w)| Bar::new(g as f64 + shift, w.concentric_j).width(bar_w))
                            .collect();
                        let ecc = l
                            .work_per_stride
                            .iter()
                            .enumerate()
                            .map(|(g, w)| Bar::new(g as f64 + shift, w.eccentric_j).width(bar_w))
                            .collect();
                        let (c_col, e_col) = if l.config.direction == Direction::Forward {
                            (
                                egui::Color32::from_rgb(40, 110, 200),
                                egui::Color32::from_rgb(140, 180, 230),
                            )
                        } else {
                            (
                                egui::Color32::from_rgb(220, 110, 20),
                                egui::Color32::from_rgb(245, 190, 130),
                            )
                        };
                        let dir = direction_name(l.config.direction);
                        pu.bar_chart(BarChart::new(format!("{dir} concentric"), conc).color(c_col));
                        pu.bar_chart(BarChart::new(format!("{dir} eccentric"), ecc).color(e_col));
                    }
                });
        });
    });
}

fn short_group(g: musculo::MuscleGroup) -> &'static str {
    use musculo::MuscleGroup::*;
    match g {
        HipFlexors => "hip flex",
        Gluteals => "glut",
        Hamstrings => "hams",
        Quadriceps => "quads",
        Gastrocnemius => "gastroc",
        Soleus => "soleus",
        TibialisAnterior => "tib ant",
        HipAbductors => "abd",
        HipAdductors => "add",
    }
}

/// Labels naming each muscle group of the right leg and what it is doing, stacked in a column
/// beside each walker with leader lines to the muscle.
fn labels(
    ctx: &egui::Context,
    camera: &Camera,
    transform: &GlobalTransform,
    p: &crate::sim::Published,
    view: egui::Rect,
) {
    let painter = ctx
        .layer_painter(egui::LayerId::new(
            egui::Order::Background,
            egui::Id::new("muscle labels"),
        ))
        .with_clip_rect(view);
    let n = p.lanes.len();
    let font = egui::FontId::proportional(12.0);
    for (li, lane) in p.lanes.iter().enumerate() {
        let offset = lane_offset(li, n, lane.belt_size_m.0);
        let to_screen = |q: glam::DVec3| {
            camera
                .world_to_viewport(
                    transform,
                    offset + Vec3::new(q.x as f32, q.y as f32, q.z as f32),
                )
                .ok()
                .map(|v| egui::pos2(v.x, v.y))
        };
        let pelvis = lane.segments.first().map(|s| s.translation);
        let Some(pelvis) = pelvis.and_then(to_screen) else {
            continue;
        };
        let mut anchors: Vec<(egui::Pos2, &crate::lane::GroupView)> = lane
            .groups
            .iter()
            .filter_map(|g| to_screen(g.anchor).map(|a| (a, g)))
            .collect();
        anchors.sort_by(|a, b| a.0.y.total_cmp(&b.0.y));
        // Side by side, the first walker's labels go on its left, so they do not cover the
        // second walker.
        let on_left = n > 1 && li == 0;
        let column_x = if on_left {
            pelvis.x - 60.0
        } else {
            pelvis.x + 60.0
        };
        let mut y = f32::NEG_INFINITY;
        let below_belt = glam::DVec3::new(0.0, -0.3, lane.belt_size_m.1 / 2.0 + 0.1);
        if let Some(at) = to_screen(below_belt) {
            painter.text(
                at,
                egui::Align2::CENTER_TOP,
                format!("{} walking", direction_name(lane.config.direction)),
                egui::FontId::proportional(17.0),
                egui::Color32::from_rgb(20, 20, 30),
            );
        }
        for (anchor, g) in anchors {
            y = (anchor.y).max(y + 15.0);
            let at = egui::pos2(column_x, y);
            let colour = work_colour(g.work);
            painter.line_segment([anchor, at], egui::Stroke::new(1.0, colour));
            let (offset, align) = if on_left {
                (-3.0, egui::Align2::RIGHT_CENTER)
            } else {
                (3.0, egui::Align2::LEFT_CENTER)
            };
            painter.text(
                at + egui::vec2(offset, 0.0),
                align,
                format!("{}: {}", group_title(g.group), g.work.as_str()),
                font.clone(),
                colour,
            );
        }
    }
}

/// The explanation window: what the learner sees, with sources.
fn explanation(ui: &mut egui::Ui) {
    ui.label(
        "Each walker is a physics simulation: joint torques from a balance controller move a \
         rigid-body model (rapier3d) with compliant feet on a treadmill belt. Nothing is \
         played back from motion capture.",
    );
    ui.label(
        "Lines are muscles from origin to insertion, coloured by activation (viridis scale). \
         Activations come from static optimisation: every 5 ms the net joint moments are shared \
         among 22 Hill-type muscles so that the sum of squared activations is least \
         (Crowninshield & Brand 1981).",
    );
    ui.label(
        "Labels say what each group of the right leg is doing now: concentric = the fibres \
         shorten while active (positive work), eccentric = they lengthen while active \
         (negative work, braking).",
    );
    ui.label(
        "The knee spheres turn red with tibiofemoral compression (0-6 body weights); the plots \
         show tibiofemoral and patellofemoral force of the right knee. Patellofemoral force \
         follows the quadriceps force and the knee angle (van Eijden et al. 1986).",
    );
    ui.label(
        "Forward vs backward: in forward walking the quadriceps work mostly eccentrically at \
         loading response; walking backwards reverses the knee's power from absorption to \
         generation, so the quadriceps work more concentrically (Winter, Pluck & Yang 1989; \
         Flynn & Soutas-Little 1993). Backward walking is used in knee osteoarthritis \
         rehabilitation (Alghadir, Anwer, Sarkar et al. 2019) and uphill backward walking \
         raises quadriceps demand (Cha, Kim & Shin 2016).",
    );
    ui.label(
        "Caveat: walking forwards this walker lands on a nearly straight knee and loads it \
         much as people do (tibiofemoral peak ~3.5 BW; Kutzner et al. 2010 measured ~2.6 BW), \
         but with quick steps (~139 per minute at 1 m/s). Walking backwards it lands on a knee \
         bent ~48 deg, so its backward knee loads (~5 BW) are those of a bent-knee gait. See \
         docs/validation.md.",
    );
}

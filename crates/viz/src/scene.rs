//! The 3D scene: treadmills whose belts move and tilt, the walkers' segments as shaded meshes,
//! muscles as lines coloured by activation, ground reaction force arrows and the knees
//! coloured by their tibiofemoral load. Everything is read from the latest published views.

use bevy::prelude::*;
use musculo::Side;
use musculo::model::Shape;

use crate::colormap::activation_colour;
use crate::lane::LaneView;
use crate::sim::{Published, SimHandle};

/// The simulation thread, owned by the app.
#[derive(Resource)]
pub struct Sim(pub SimHandle);

/// The latest published simulation state, copied once per frame.
#[derive(Resource, Default)]
pub struct Latest(pub Published);

/// Display switches.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Show {
    /// Muscle lines.
    pub muscles: bool,
    /// Ground reaction force arrows.
    pub forces: bool,
    /// Teaching labels on the muscle groups.
    pub labels: bool,
}

impl Default for Show {
    fn default() -> Self {
        Self {
            muscles: true,
            forces: true,
            labels: true,
        }
    }
}

/// Muscle lines: thick, drawn over the bones (the muscle paths run inside the segments'
/// simplified shapes).
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct MuscleGizmos;

/// Force arrows.
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct ForceGizmos;

/// Marks everything rebuilt when the lanes change.
#[derive(Component)]
struct SceneItem;

#[derive(Component)]
struct SegmentBody {
    lane: usize,
    segment: usize,
}

#[derive(Component)]
struct BeltFrame {
    lane: usize,
}

#[derive(Component)]
struct Stripe {
    lane: usize,
    index: usize,
}

#[derive(Component)]
struct KneeMarker {
    lane: usize,
    side: Side,
    material: Handle<StandardMaterial>,
}

/// Which generation of lanes the meshes were built for.
#[derive(Resource, Default)]
struct Built(Option<u64>);

/// Stripes per belt.
const STRIPES: usize = 8;
/// Gap between the two treadmills side by side [m].
const LANE_GAP_M: f32 = 0.7;
/// Force arrow scale [m per body weight].
const ARROW_M_PER_BW: f32 = 0.5;
/// Tibiofemoral load at which the knee marker is fully red [body weights].
const KNEE_RED_BW: f64 = 6.0;
/// Colour of the walkers' segments (skin): its hue is used nowhere else, so the screenshot test
/// can find the walker by it.
pub const SEGMENT_COLOUR: [f32; 3] = [0.86, 0.66, 0.50];

/// World offset of lane `i` of `n`: side by side along x, forward walker on the left of a
/// side view.
pub fn lane_offset(i: usize, n: usize, belt_length_m: f64) -> Vec3 {
    if n < 2 {
        return Vec3::ZERO;
    }
    let pitch = belt_length_m as f32 + LANE_GAP_M;
    Vec3::new((i as f32 - (n - 1) as f32 / 2.0) * pitch, 0.0, 0.0)
}

/// Half the x extent of the lanes' centres, for the camera presets.
pub fn half_width(n: usize, belt_length_m: f64) -> f32 {
    lane_offset(n.saturating_sub(1), n, belt_length_m).x.abs()
}

fn v3(p: glam::DVec3) -> Vec3 {
    Vec3::new(p.x as f32, p.y as f32, p.z as f32)
}

fn quat(q: glam::DQuat) -> Quat {
    Quat::from_xyzw(q.x as f32, q.y as f32, q.z as f32, q.w as f32)
}

/// Scene plugin.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Latest>()
            .init_resource::<Built>()
            .init_resource::<Show>()
            .init_gizmo_group::<MuscleGizmos>()
            .init_gizmo_group::<ForceGizmos>()
            .insert_resource(ClearColor(Color::srgb(0.80, 0.85, 0.90)))
            .insert_resource(GlobalAmbientLight {
                color: Color::WHITE,
                brightness: 350.0,
                affects_lightmapped_meshes: true,
            })
            .add_systems(Startup, (setup_static, configure_gizmos))
            .add_systems(
                Update,
                (
                    fetch_latest,
                    rebuild,
                    update_segments,
                    update_belts,
                    update_knees,
                    draw_muscles,
                    draw_forces,
                )
                    .chain(),
            );
    }
}

fn configure_gizmos(mut store: ResMut<GizmoConfigStore>) {
    let (muscles, _) = store.config_mut::<MuscleGizmos>();
    muscles.line.width = 6.0;
    muscles.depth_bias = -1.0;
    let (forces, _) = store.config_mut::<ForceGizmos>();
    forces.line.width = 4.0;
    forces.depth_bias = -0.5;
}

fn setup_static(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    commands.spawn((
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        Transform::from_xyz(2.0, 6.0, 4.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    // The floor the treadmills stand on.
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::default().mesh().size(14.0, 8.0))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::srgb(0.62, 0.64, 0.66),
            perceptual_roughness: 0.9,
            ..default()
        })),
        Transform::from_xyz(0.0, -0.32, 0.0),
    ));
}

fn fetch_latest(sim: Res<Sim>, mut latest: ResMut<Latest>) {
    latest.0 = sim.0.latest();
}

#[allow(clippy::too_many_arguments)]
fn rebuild(
    mut commands: Commands,
    latest: Res<Latest>,
    mut built: ResMut<Built>,
    old: Query<Entity, With<SceneItem>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut orbit: ResMut<crate::camera::Orbit>,
    home: Res<crate::camera::InitialPreset>,
) {
    let p = &latest.0;
    if built.0 == Some(p.generation) || p.lanes.is_empty() {
        return;
    }
    for e in &old {
        commands.entity(e).despawn();
    }
    let skin = materials.add(StandardMaterial {
        base_color: Color::srgb(SEGMENT_COLOUR[0], SEGMENT_COLOUR[1], SEGMENT_COLOUR[2]),
        perceptual_roughness: 0.7,
        ..default()
    });
    let belt = materials.add(StandardMaterial {
        base_color: Color::srgb(0.16, 0.17, 0.18),
        perceptual_roughness: 0.95,
        ..default()
    });
    let stripe = materials.add(StandardMaterial {
        base_color: Color::srgb(0.55, 0.57, 0.6),
        perceptual_roughness: 0.9,
        ..default()
    });
    let frame = materials.add(StandardMaterial {
        base_color: Color::srgb(0.35, 0.37, 0.42),
        metallic: 0.4,
        perceptual_roughness: 0.5,
        ..default()
    });
    let n = p.lanes.len();
    for (lane, view) in p.lanes.iter().enumerate() {
        let (length, width) = (view.belt_size_m.0 as f32, view.belt_size_m.1 as f32);
        let offset = lane_offset(lane, n, view.belt_size_m.0);
        let travel = view.config.direction.sign() as f32;
        // The tilting part: belt, stripes, side rails and the console at the end the walker
        // travels towards.
        commands
            .spawn((
                SceneItem,
                BeltFrame { lane },
                Transform::from_translation(offset),
                Visibility::default(),
            ))
            .with_children(|c| {
                c.spawn((
                    Mesh3d(meshes.add(Cuboid::new(length, 0.1, width))),
                    MeshMaterial3d(belt.clone()),
                    Transform::from_xyz(0.0, -0.05, 0.0),
                ));
                for index in 0..STRIPES {
                    c.spawn((
                        Stripe { lane, index },
                        Mesh3d(meshes.add(Cuboid::new(0.05, 0.004, width * 0.96))),
                        MeshMaterial3d(stripe.clone()),
                        Transform::from_xyz(0.0, 0.001, 0.0),
                    ));
                }
                for z in [-1.0, 1.0] {
                    c.spawn((
                        Mesh3d(meshes.add(Cuboid::new(length + 0.25, 0.16, 0.06))),
                        MeshMaterial3d(frame.clone()),
                        Transform::from_xyz(0.0, -0.07, z * (width / 2.0 + 0.04)),
                    ));
                    c.spawn((
                        Mesh3d(meshes.add(Cylinder::new(0.025, 1.05))),
                        MeshMaterial3d(frame.clone()),
                        Transform::from_xyz(
                            travel * (length / 2.0 + 0.1),
                            0.52,
                            z * (width / 2.0 + 0.04),
                        ),
                    ));
                }
                c.spawn((
                    Mesh3d(meshes.add(Cuboid::new(0.2, 0.12, width + 0.16))),
                    MeshMaterial3d(frame.clone()),
                    Transform::from_xyz(travel * (length / 2.0 + 0.1), 1.08, 0.0),
                ));
            });
        for (segment, s) in view.segments.iter().enumerate() {
            let shapes = p_shapes(&latest.0, lane, segment);
            commands
                .spawn((
                    SceneItem,
                    SegmentBody { lane, segment },
                    Transform::from_translation(offset + v3(s.translation))
                        .with_rotation(quat(s.rotation)),
                    Visibility::default(),
                ))
                .with_children(|c| {
                    for shape in shapes {
                        let (mesh, t) = shape_mesh(&shape);
                        c.spawn((Mesh3d(meshes.add(mesh)), MeshMaterial3d(skin.clone()), t));
                    }
                });
        }
        for side in Side::BOTH {
            let material = materials.add(StandardMaterial {
                base_color: Color::WHITE,
                unlit: true,
                ..default()
            });
            commands.spawn((
                SceneItem,
                KneeMarker {
                    lane,
                    side,
                    material: material.clone(),
                },
                Mesh3d(meshes.add(Sphere::new(0.055))),
                MeshMaterial3d(material),
                Transform::from_translation(offset + v3(view.knees[side].centre)),
            ));
        }
    }
    let knee = p.lanes[0].knees[Side::Right].centre;
    *orbit = crate::camera::Orbit::preset(
        home.0,
        half_width(n, p.lanes[0].belt_size_m.0),
        lane_offset(0, n, p.lanes[0].belt_size_m.0) + v3(knee),
    );
    built.0 = Some(p.generation);
}

/// The drawing shapes of a lane's segment.
fn p_shapes(p: &Published, lane: usize, segment: usize) -> Vec<Shape> {
    p.shapes
        .get(lane)
        .and_then(|l| l.get(segment))
        .cloned()
        .unwrap_or_default()
}

fn shape_mesh(shape: &Shape) -> (Mesh, Transform) {
    match *shape {
        Shape::Capsule { from, to, radius } => {
            let (a, b) = (v3(from), v3(to));
            let axis = b - a;
            let len = axis.length();
            let rotation = if len > 1e-6 {
                Quat::from_rotation_arc(Vec3::Y, axis / len)
            } else {
                Quat::IDENTITY
            };
            (
                Capsule3d::new(radius as f32, len).mesh().into(),
                Transform::from_translation((a + b) / 2.0).with_rotation(rotation),
            )
        }
        Shape::Box {
            centre,
            half_extents,
        } => (
            Cuboid::from_size(v3(half_extents) * 2.0).mesh().into(),
            Transform::from_translation(v3(centre)),
        ),
        Shape::Sphere { centre, radius } => (
            Sphere::new(radius as f32).mesh().into(),
            Transform::from_translation(v3(centre)),
        ),
    }
}

fn update_segments(latest: Res<Latest>, mut q: Query<(&SegmentBody, &mut Transform)>) {
    let p = &latest.0;
    let n = p.lanes.len();
    for (b, mut t) in &mut q {
        if let Some(view) = p.lanes.get(b.lane)
            && let Some(s) = view.segments.get(b.segment)
        {
            t.translation = lane_offset(b.lane, n, view.belt_size_m.0) + v3(s.translation);
            t.rotation = quat(s.rotation);
        }
    }
}

fn update_belts(
    latest: Res<Latest>,
    mut frames: Query<(&BeltFrame, &mut Transform), Without<Stripe>>,
    mut stripes: Query<(&Stripe, &mut Transform), Without<BeltFrame>>,
) {
    let p = &latest.0;
    for (f, mut t) in &mut frames {
        if let Some(view) = p.lanes.get(f.lane) {
            t.rotation = Quat::from_rotation_z(view.belt_tilt_rad as f32);
        }
    }
    for (s, mut t) in &mut stripes {
        if let Some(view) = p.lanes.get(s.lane) {
            t.translation.x = stripe_position(view, s.index);
        }
    }
}

/// Where stripe `index` is along the belt [m from its centre]: evenly spaced, carried by the
/// belt's travel, wrapping round the rollers.
pub fn stripe_position(view: &LaneView, index: usize) -> f32 {
    let length = view.belt_size_m.0;
    let spacing = length / STRIPES as f64;
    let x = index as f64 * spacing + view.belt_travel_m;
    (x.rem_euclid(length) - length / 2.0) as f32
}

fn update_knees(
    latest: Res<Latest>,
    mut q: Query<(&KneeMarker, &mut Transform)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let p = &latest.0;
    let n = p.lanes.len();
    for (k, mut t) in &mut q {
        let Some(view) = p.lanes.get(k.lane) else {
            continue;
        };
        let knee = view.knees[k.side];
        t.translation = lane_offset(k.lane, n, view.belt_size_m.0) + v3(knee.centre);
        if let Some(mut m) = materials.get_mut(&k.material) {
            m.base_color = knee_colour(knee.tibiofemoral_bw);
        }
    }
}

/// White at no load to red at `KNEE_RED_BW` (6 body weights).
pub fn knee_colour(tibiofemoral_bw: f64) -> Color {
    let t = (tibiofemoral_bw / KNEE_RED_BW).clamp(0.0, 1.0) as f32;
    Color::srgb(1.0, 1.0 - 0.85 * t, 1.0 - 0.85 * t)
}

fn draw_muscles(latest: Res<Latest>, show: Res<Show>, mut gizmos: Gizmos<MuscleGizmos>) {
    if !show.muscles {
        return;
    }
    let p = &latest.0;
    let n = p.lanes.len();
    for (lane, view) in p.lanes.iter().enumerate() {
        let offset = lane_offset(lane, n, view.belt_size_m.0);
        for m in &view.muscles {
            let [r, g, b] = activation_colour(m.activation);
            gizmos.linestrip(
                m.points.iter().map(|&q| offset + v3(q)),
                Color::srgb(r, g, b),
            );
        }
    }
}

fn draw_forces(latest: Res<Latest>, show: Res<Show>, mut gizmos: Gizmos<ForceGizmos>) {
    if !show.forces {
        return;
    }
    let p = &latest.0;
    let n = p.lanes.len();
    for (lane, view) in p.lanes.iter().enumerate() {
        let offset = lane_offset(lane, n, view.belt_size_m.0);
        for f in &view.grf {
            let bw = (f.force.length() / view.weight_n) as f32;
            if bw < 0.02 {
                continue;
            }
            let start = offset + v3(f.point);
            let end = start + v3(f.force).normalize() * bw * ARROW_M_PER_BW;
            gizmos.arrow(start, end, Color::srgb(0.1, 0.75, 0.2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_sit_side_by_side_without_overlapping() {
        assert_eq!(lane_offset(0, 1, 2.0), Vec3::ZERO);
        let (a, b) = (lane_offset(0, 2, 2.0), lane_offset(1, 2, 2.0));
        assert!(a.x < 0.0 && b.x > 0.0, "forward on the left");
        assert!((b.x - a.x) > 2.0, "belts 2 m long do not overlap");
        assert_eq!(a.x, -b.x);
    }

    #[test]
    fn knee_colour_goes_from_white_to_red() {
        assert_eq!(knee_colour(0.0), Color::srgb(1.0, 1.0, 1.0));
        let red = knee_colour(100.0).to_srgba();
        assert!(red.red == 1.0 && red.green < 0.2 && red.blue < 0.2);
    }
}

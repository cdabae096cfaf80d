//! An orbit camera: drag to orbit, right- or middle-drag to pan, wheel to zoom, and preset
//! views. Pointer input over the egui panels is left to egui.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

/// Where the camera looks from.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct Orbit {
    /// Point looked at [m, world].
    pub focus: Vec3,
    /// Rotation about the vertical \[rad\]; 0 looks along −z (a side view of the walkers).
    pub yaw: f32,
    /// Elevation \[rad\], positive looking down.
    pub pitch: f32,
    /// Distance from the focus \[m\].
    pub distance: f32,
}

/// The view the app opens with and returns to when the lanes are rebuilt.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitialPreset(pub Preset);

/// The preset views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// From the walkers' right side, both treadmills in view.
    Side,
    /// From in front of the walker(s).
    Front,
    /// Close to the first walker's right knee.
    Knee,
}

impl Orbit {
    /// The preset view of a scene whose lanes span `half_width` metres either side of x = 0;
    /// `knee` is the first walker's right knee.
    pub fn preset(preset: Preset, half_width: f32, knee: Vec3) -> Self {
        match preset {
            Preset::Side => Self {
                focus: Vec3::new(0.0, 0.7, 0.0),
                yaw: 0.0,
                pitch: 0.08,
                distance: 2.3 + 1.25 * half_width,
            },
            Preset::Front => Self {
                focus: Vec3::new(0.0, 0.85, 0.0),
                yaw: std::f32::consts::FRAC_PI_2 - 0.35,
                pitch: 0.15,
                distance: 3.2 + 1.6 * half_width,
            },
            Preset::Knee => Self {
                focus: knee,
                yaw: 0.25,
                pitch: 0.1,
                distance: 1.3,
            },
        }
    }

    /// The camera transform.
    pub fn transform(&self) -> Transform {
        let rotation = Quat::from_euler(EulerRot::YXZ, self.yaw, -self.pitch, 0.0);
        let eye = self.focus + rotation * Vec3::new(0.0, 0.0, self.distance);
        Transform::from_translation(eye).looking_at(self.focus, Vec3::Y)
    }
}

/// Mouse control of the orbit, unless egui is using the pointer.
pub fn control(
    mut orbit: ResMut<Orbit>,
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui: Res<EguiWantsInput>,
) {
    if egui.wants_any_pointer_input() {
        return;
    }
    let d = motion.delta;
    if buttons.pressed(MouseButton::Left) {
        orbit.yaw -= d.x * 0.006;
        orbit.pitch = (orbit.pitch + d.y * 0.006).clamp(-1.2, 1.5);
    } else if buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle) {
        let t = orbit.transform();
        let k = orbit.distance * 0.0015;
        orbit.focus += (-t.right() * d.x + t.up() * d.y) * k;
    }
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    if lines != 0.0 {
        orbit.distance = (orbit.distance * 0.9f32.powf(lines)).clamp(0.3, 30.0);
    }
}

/// Moves the camera to the orbit.
pub fn apply(orbit: Res<Orbit>, mut camera: Query<&mut Transform, With<Camera3d>>) {
    if orbit.is_changed() {
        for mut t in &mut camera {
            *t = orbit.transform();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_side_view_looks_along_minus_z_at_its_focus() {
        let o = Orbit::preset(Preset::Side, 1.0, Vec3::ZERO);
        let t = o.transform();
        assert!(t.translation.z > 3.0);
        let forward = t.forward();
        assert!(forward.z < -0.9, "{forward:?}");
        let to_focus = (o.focus - t.translation).normalize();
        assert!(forward.dot(to_focus) > 0.999);
    }

    #[test]
    fn the_front_view_faces_the_walker() {
        // The walkers face +x, so the front camera sits on the +x side.
        let t = Orbit::preset(Preset::Front, 0.0, Vec3::ZERO).transform();
        assert!(t.translation.x > 2.0, "{:?}", t.translation);
    }
}

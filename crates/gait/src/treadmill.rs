//! The treadmill: a fixed, tilted box whose contacts carry the belt's surface velocity.
//!
//! rapier's contact-modification hook sets each solver contact's `tangent_velocity`, the
//! desired relative sliding velocity of the two surfaces, to the belt velocity; friction then
//! drags whatever stands on the belt along with it, exactly as a real belt does, while the
//! collider itself never moves (the sign convention is verified in this module's tests).
//!
//! The belt's drive is a [`BeltMotor`]: it starts the belt from rest over a ramp, and follows
//! live changes of speed and incline at the rates of a treadmill's motor and lift, so a caller
//! asks for a setting and the treadmill gets there as a real one does.

use glam::{DVec3, Vec3};
use rapier3d::prelude::*;
use serde::{Deserialize, Serialize};

use crate::spec::Direction;

/// Collision group of the walker's bodies.
pub const WALKER_GROUP: Group = Group::GROUP_1;
/// Collision group of the belt.
pub const BELT_GROUP: Group = Group::GROUP_2;

/// Size and surface of the treadmill, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TreadmillParams {
    /// Length of the walking surface \[m\]. Default 2.0 (a long research treadmill).
    pub length_m: f64,
    /// Width of the walking surface \[m\]. Default 0.8.
    pub width_m: f64,
    /// Coulomb friction coefficient of the belt. Default 0.8 (rubber belt on shoe sole,
    /// e.g. Chang et al. 2001, "Biomechanics of slips", Ergonomics 44:1217, dry rubber 0.6-1.0).
    pub friction: f64,
    /// Time the belt takes to reach its speed from rest \[s\]; the walker starts standing on the
    /// still belt, as a person does. Default 3 s (a gentle 0.3-0.5 m/s² start).
    pub start_ramp_s: f64,
    /// Rate at which the belt follows a live change of speed [m/s²]. Default 0.4 (a gentle
    /// treadmill motor, like the start-up ramp).
    pub speed_rate_mps2: f64,
    /// Rate at which the belt follows a live change of incline [%/s]. Default 1 (treadmill
    /// lifts take ~10-30 s for 15 %).
    pub incline_rate_pct_per_s: f64,
}

impl Default for TreadmillParams {
    fn default() -> Self {
        Self {
            length_m: 2.0,
            width_m: 0.8,
            friction: 0.8,
            start_ramp_s: 3.0,
            speed_rate_mps2: 0.4,
            incline_rate_pct_per_s: 1.0,
        }
    }
}

/// Belt speed and incline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BeltSetting {
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Grade [%], positive uphill in the direction of travel.
    pub incline_pct: f64,
}

/// The belt's drive: the start-up ramp from rest, and live changes of speed and incline
/// followed at [`TreadmillParams::speed_rate_mps2`] and
/// [`TreadmillParams::incline_rate_pct_per_s`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeltMotor {
    start_ramp_s: f64,
    speed_rate_mps2: f64,
    incline_rate_pct_per_s: f64,
    /// The setting the belt runs at now (before the start-up ramp).
    current: BeltSetting,
    /// The setting asked for.
    target: BeltSetting,
}

impl BeltMotor {
    /// A motor set to `setting`, starting the belt from rest.
    pub fn new(params: &TreadmillParams, setting: BeltSetting) -> Self {
        Self {
            start_ramp_s: params.start_ramp_s,
            speed_rate_mps2: params.speed_rate_mps2,
            incline_rate_pct_per_s: params.incline_rate_pct_per_s,
            current: setting,
            target: setting,
        }
    }

    /// Fraction of its speed the belt runs at `time_s` after the start (it ramps up from rest
    /// over [`TreadmillParams::start_ramp_s`]).
    pub fn fraction(&self, time_s: f64) -> f64 {
        if self.start_ramp_s <= 0.0 {
            1.0
        } else {
            (time_s / self.start_ramp_s).min(1.0)
        }
    }

    /// The setting the belt runs at now.
    pub fn current(&self) -> BeltSetting {
        self.current
    }

    /// The setting asked for.
    pub fn target(&self) -> BeltSetting {
        self.target
    }

    /// Asks for a new setting; the belt follows from the next step on.
    pub fn set_target(&mut self, target: BeltSetting) {
        self.target = target;
    }

    /// Moves the setting towards the target for one step of `dt_s`; returns whether it moved.
    pub fn advance(&mut self, dt_s: f64) -> bool {
        if self.current == self.target {
            return false;
        }
        // The last step lands on the target exactly, so the motor comes to rest.
        let toward = |now: f64, target: f64, rate: f64| {
            let max = rate * dt_s;
            if (target - now).abs() <= max {
                target
            } else {
                now + (target - now).clamp(-max, max)
            }
        };
        self.current = BeltSetting {
            speed_mps: toward(
                self.current.speed_mps,
                self.target.speed_mps,
                self.speed_rate_mps2,
            ),
            incline_pct: toward(
                self.current.incline_pct,
                self.target.incline_pct,
                self.incline_rate_pct_per_s,
            ),
        };
        true
    }
}

/// A built treadmill in a rapier world.
#[derive(Debug, Clone, Copy)]
pub struct Treadmill {
    /// The fixed body carrying the belt collider.
    body: RigidBodyHandle,
    /// The belt collider.
    collider: ColliderHandle,
    direction: Direction,
    motor: BeltMotor,
    /// Unit vector along the belt surface pointing in the walker's direction of travel.
    pub travel_axis: DVec3,
    /// Unit normal of the belt surface (up).
    pub normal: DVec3,
    /// Belt surface velocity in the world at full speed [m/s] (opposite to the direction of
    /// travel).
    pub belt_velocity: DVec3,
    /// Incline angle \[rad\], positive uphill in the direction of travel.
    pub incline_rad: f64,
}

impl Treadmill {
    /// Adds a treadmill whose surface passes through the world origin, tilted by
    /// `incline_pct` (grade: rise over run × 100) uphill in the direction of travel, with the
    /// belt moving at `speed_mps` against it. The walker faces +x in both directions; it travels
    /// towards +x when walking forwards and towards −x when walking backwards.
    pub fn build(
        bodies: &mut RigidBodySet,
        colliders: &mut ColliderSet,
        params: &TreadmillParams,
        direction: Direction,
        speed_mps: f64,
        incline_pct: f64,
    ) -> Self {
        let g = Geometry::new(direction, speed_mps, incline_pct);
        let tilt = g.tilt_rad;
        let body =
            bodies.insert(RigidBodyBuilder::fixed().rotation(Vec3::new(0.0, 0.0, tilt as f32)));
        let thickness = 0.05;
        let collider = colliders.insert_with_parent(
            ColliderBuilder::cuboid(
                (params.length_m / 2.0) as f32,
                thickness,
                (params.width_m / 2.0) as f32,
            )
            .translation(Vec3::new(0.0, -thickness, 0.0))
            .friction(params.friction as f32)
            .friction_combine_rule(CoefficientCombineRule::Min)
            .collision_groups(InteractionGroups::new(
                BELT_GROUP,
                WALKER_GROUP,
                InteractionTestMode::And,
            ))
            .active_hooks(ActiveHooks::MODIFY_SOLVER_CONTACTS),
            body,
            bodies,
        );
        let setting = BeltSetting {
            speed_mps,
            incline_pct,
        };
        Self {
            body,
            collider,
            direction,
            motor: BeltMotor::new(params, setting),
            travel_axis: g.travel_axis,
            normal: g.normal,
            belt_velocity: g.belt_velocity,
            incline_rad: g.incline_rad,
        }
    }

    /// The belt collider (the contact reader looks for the feet's contacts with it).
    pub(crate) fn collider(&self) -> ColliderHandle {
        self.collider
    }

    /// The belt's drive.
    pub fn motor(&self) -> &BeltMotor {
        &self.motor
    }

    /// Asks for a new speed and incline (live controls); [`Treadmill::advance`] moves the belt
    /// towards them.
    pub fn set_target(&mut self, target: BeltSetting) {
        self.motor.set_target(target);
    }

    /// One step of the motor: follows a live change of setting, turning the belt body to the
    /// new tilt about the same axis through the world origin as [`Treadmill::build`] placed it.
    pub fn advance(&mut self, bodies: &mut RigidBodySet, dt_s: f64) {
        if !self.motor.advance(dt_s) {
            return;
        }
        let s = self.motor.current();
        let g = Geometry::new(self.direction, s.speed_mps, s.incline_pct);
        bodies[self.body].set_rotation(Rotation::from_rotation_z(g.tilt_rad as f32), true);
        self.travel_axis = g.travel_axis;
        self.normal = g.normal;
        self.belt_velocity = g.belt_velocity;
        self.incline_rad = g.incline_rad;
    }

    /// Belt surface velocity at `time_s` after the start [m/s], with the start-up ramp.
    pub fn surface_velocity(&self, time_s: f64) -> DVec3 {
        self.belt_velocity * self.motor.fraction(time_s)
    }

    /// The hook to pass to `PhysicsPipeline::step`, for the belt moving at `fraction` of its
    /// speed (the belt starts from rest, see [`TreadmillParams::start_ramp_s`]).
    pub fn hooks(&self, fraction: f64) -> BeltHooks {
        BeltHooks {
            collider: self.collider,
            velocity: (self.belt_velocity * fraction).as_vec3(),
        }
    }

    /// Height of a world point above the belt surface \[m\].
    pub fn height_above(&self, p: DVec3) -> f64 {
        p.dot(self.normal)
    }

    /// Position of a world point along the belt, in the direction of travel, from its centre \[m\].
    pub fn along(&self, p: DVec3) -> f64 {
        p.dot(self.travel_axis)
    }
}

/// Orientation and velocity of a belt.
struct Geometry {
    tilt_rad: f64,
    travel_axis: DVec3,
    normal: DVec3,
    belt_velocity: DVec3,
    incline_rad: f64,
}

impl Geometry {
    fn new(direction: Direction, speed_mps: f64, incline_pct: f64) -> Self {
        let sign = direction.sign();
        let incline_rad = (incline_pct / 100.0).atan();
        // Uphill towards the direction of travel: the +x end rises when travelling to +x.
        let tilt_rad = sign * incline_rad;
        let travel_axis = DVec3::new(tilt_rad.cos(), tilt_rad.sin(), 0.0) * sign;
        Self {
            tilt_rad,
            travel_axis,
            normal: DVec3::new(-tilt_rad.sin(), tilt_rad.cos(), 0.0),
            belt_velocity: -travel_axis * speed_mps,
            incline_rad,
        }
    }
}

/// Contact hook that gives every contact with the belt the belt's surface velocity.
#[derive(Debug, Clone, Copy)]
pub struct BeltHooks {
    collider: ColliderHandle,
    velocity: Vec3,
}

impl PhysicsHooks for BeltHooks {
    fn modify_solver_contacts(&self, ctx: &mut ContactModificationContext) {
        // `tangent_velocity` is the desired velocity of collider 1's surface relative to
        // collider 2's: +v when the belt is collider 1, −v when it is collider 2.
        let s = if ctx.collider1 == self.collider {
            1.0
        } else if ctx.collider2 == self.collider {
            -1.0
        } else {
            return;
        };
        if let Some(m) = ctx.rigid_mut() {
            for c in m.solver_contacts.iter_mut() {
                c.tangent_velocity = self.velocity * s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn box_on_belt(direction: Direction, speed: f64, incline: f64) -> Vec3 {
        let mut w = PhysicsWorld::default();
        let t = Treadmill::build(
            &mut w.bodies,
            &mut w.colliders,
            &TreadmillParams::default(),
            direction,
            speed,
            incline,
        );
        let p = t.normal * 0.2;
        let b = w.bodies.insert(
            RigidBodyBuilder::dynamic()
                .can_sleep(false)
                .translation(p.as_vec3()),
        );
        w.colliders.insert_with_parent(
            ColliderBuilder::cuboid(0.1, 0.1, 0.1)
                .friction(1.0)
                .collision_groups(InteractionGroups::new(
                    WALKER_GROUP,
                    BELT_GROUP,
                    InteractionTestMode::And,
                )),
            b,
            &mut w.bodies,
        );
        w.integration_parameters.dt = 1.0 / 500.0;
        let hooks = t.hooks(1.0);
        // 0.5 s: friction brings the box to the belt's speed within about 0.15 s, and the box
        // stays well inside the 2 m belt.
        for _ in 0..250 {
            w.step_with_events(&hooks, &());
        }
        w.bodies[b].linvel()
    }

    #[test]
    fn a_box_on_the_belt_moves_with_the_belt_against_the_direction_of_travel() {
        let v = box_on_belt(Direction::Forward, 1.2, 0.0);
        assert!((v.x + 1.2).abs() < 1e-3 && v.y.abs() < 1e-3, "{v}");
        let v = box_on_belt(Direction::Backward, 0.8, 0.0);
        assert!((v.x - 0.8).abs() < 1e-3, "{v}");
    }

    #[test]
    fn the_motor_follows_a_new_setting_at_its_rates() {
        let params = TreadmillParams::default();
        let start = BeltSetting {
            speed_mps: 1.0,
            incline_pct: 0.0,
        };
        let mut m = BeltMotor::new(&params, start);
        assert_eq!(m.fraction(0.0), 0.0);
        assert_eq!(m.fraction(1.5), 0.5);
        assert_eq!(m.fraction(10.0), 1.0);
        assert!(!m.advance(1e-3), "at its setting the motor rests");
        let target = BeltSetting {
            speed_mps: 1.2,
            incline_pct: -2.0,
        };
        m.set_target(target);
        for _ in 0..100 {
            assert!(m.advance(1e-3));
        }
        // 0.1 s at 0.4 m/s² and 1 %/s.
        assert!(
            (m.current().speed_mps - 1.04).abs() < 1e-12,
            "{:?}",
            m.current()
        );
        assert!(
            (m.current().incline_pct + 0.1).abs() < 1e-12,
            "{:?}",
            m.current()
        );
        for _ in 0..2000 {
            m.advance(1e-3);
        }
        assert_eq!(m.current(), target);
        assert_eq!(m.target(), target);
    }

    #[test]
    fn incline_is_uphill_in_the_direction_of_travel() {
        // Forward at +10 %: travel is towards +x and uphill, so the belt carries the box
        // downhill towards -x and down.
        let v = box_on_belt(Direction::Forward, 1.0, 10.0);
        assert!(v.x < -0.9 && v.y < -0.09, "{v}");
        // Backward at +10 %: travel towards -x is uphill, so the belt runs down towards +x.
        let v = box_on_belt(Direction::Backward, 1.0, 10.0);
        assert!(v.x > 0.9 && v.y < -0.09, "{v}");
        assert!((v.length() - 1.0).abs() < 1e-3);
    }
}

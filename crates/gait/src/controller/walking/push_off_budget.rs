//! The push-off's work budget ([`Posture::push_off_work_per_kg`]): each stance may do so much
//! positive work with its push-off torque, set when its foot lands from the belt speed and the
//! kinetic-energy error then, and the torque fades in proportion to what is left of it.
//!
//! In the simplest walking model the push-off's work per step sets the speed (Kuo 2002, J
//! Biomech Eng 124:113-120; Kuo, Donelan & Ruina 2005, Exerc Sport Sci Rev 33:88-97); a torque
//! held until lift-off instead does more work the longer the step lasts, and a longer step
//! makes the body faster, which lengthens the next one (`docs/controller-tuning.md`, "A push-off
//! sized by its work").

use musculo::{Side, Sides};

use super::params::Posture;

/// The belt a stance starts on, as far as its budget depends on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Belt {
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Magnitude of gravity [m/s²].
    pub gravity_mps2: f64,
    /// Grade uphill in the direction of travel (rise over run; negative downhill).
    pub uphill: f64,
    /// Planned step time at this belt speed and grade \[s\].
    pub step_time_s: f64,
}

impl Belt {
    /// A level belt at `speed_mps`.
    #[cfg(test)]
    const fn level(speed_mps: f64) -> Self {
        Self {
            speed_mps,
            gravity_mps2: 9.81,
            uphill: 0.0,
            step_time_s: 0.5,
        }
    }
}

/// Each leg's budget and the work its push-off has done against it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct PushOffBudget {
    /// Positive work of each leg's push-off torque since its foot landed \[J\].
    work_j: Sides<f64>,
    /// Each leg's budget for its current stance \[J\].
    budget_j: Sides<f64>,
}

impl PushOffBudget {
    /// Opens `side`'s budget as its foot lands: `posture`'s work per kilogram at the belt
    /// speed, plus the posture's gain times the kinetic-energy error `½(v_d² − v²)` per
    /// kilogram (`v` and `v_d`: the centre of mass's speed relative to the belt along the
    /// direction of travel, and the desired one), plus the posture's share of the step's climb
    /// `g · s · v_belt · T` per kilogram ([`Posture::push_off_work_climb_share`]), never below
    /// zero.
    pub fn open(
        &mut self,
        side: Side,
        posture: &Posture,
        belt: &Belt,
        (v, v_d): (f64, f64),
        mass_kg: f64,
    ) {
        let base = posture.push_off_work_at(belt.speed_mps).unwrap_or(0.0);
        let error = 0.5 * (v_d * v_d - v * v) * posture.push_off_work_speed_gain;
        let climb = posture.push_off_work_climb_share
            * belt.gravity_mps2
            * belt.uphill
            * belt.speed_mps
            * belt.step_time_s;
        self.work_j[side] = 0.0;
        self.budget_j[side] = (base + error + climb).max(0.0) * mass_kg;
    }

    /// Share of the push-off torque `side` may still apply, 0…1: what is left of its budget
    /// (nothing of an empty one).
    pub fn share(&self, side: Side) -> f64 {
        let budget = self.budget_j[side];
        if budget > 0.0 {
            (1.0 - self.work_j[side] / budget).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Adds the positive work of `side`'s push-off torque `torque_nm` (plantarflexion
    /// negative) at the ankle's angular velocity `ankle_rate` (dorsiflexion positive) over
    /// `dt_s`. The torque is the push-off's request, before the joint's strength limits the
    /// ankle's total: the budget meters the controller's command, not the muscles' output.
    pub fn record(&mut self, side: Side, torque_nm: f64, ankle_rate: f64, dt_s: f64) {
        self.work_j[side] += (torque_nm * ankle_rate).max(0.0) * dt_s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::walking::WalkingParams;

    /// The default's forward posture with the budget's speed law of files written before the
    /// long steps (speed² above 1 m/s).
    fn posture(work: f64, gain: f64) -> Posture {
        let mut p = WalkingParams::default().forward;
        p.push_off_work_fast_speed_exponent = None;
        p.push_off_work_per_kg = Some(work);
        p.push_off_work_speed_gain = gain;
        p
    }

    /// The budget of a 70 kg walker's stance opened on `belt` at the speeds `(v, v_d)` \[J\].
    fn opened(p: &Posture, belt: &Belt, speeds: (f64, f64)) -> f64 {
        let mut b = PushOffBudget::default();
        b.open(Side::Left, p, belt, speeds, 70.0);
        b.budget_j[Side::Left]
    }

    #[test]
    fn the_budget_scales_with_the_speed_squared_and_the_energy_error() {
        let belt = Belt::level(1.2);
        // 0.3 J/kg at 1 m/s, 1.2 m/s belt, on pace: 0.3·1.44·70 J.
        let on_pace = opened(&posture(0.3, 1.0), &belt, (1.2, 1.2));
        assert!((on_pace - 0.3 * 1.44 * 70.0).abs() < 1e-9);
        // 0.2 m/s too fast: ½(1.44 − 1.96) = −0.26 J/kg less.
        let fast = opened(&posture(0.3, 1.0), &belt, (1.4, 1.2));
        assert!((fast - (0.432 - 0.26) * 70.0).abs() < 1e-9);
        // Far too fast: nothing, and then no push-off at all.
        let mut b = PushOffBudget::default();
        b.open(Side::Right, &posture(0.3, 2.0), &belt, (2.0, 1.2), 70.0);
        assert_eq!(b.budget_j[Side::Right], 0.0);
        assert_eq!(b.share(Side::Right), 0.0);
    }

    #[test]
    fn the_budget_adds_the_steps_climb_uphill_and_takes_it_off_downhill() {
        let mut p = posture(0.3, 0.0);
        p.push_off_work_climb_share = 1.0;
        let on = |uphill| Belt {
            uphill,
            ..Belt::level(1.2)
        };
        // 10 % uphill at 1.2 m/s, 0.5 s steps: 9.81·0.1·1.2·0.5 = 0.5886 J/kg more.
        let up = opened(&p, &on(0.1), (1.2, 1.2));
        assert!((up - (0.432 + 0.5886) * 70.0).abs() < 1e-9);
        // 5 % downhill: 0.2943 J/kg less.
        let down = opened(&p, &on(-0.05), (1.2, 1.2));
        assert!((down - (0.432 - 0.2943) * 70.0).abs() < 1e-9);
        // Without the share the slope changes nothing.
        p.push_off_work_climb_share = 0.0;
        let level = opened(&p, &on(0.1), (1.2, 1.2));
        assert!((level - 0.432 * 70.0).abs() < 1e-9);
    }

    #[test]
    fn the_share_fades_with_the_positive_work_done_and_reopens_at_touchdown() {
        let mut b = PushOffBudget::default();
        let (p, belt) = (posture(0.5, 0.0), Belt::level(1.0));
        b.open(Side::Left, &p, &belt, (1.0, 1.0), 10.0); // 5 J
        assert_eq!(b.share(Side::Left), 1.0);
        // Plantarflexing (rate < 0) under a plantarflexor torque (< 0): 100 W for 10 ms.
        b.record(Side::Left, -50.0, -2.0, 0.01);
        assert!((b.share(Side::Left) - 0.8).abs() < 1e-12);
        // Negative work (the ankle still dorsiflexing) does not refill it.
        b.record(Side::Left, -50.0, 2.0, 0.01);
        assert!((b.share(Side::Left) - 0.8).abs() < 1e-12);
        for _ in 0..10 {
            b.record(Side::Left, -50.0, -2.0, 0.01);
        }
        assert_eq!(b.share(Side::Left), 0.0, "spent");
        assert_eq!(b.share(Side::Right), 0.0, "never opened");
        b.open(Side::Left, &p, &belt, (1.0, 1.0), 10.0);
        assert_eq!(b.share(Side::Left), 1.0, "a new stance, a new budget");
    }
}

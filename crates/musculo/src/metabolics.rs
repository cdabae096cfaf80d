//! Metabolic energy rate of each muscle and of the whole body (Umberger's muscle energy model).
//!
//! Umberger, Gerritsen & Martin 2003, "A model of human muscle energy expenditure", Comput
//! Methods Biomech Biomed Engin 6:99-111, doi:10.1080/1025584031000091678, in the revision of
//! Umberger 2010, "Stance and swing phase costs in human walking", J R Soc Interface
//! 7:1329-1340, doi:10.1098/rsif.2010.0084, in the form OpenSim implements as
//! `Umberger2010MuscleMetabolicsProbe` (documented with Uchida, Hicks, Dembia & Delp 2016,
//! "Stretching your energetic budget: how tendon compliance affects the metabolic cost of
//! running", PLoS ONE 11:e0150378, doi:10.1371/journal.pone.0150378).
//!
//! Per muscle of mass `m`, in W/kg of muscle (`S` aerobic factor, `A` activation-dependence,
//! `r` slow-twitch fraction, `ṽ = v_CE / l_opt` in l_opt/s, negative when shortening,
//! `f_L` active force-length multiplier, `l̃ = l_CE / l_opt`):
//!
//! ```text
//! Ė = m (ḣ_AM + ḣ_SL + ẇ_CE)                    ≥ 0, with ḣ_AM + ḣ_SL ≥ 1 W/kg
//! A = u if u > a, else (u + a)/2
//! ḣ_AM = S A^0.6 (128 (1 − r) + 25)                       l̃ ≤ 1
//!      = S A^0.6 (128 (1 − r) + 25) (0.4 + 0.6 f_L)       l̃ > 1
//! ḣ_SL = S A² [r min(−α_ST ṽ, 100) − (1 − r) α_FT ṽ]      ṽ ≤ 0 (shortening)
//!      = S A α_L ṽ                                        ṽ > 0 (lengthening)
//!        (× f_L when l̃ > 1)
//! α_ST = 100 / ṽ_max,ST,  ṽ_max,ST = v_max / 2.5;  α_FT = 153 / v_max
//! α_L  = 0.3 α_ST (Umberger 2010) or 4 α_ST (Umberger 2003; Uchida 2016)
//! ẇ_CE = −F_CE v_CE / m   (F_CE = F_max a f_L f_V, the active fibre force;
//!                          Umberger 2010: 0 while lengthening)
//! ```
//!
//! A top-up that lifts the heat rate to the 1 W/kg floor is reported as its own term
//! ([`MuscleEnergyRate::minimum_heat_top_up_w`]), so the breakdown always sums to the total.
//!
//! `128 (1 − r) + 25` is Umberger 2003's `1.28·%FT + 25` with `%FT = 100 (1 − r)`.
//! The model's published equation numbers could not be checked against the paper text; the
//! terms are named as in the papers and as in OpenSim's probe, whose comments locate the
//! 1 W/kg floor on p. 104 and the 1.2 W/kg basal rate on p. 105 of Umberger 2003, and the
//! definition `ṽ = v_CE / l_opt` on p. 101.
//!
//! Whole body: `Ė_body = B + Σ Ė_muscle` with the basal rate `B = 1.2 W/kg × body mass`
//! (Umberger 2003, p. 105; OpenSim `basal_coefficient` 1.2, `basal_exponent` 1).
//!
//! Choices and departures, each a documented setting in [`MetabolicsSettings`]:
//! - Lengthening: by default Umberger 2010 as published — `α_L = 0.3 α_ST` and no negative
//!   mechanical work (ẇ_CE = 0 while lengthening), which OpenSim obtains with
//!   `include_negative_mechanical_work = false`. [`LengtheningModel::Uchida2016`] selects
//!   Umberger 2003's `α_L = 4 α_ST` with negative work counted, and then, as Uchida et al.
//!   2016 do after Constable, Barclay & Gibbs 1997 (J Physiol 505:205-215), raises the
//!   shortening-lengthening heat so that no muscle's total rate is negative.
//! - Fibre type: each muscle's slow-twitch fraction where the model gives one
//!   ([`crate::Muscle::slow_twitch_fraction`]: the built-in model's are Uchida et al. 2016's
//!   per-muscle fractions, weighted by the volumes of the anatomical muscles each model muscle
//!   stands for), otherwise one fraction for every muscle
//!   ([`MetabolicsSettings::slow_twitch_fraction`], default 0.5). With
//!   [`MetabolicsSettings::use_bhargava_recruitment`] the recruited slow fraction varies with
//!   excitation as in Bhargava, Pandy & Anderson 2004 (J Biomech 37:81-88), as OpenSim's probe
//!   does by default; off by default, as in Umberger 2010.
//! - Muscle mass `m = ρ V` from the muscle's measured volume `V` where the model gives one
//!   ([`crate::Muscle::volume_m3`]: the built-in model's volumes are Handsfield et al. 2014's
//!   MRI regressions on the subject's height × mass, J Biomech 47:631-638), otherwise from
//!   the physiological cross-section, `m = ρ (F_max / σ) l_opt` (Umberger 2003; OpenSim's
//!   default), with `ρ = 1059.7 kg/m³` and `σ = 0.25 MPa` (Umberger 2003). The cross-section
//!   form holds only where `F_max = σ · PCSA` at that σ; the built-in model's forces
//!   (gait10dof18musc) are not, and imply 1.8 times the measured volume of the same
//!   anatomical muscles (8 times for tibialis anterior), which the activation-maintenance heat
//!   scales with. OpenSim's probe offers the same choice (`use_provided_muscle_mass`).
//!   [`MetabolicsSettings::use_muscle_volumes`] turns the measured volumes off.
//! - Only the active fibre force does work here; passive fibre force is left out, as in
//!   OpenSim's probe. A negative active force (never produced by the curves) is taken as 0.
//! - The slow-twitch shortening term is capped at 100 W/kg (slow fibres cannot shorten
//!   faster than their own maximum velocity), as in OpenSim's probe.

use serde::{Deserialize, Serialize};

use crate::model::Model;
use crate::muscle::{FiberState, Muscle};
use crate::static_opt::MuscleSolution;

/// How lengthening (eccentric) contractions are charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum LengtheningModel {
    /// Umberger 2010 as published: lengthening heat coefficient `α_L = 0.3 α_ST`; negative
    /// mechanical work is not counted (`ẇ_CE = 0` while the fibre lengthens).
    #[default]
    Umberger2010,
    /// Umberger et al. 2003's `α_L = 4 α_ST` with negative work counted, and the
    /// shortening-lengthening heat raised where needed so that the muscle's total rate is not
    /// negative (Uchida et al. 2016; OpenSim's default).
    Uchida2016,
}

/// Parameters of the energy model, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetabolicsSettings {
    /// Fraction of slow-twitch (type I) fibres in a muscle without its own
    /// ([`MuscleProperties::slow_twitch_fraction`]), in [0, 1]. Default 0.5. **An assumption**
    /// where the model carries no fibre-type data.
    pub slow_twitch_fraction: f64,
    /// Aerobic scaling factor S: 1.5 for primarily aerobic activity such as walking, 1.0 for
    /// anaerobic (Umberger 2003). Default 1.5.
    pub aerobic_factor: f64,
    /// Muscle density ρ [kg/m³]. Default 1059.7 (Umberger 2003).
    pub muscle_density_kg_per_m3: f64,
    /// Specific tension σ \[Pa\]. Default 0.25 MPa (Umberger 2003).
    pub specific_tension_pa: f64,
    /// Basal metabolic rate [W per kg of body mass]. Default 1.2 (Umberger 2003, p. 105).
    pub basal_rate_w_per_kg: f64,
    /// Floor on each muscle's heat rate ḣ_AM + ḣ_SL [W per kg of muscle]; 0 disables it.
    /// Default 1.0 (Umberger 2003, p. 104).
    pub minimum_heat_rate_w_per_kg: f64,
    /// How lengthening is charged. Default [`LengtheningModel::Umberger2010`].
    pub lengthening: LengtheningModel,
    /// Vary the recruited slow-twitch fraction with excitation (Bhargava et al. 2004).
    /// Default false (Umberger 2010).
    pub use_bhargava_recruitment: bool,
    /// Take a muscle's mass from its measured volume where the model gives one
    /// ([`MuscleProperties::volume_m3`]) rather than from `ρ (F_max / σ) l_opt`. Default true
    /// (module docs).
    pub use_muscle_volumes: bool,
    /// Take a muscle's slow-twitch fraction from the model where it gives one
    /// ([`MuscleProperties::slow_twitch_fraction`]) rather than
    /// [`MetabolicsSettings::slow_twitch_fraction`]. Default true.
    pub use_muscle_fibre_types: bool,
}

impl Default for MetabolicsSettings {
    fn default() -> Self {
        Self {
            slow_twitch_fraction: 0.5,
            aerobic_factor: 1.5,
            muscle_density_kg_per_m3: 1059.7,
            specific_tension_pa: 0.25e6,
            basal_rate_w_per_kg: 1.2,
            minimum_heat_rate_w_per_kg: 1.0,
            lengthening: LengtheningModel::Umberger2010,
            use_bhargava_recruitment: false,
            use_muscle_volumes: true,
            use_muscle_fibre_types: true,
        }
    }
}

/// Why an energy rate could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetabolicsError {
    /// A setting is out of range.
    #[error("metabolics settings: {field} = {value}: {reason}")]
    Settings {
        /// Offending field.
        field: &'static str,
        /// Its value.
        value: f64,
        /// The accepted range.
        reason: &'static str,
    },
    /// A per-muscle input or muscle property is out of range or not finite.
    #[error("metabolics input `{field}` = {value}: {reason}")]
    Input {
        /// Offending input.
        field: &'static str,
        /// Its value.
        value: f64,
        /// The accepted range.
        reason: &'static str,
    },
    /// An input error of one muscle of a whole-body computation.
    #[error("muscle `{muscle}`: {source}")]
    Muscle {
        /// Muscle name (or `#index` when unnamed).
        muscle: String,
        /// The input error.
        #[source]
        source: Box<MetabolicsError>,
    },
    /// A static-optimisation solution does not match the model.
    #[error("the solution has {got} muscles; the model has {expected}")]
    MuscleCount {
        /// Muscles in the solution.
        got: usize,
        /// Muscles in the model.
        expected: usize,
    },
}

/// The muscle constants the energy model needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MuscleProperties {
    /// Maximum isometric force F_max \[N\].
    pub max_isometric_force_n: f64,
    /// Optimal fibre length l_opt \[m\].
    pub optimal_fiber_length_m: f64,
    /// Maximum contraction velocity v_max [l_opt/s] (the fast-twitch maximum, as in OpenSim).
    pub max_contraction_velocity_lopt_per_s: f64,
    /// Measured muscle volume \[m³\], if known (module docs: muscle mass).
    pub volume_m3: Option<f64>,
    /// Fraction of slow-twitch fibres, if known (module docs: fibre type).
    pub slow_twitch_fraction: Option<f64>,
}

impl From<&Muscle> for MuscleProperties {
    fn from(m: &Muscle) -> Self {
        Self {
            max_isometric_force_n: m.max_isometric_force_n,
            optimal_fiber_length_m: m.optimal_fiber_length_m,
            max_contraction_velocity_lopt_per_s: m.max_contraction_velocity_lopt_per_s,
            volume_m3: m.volume_m3,
            slow_twitch_fraction: m.slow_twitch_fraction,
        }
    }
}

/// The state of one muscle at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MuscleEnergyInput {
    /// Neural excitation u, in [0, 1].
    pub excitation: f64,
    /// Activation a, in [0, 1]. Equal to `excitation` under static optimisation.
    pub activation: f64,
    /// Normalised fibre length l̃ = l_CE / l_opt, ≥ 0.
    pub norm_fiber_length: f64,
    /// Fibre lengthening speed v_CE [m/s] (negative = shortening).
    pub fiber_velocity_mps: f64,
    /// Active force-length multiplier f_L, ≥ 0.
    pub active_force_length: f64,
    /// Active fibre force along the fibre F_CE = F_max a f_L f_V \[N\].
    pub active_fiber_force_n: f64,
}

impl MuscleEnergyInput {
    /// Input from a rigid-tendon fibre state at `activation`, with excitation = activation
    /// (static optimisation has no activation dynamics).
    pub fn from_fiber(fiber: &FiberState, props: &MuscleProperties, activation: f64) -> Self {
        Self {
            excitation: activation,
            activation,
            norm_fiber_length: fiber.fiber_length_m / props.optimal_fiber_length_m,
            fiber_velocity_mps: fiber.fiber_velocity_mps,
            active_force_length: fiber.active_force_length,
            active_fiber_force_n: props.max_isometric_force_n
                * activation
                * fiber.active_force_length
                * fiber.force_velocity,
        }
    }
}

/// Metabolic power of one muscle and its parts \[W\]. `total_w` is the sum of the other terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MuscleEnergyRate {
    /// Muscle mass used \[kg\].
    pub muscle_mass_kg: f64,
    /// Activation-maintenance heat rate m ḣ_AM \[W\].
    pub activation_maintenance_w: f64,
    /// Shortening-lengthening heat rate m ḣ_SL \[W\] (including any raise that keeps the total
    /// non-negative under [`LengtheningModel::Uchida2016`]).
    pub shortening_lengthening_w: f64,
    /// Heat added to reach the minimum heat rate \[W\] (0 when the heat rate is above it).
    pub minimum_heat_top_up_w: f64,
    /// Mechanical work rate of the contractile element m ẇ_CE \[W\].
    pub mechanical_work_w: f64,
    /// Total metabolic power Ė \[W\].
    pub total_w: f64,
}

impl MuscleEnergyRate {
    /// Total heat rate \[W\]: activation-maintenance + shortening-lengthening + top-up.
    pub fn heat_w(&self) -> f64 {
        self.activation_maintenance_w + self.shortening_lengthening_w + self.minimum_heat_top_up_w
    }
}

/// Metabolic power of the whole body at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WholeBodyRate {
    /// Each muscle's rate, in input order.
    pub muscles: Vec<MuscleEnergyRate>,
    /// Sum over the muscles \[W\].
    pub muscles_w: f64,
    /// Basal metabolic rate \[W\].
    pub basal_w: f64,
    /// Muscles plus basal \[W\].
    pub total_w: f64,
    /// Body mass \[kg\].
    pub body_mass_kg: f64,
    /// `total_w / body_mass_kg` [W/kg].
    pub total_w_per_kg: f64,
}

/// Muscle mass \[kg\] from the physiological cross-sectional area F_max / σ times the optimal
/// fibre length and the density: `m = ρ (F_max / σ) l_opt` (Umberger 2003).
pub fn muscle_mass_kg(
    props: &MuscleProperties,
    density_kg_per_m3: f64,
    specific_tension_pa: f64,
) -> f64 {
    density_kg_per_m3 * props.max_isometric_force_n / specific_tension_pa
        * props.optimal_fiber_length_m
}

/// Cost of transport [J/(kg·m)]: metabolic power per kg divided by the walking speed.
/// The speed's sign (backward walking) does not matter. With the whole-body total (basal
/// included) this is the gross cost; subtract the basal rate first for the net cost.
pub fn cost_of_transport_j_per_kg_m(
    power_w_per_kg: f64,
    speed_mps: f64,
) -> Result<f64, MetabolicsError> {
    if !power_w_per_kg.is_finite() {
        return Err(MetabolicsError::Input {
            field: "power_w_per_kg",
            value: power_w_per_kg,
            reason: "must be finite",
        });
    }
    let speed = speed_mps.abs();
    if !(speed.is_finite() && speed > 0.0) {
        return Err(MetabolicsError::Input {
            field: "speed_mps",
            value: speed_mps,
            reason: "must be finite and non-zero",
        });
    }
    Ok(power_w_per_kg / speed)
}

/// The Umberger energy model with validated settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UmbergerMetabolics {
    settings: MetabolicsSettings,
}

impl UmbergerMetabolics {
    /// Checks the settings.
    pub fn new(settings: MetabolicsSettings) -> Result<Self, MetabolicsError> {
        let s = &settings;
        let checks: [(&'static str, f64, bool, &'static str); 6] = [
            (
                "slow_twitch_fraction",
                s.slow_twitch_fraction,
                (0.0..=1.0).contains(&s.slow_twitch_fraction),
                "must be in [0, 1]",
            ),
            (
                "aerobic_factor",
                s.aerobic_factor,
                s.aerobic_factor > 0.0 && s.aerobic_factor <= 10.0,
                "must be in (0, 10]",
            ),
            (
                "muscle_density_kg_per_m3",
                s.muscle_density_kg_per_m3,
                s.muscle_density_kg_per_m3 > 0.0 && s.muscle_density_kg_per_m3.is_finite(),
                "must be positive and finite",
            ),
            (
                "specific_tension_pa",
                s.specific_tension_pa,
                s.specific_tension_pa > 0.0 && s.specific_tension_pa.is_finite(),
                "must be positive and finite",
            ),
            (
                "basal_rate_w_per_kg",
                s.basal_rate_w_per_kg,
                s.basal_rate_w_per_kg >= 0.0 && s.basal_rate_w_per_kg.is_finite(),
                "must be non-negative and finite",
            ),
            (
                "minimum_heat_rate_w_per_kg",
                s.minimum_heat_rate_w_per_kg,
                s.minimum_heat_rate_w_per_kg >= 0.0 && s.minimum_heat_rate_w_per_kg.is_finite(),
                "must be non-negative and finite",
            ),
        ];
        for (field, value, ok, reason) in checks {
            if !ok {
                return Err(MetabolicsError::Settings {
                    field,
                    value,
                    reason,
                });
            }
        }
        Ok(Self { settings })
    }

    /// The settings in use.
    pub fn settings(&self) -> &MetabolicsSettings {
        &self.settings
    }

    /// Muscle mass \[kg\]: the configured density times the measured volume, if the muscle
    /// has one and [`MetabolicsSettings::use_muscle_volumes`] is set; otherwise from force and
    /// fibre length with the configured specific tension ([`muscle_mass_kg`]).
    pub fn muscle_mass_kg(&self, props: &MuscleProperties) -> f64 {
        match props.volume_m3 {
            Some(v) if self.settings.use_muscle_volumes => {
                self.settings.muscle_density_kg_per_m3 * v
            }
            _ => muscle_mass_kg(
                props,
                self.settings.muscle_density_kg_per_m3,
                self.settings.specific_tension_pa,
            ),
        }
    }

    /// The muscle's slow-twitch fraction `r`: its own if it has one and
    /// [`MetabolicsSettings::use_muscle_fibre_types`] is set, else the configured one.
    pub fn slow_twitch_fraction(&self, props: &MuscleProperties) -> f64 {
        match props.slow_twitch_fraction {
            Some(r) if self.settings.use_muscle_fibre_types => r,
            _ => self.settings.slow_twitch_fraction,
        }
    }

    /// Slow-twitch fraction of the recruited fibres of a muscle whose fraction is `r` at
    /// excitation `u`: `r`, or with Bhargava et al. 2004's recruitment `r sin(πu/2) / (r
    /// sin(πu/2) + (1 − r)(1 − cos(πu/2)))` (1 at zero excitation), which equals it at full
    /// excitation.
    fn recruited_slow_fraction(&self, r: f64, excitation: f64) -> f64 {
        if !self.settings.use_bhargava_recruitment {
            return r;
        }
        let half_pi_u = 0.5 * std::f64::consts::PI * excitation;
        let slow = r * half_pi_u.sin();
        let fast = (1.0 - r) * (1.0 - half_pi_u.cos());
        if slow + fast > 0.0 {
            slow / (slow + fast)
        } else {
            1.0
        }
    }

    /// Metabolic power of one muscle \[W\] with its breakdown (module docs for the equations).
    pub fn muscle_rate(
        &self,
        props: &MuscleProperties,
        input: &MuscleEnergyInput,
    ) -> Result<MuscleEnergyRate, MetabolicsError> {
        check_properties(props)?;
        check_input(input)?;
        let s = &self.settings;
        let mass = self.muscle_mass_kg(props);
        let (u, a) = (input.excitation, input.activation);
        let f_l = input.active_force_length;
        let lengthened = input.norm_fiber_length > 1.0;

        // Activation dependence: excitation while activating, else the mean of u and a.
        let big_a = if u > a { u } else { 0.5 * (u + a) };
        let r = self.recruited_slow_fraction(self.slow_twitch_fraction(props), u);

        // Activation-maintenance heat [W/kg]; beyond optimal length 60 % of it scales with
        // filament overlap (f_L).
        let nominal_am = 128.0 * (1.0 - r) + 25.0;
        let length_factor = if lengthened { 0.4 + 0.6 * f_l } else { 1.0 };
        let h_am = s.aerobic_factor * big_a.powf(0.6) * nominal_am * length_factor;

        // Shortening-lengthening heat [W/kg], fibre speed in optimal lengths per second.
        let v_norm = input.fiber_velocity_mps / props.optimal_fiber_length_m;
        let v_max_fast = props.max_contraction_velocity_lopt_per_s;
        let alpha_slow = 100.0 / (v_max_fast / 2.5);
        let alpha_fast = 153.0 / v_max_fast;
        let mut h_sl = if v_norm <= 0.0 {
            // −ṽ written as |ṽ| so that an isometric fibre gives +0, not −0.
            let slow = (alpha_slow * v_norm.abs()).min(100.0);
            let fast = alpha_fast * v_norm.abs();
            s.aerobic_factor * big_a * big_a * (r * slow + (1.0 - r) * fast)
        } else {
            let alpha_l = match s.lengthening {
                LengtheningModel::Umberger2010 => 0.3 * alpha_slow,
                LengtheningModel::Uchida2016 => 4.0 * alpha_slow,
            };
            s.aerobic_factor * big_a * alpha_l * v_norm
        };
        if lengthened {
            h_sl *= f_l;
        }

        // Mechanical work rate of the contractile element [W/kg].
        let force = input.active_fiber_force_n.max(0.0);
        let shortening = input.fiber_velocity_mps <= 0.0;
        let w_ce = match (s.lengthening, shortening) {
            (_, true) => force * input.fiber_velocity_mps.abs() / mass,
            (LengtheningModel::Umberger2010, false) => 0.0,
            (LengtheningModel::Uchida2016, false) => -force * input.fiber_velocity_mps / mass,
        };

        // Uchida et al. 2016: stored energy is eventually released as heat, so a muscle never
        // returns energy to the body's metabolism.
        if s.lengthening == LengtheningModel::Uchida2016 {
            let before = h_am + h_sl + w_ce;
            if before < 0.0 {
                h_sl -= before;
            }
        }

        // Umberger 2003, p. 104: the heat rate never falls below the floor.
        let top_up = (s.minimum_heat_rate_w_per_kg - (h_am + h_sl)).max(0.0);

        let rate = MuscleEnergyRate {
            muscle_mass_kg: mass,
            activation_maintenance_w: mass * h_am,
            shortening_lengthening_w: mass * h_sl,
            minimum_heat_top_up_w: mass * top_up,
            mechanical_work_w: mass * w_ce,
            total_w: mass * (h_am + h_sl + top_up + w_ce),
        };
        Ok(rate)
    }

    /// Whole-body metabolic power: the muscles' rates plus the basal rate of a body of
    /// `body_mass_kg`. Each item is a muscle's constants, its state and a name for errors.
    pub fn whole_body<'a>(
        &self,
        body_mass_kg: f64,
        muscles: impl IntoIterator<Item = (&'a str, MuscleProperties, MuscleEnergyInput)>,
    ) -> Result<WholeBodyRate, MetabolicsError> {
        if !(body_mass_kg.is_finite() && body_mass_kg > 0.0) {
            return Err(MetabolicsError::Input {
                field: "body_mass_kg",
                value: body_mass_kg,
                reason: "must be positive and finite",
            });
        }
        let rates = muscles
            .into_iter()
            .map(|(name, props, input)| {
                self.muscle_rate(&props, &input)
                    .map_err(|e| MetabolicsError::Muscle {
                        muscle: name.to_owned(),
                        source: Box::new(e),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let muscles_w = rates.iter().map(|r| r.total_w).sum::<f64>();
        let basal_w = self.settings.basal_rate_w_per_kg * body_mass_kg;
        let total_w = muscles_w + basal_w;
        Ok(WholeBodyRate {
            muscles: rates,
            muscles_w,
            basal_w,
            total_w,
            body_mass_kg,
            total_w_per_kg: total_w / body_mass_kg,
        })
    }

    /// Whole-body metabolic power of one static-optimisation frame of `model` (excitation =
    /// activation; body mass from the model's subject).
    pub fn from_solution(
        &self,
        model: &Model,
        solution: &MuscleSolution,
    ) -> Result<WholeBodyRate, MetabolicsError> {
        let n = model.muscles.len();
        for got in [solution.activations.len(), solution.fibers.len()] {
            if got != n {
                return Err(MetabolicsError::MuscleCount { got, expected: n });
            }
        }
        let items = model.muscles.iter().enumerate().map(|(i, m)| {
            let props = MuscleProperties::from(m);
            let input =
                MuscleEnergyInput::from_fiber(&solution.fibers[i], &props, solution.activations[i]);
            (m.name.as_str(), props, input)
        });
        self.whole_body(model.subject.mass_kg, items)
    }
}

fn check_properties(p: &MuscleProperties) -> Result<(), MetabolicsError> {
    for (field, value) in [
        ("max_isometric_force_n", p.max_isometric_force_n),
        ("optimal_fiber_length_m", p.optimal_fiber_length_m),
        (
            "max_contraction_velocity_lopt_per_s",
            p.max_contraction_velocity_lopt_per_s,
        ),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return Err(MetabolicsError::Input {
                field,
                value,
                reason: "must be positive and finite",
            });
        }
    }
    if let Some(value) = p.volume_m3
        && !(value.is_finite() && value > 0.0)
    {
        return Err(MetabolicsError::Input {
            field: "volume_m3",
            value,
            reason: "must be positive and finite",
        });
    }
    if let Some(value) = p.slow_twitch_fraction
        && !(0.0..=1.0).contains(&value)
    {
        return Err(MetabolicsError::Input {
            field: "slow_twitch_fraction",
            value,
            reason: "must be in [0, 1]",
        });
    }
    Ok(())
}

fn check_input(x: &MuscleEnergyInput) -> Result<(), MetabolicsError> {
    for (field, value) in [("excitation", x.excitation), ("activation", x.activation)] {
        if !(0.0..=1.0).contains(&value) {
            return Err(MetabolicsError::Input {
                field,
                value,
                reason: "must be in [0, 1]",
            });
        }
    }
    for (field, value) in [
        ("norm_fiber_length", x.norm_fiber_length),
        ("active_force_length", x.active_force_length),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(MetabolicsError::Input {
                field,
                value,
                reason: "must be non-negative and finite",
            });
        }
    }
    for (field, value) in [
        ("fiber_velocity_mps", x.fiber_velocity_mps),
        ("active_fiber_force_n", x.active_fiber_force_n),
    ] {
        if !value.is_finite() {
            return Err(MetabolicsError::Input {
                field,
                value,
                reason: "must be finite",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A muscle of exactly 1 kg: F_max l_opt = σ / ρ.
    fn one_kg_muscle() -> MuscleProperties {
        let l_opt = 0.1;
        MuscleProperties {
            max_isometric_force_n: 0.25e6 / (1059.7 * l_opt),
            optimal_fiber_length_m: l_opt,
            max_contraction_velocity_lopt_per_s: 10.0,
            volume_m3: None,
            slow_twitch_fraction: None,
        }
    }

    fn isometric(a: f64, f_max: f64) -> MuscleEnergyInput {
        MuscleEnergyInput {
            excitation: a,
            activation: a,
            norm_fiber_length: 1.0,
            fiber_velocity_mps: 0.0,
            active_force_length: 1.0,
            active_fiber_force_n: f_max * a,
        }
    }

    fn energy(settings: MetabolicsSettings) -> UmbergerMetabolics {
        UmbergerMetabolics::new(settings).unwrap()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn muscle_mass_follows_from_pcsa_density_and_fibre_length() {
        // Gastrocnemius of gait10dof18musc: 2500 N, 6 cm fibres.
        let p = MuscleProperties {
            max_isometric_force_n: 2500.0,
            optimal_fiber_length_m: 0.06,
            max_contraction_velocity_lopt_per_s: 10.0,
            volume_m3: None,
            slow_twitch_fraction: None,
        };
        // 1059.7 kg/m³ × (2500 N / 0.25 MPa = 0.01 m²) × 0.06 m = 0.63582 kg
        assert!(close(muscle_mass_kg(&p, 1059.7, 0.25e6), 0.63582, 1e-12));
        assert!(close(
            energy(MetabolicsSettings::default()).muscle_mass_kg(&one_kg_muscle()),
            1.0,
            1e-12
        ));
    }

    #[test]
    fn a_measured_volume_gives_the_mass_unless_switched_off() {
        // 2 L of muscle: 2.1194 kg, whatever its force and fibre length say (1 kg).
        let p = MuscleProperties {
            volume_m3: Some(2e-3),
            ..one_kg_muscle()
        };
        assert!(close(
            energy(MetabolicsSettings::default()).muscle_mass_kg(&p),
            2.1194,
            1e-12
        ));
        let off = MetabolicsSettings {
            use_muscle_volumes: false,
            ..MetabolicsSettings::default()
        };
        assert!(close(energy(off).muscle_mass_kg(&p), 1.0, 1e-12));
        // The heat scales with the mass: twice the isometric rate per kg times 2.1194 kg.
        let x = isometric(0.5, p.max_isometric_force_n);
        let per_kg = energy(off)
            .muscle_rate(&one_kg_muscle(), &x)
            .unwrap()
            .total_w;
        let r = energy(MetabolicsSettings::default())
            .muscle_rate(&p, &x)
            .unwrap();
        assert!(close(r.total_w, 2.1194 * per_kg, 1e-9), "{r:?}");
        for bad in [0.0, -1e-3, f64::NAN] {
            let q = MuscleProperties {
                volume_m3: Some(bad),
                ..one_kg_muscle()
            };
            let err = energy(MetabolicsSettings::default())
                .muscle_rate(&q, &x)
                .unwrap_err();
            assert!(err.to_string().contains("volume_m3"), "{err}");
        }
    }

    #[test]
    fn a_muscles_own_fibre_type_sets_its_heat_unless_switched_off() {
        // Activation-maintenance heat per kg at full isometric activation, S (128 (1 − r) + 25):
        // 133.5 W/kg at r = 0.5 (the setting), 70.14 W/kg at the muscle's own r = 0.83.
        let own = MuscleProperties {
            slow_twitch_fraction: Some(0.83),
            ..one_kg_muscle()
        };
        let x = isometric(1.0, own.max_isometric_force_n);
        let am = |settings, p: &MuscleProperties| {
            energy(settings)
                .muscle_rate(p, &x)
                .unwrap()
                .activation_maintenance_w
        };
        assert!(close(am(MetabolicsSettings::default(), &own), 70.14, 1e-9));
        let off = MetabolicsSettings {
            use_muscle_fibre_types: false,
            ..MetabolicsSettings::default()
        };
        assert!(close(am(off, &own), 133.5, 1e-9));
        assert!(close(
            am(MetabolicsSettings::default(), &one_kg_muscle()),
            133.5,
            1e-9
        ));
        let bad = MuscleProperties {
            slow_twitch_fraction: Some(1.2),
            ..one_kg_muscle()
        };
        let err = energy(MetabolicsSettings::default())
            .muscle_rate(&bad, &x)
            .unwrap_err();
        assert!(err.to_string().contains("slow_twitch_fraction"), "{err}");
    }

    #[test]
    fn zero_activation_costs_only_the_minimum_heat_rate() {
        let m = energy(MetabolicsSettings::default());
        let p = one_kg_muscle();
        for v in [-0.3, 0.0, 0.3] {
            let x = MuscleEnergyInput {
                fiber_velocity_mps: v,
                ..isometric(0.0, p.max_isometric_force_n)
            };
            let r = m.muscle_rate(&p, &x).unwrap();
            assert_eq!(r.activation_maintenance_w, 0.0);
            assert_eq!(r.shortening_lengthening_w, 0.0);
            assert_eq!(r.mechanical_work_w, 0.0);
            assert!(close(r.minimum_heat_top_up_w, 1.0, 1e-12));
            assert!(close(r.total_w, 1.0, 1e-12), "{r:?}");
        }
    }

    #[test]
    fn isometric_full_activation_gives_the_published_activation_maintenance_rate() {
        // 50 % fast twitch: 1.28·50 + 25 = 89 W/kg unscaled, × S = 1.5 → 133.5 W/kg.
        let m = energy(MetabolicsSettings::default());
        let p = MuscleProperties {
            max_isometric_force_n: 2500.0,
            optimal_fiber_length_m: 0.06,
            max_contraction_velocity_lopt_per_s: 10.0,
            volume_m3: None,
            slow_twitch_fraction: None,
        };
        let r = m.muscle_rate(&p, &isometric(1.0, 2500.0)).unwrap();
        let mass = 0.63582;
        assert!(
            close(r.activation_maintenance_w / mass, 133.5, 1e-9),
            "{r:?}"
        );
        assert_eq!(r.shortening_lengthening_w, 0.0);
        assert_eq!(r.mechanical_work_w.abs(), 0.0);
        assert_eq!(r.minimum_heat_top_up_w, 0.0);
        assert!(close(r.total_w, 133.5 * mass, 1e-9));
        // All slow twitch: 25 W/kg × 1.5; all fast: 153 W/kg × 1.5.
        for (slow, expected) in [(1.0, 37.5), (0.0, 229.5)] {
            let m = energy(MetabolicsSettings {
                slow_twitch_fraction: slow,
                ..MetabolicsSettings::default()
            });
            let r = m.muscle_rate(&p, &isometric(1.0, 2500.0)).unwrap();
            assert!(close(r.activation_maintenance_w / mass, expected, 1e-9));
        }
    }

    #[test]
    fn shortening_adds_positive_work_and_heat() {
        let m = energy(MetabolicsSettings::default());
        let p = one_kg_muscle();
        let still = m.muscle_rate(&p, &isometric(0.6, 1000.0)).unwrap();
        let x = MuscleEnergyInput {
            fiber_velocity_mps: -0.3,
            active_fiber_force_n: 500.0,
            ..isometric(0.6, 1000.0)
        };
        let moving = m.muscle_rate(&p, &x).unwrap();
        assert!(moving.shortening_lengthening_w > 0.0);
        assert!(close(moving.mechanical_work_w, 150.0, 1e-12));
        assert!(close(
            moving.activation_maintenance_w,
            still.activation_maintenance_w,
            1e-12
        ));
        assert!(moving.total_w > still.total_w + 150.0);
    }

    #[test]
    fn one_kilogram_muscle_worked_by_hand() {
        // u = a = 0.5 → A = 0.5; l̃ = 1; v = −0.2 m/s with l_opt = 0.1 m → ṽ = −2 l_opt/s;
        // v_max = 10 l_opt/s → α_ST = 100/4 = 25, α_FT = 15.3; F_CE = 600 N; m = 1 kg.
        // ḣ_AM = 1.5 · 0.5^0.6 · 89            = 88.0772... W/kg
        // ḣ_SL = 1.5 · 0.25 · (0.5·50 + 0.5·30.6) = 15.1125 W/kg
        // ẇ_CE = 600 N · 0.2 m/s / 1 kg         = 120 W/kg
        let m = energy(MetabolicsSettings::default());
        let x = MuscleEnergyInput {
            excitation: 0.5,
            activation: 0.5,
            norm_fiber_length: 1.0,
            fiber_velocity_mps: -0.2,
            active_force_length: 1.0,
            active_fiber_force_n: 600.0,
        };
        let r = m.muscle_rate(&one_kg_muscle(), &x).unwrap();
        let am = 1.5 * 0.5f64.powf(0.6) * 89.0;
        assert!(close(am, 88.0772, 1e-4));
        assert!(close(r.muscle_mass_kg, 1.0, 1e-12));
        assert!(close(r.activation_maintenance_w, am, 1e-9));
        assert!(close(r.shortening_lengthening_w, 15.1125, 1e-9));
        assert!(close(r.mechanical_work_w, 120.0, 1e-9));
        assert_eq!(r.minimum_heat_top_up_w, 0.0);
        assert!(close(r.total_w, am + 15.1125 + 120.0, 1e-9));
        assert!(close(r.heat_w() + r.mechanical_work_w, r.total_w, 1e-12));
    }

    #[test]
    fn excitation_above_activation_sets_the_activation_dependence() {
        // u > a → A = u; u ≤ a → A = (u + a)/2.
        let m = energy(MetabolicsSettings::default());
        let p = one_kg_muscle();
        let rising = MuscleEnergyInput {
            excitation: 0.8,
            activation: 0.2,
            ..isometric(0.2, 100.0)
        };
        let falling = MuscleEnergyInput {
            excitation: 0.2,
            activation: 0.8,
            ..isometric(0.2, 100.0)
        };
        let am = |a: f64| 133.5 * a.powf(0.6);
        assert!(close(
            m.muscle_rate(&p, &rising).unwrap().activation_maintenance_w,
            am(0.8),
            1e-9
        ));
        assert!(close(
            m.muscle_rate(&p, &falling)
                .unwrap()
                .activation_maintenance_w,
            am(0.5),
            1e-9
        ));
    }

    #[test]
    fn umberger_2010_lengthening_charges_heat_but_no_negative_work() {
        let m = energy(MetabolicsSettings::default());
        let x = MuscleEnergyInput {
            fiber_velocity_mps: 0.2, // ṽ = +2 l_opt/s
            active_fiber_force_n: 1500.0,
            ..isometric(1.0, 1500.0)
        };
        let r = m.muscle_rate(&one_kg_muscle(), &x).unwrap();
        // α_L = 0.3 · 25 = 7.5; ḣ_SL = 1.5 · 1 · 7.5 · 2 = 22.5 W/kg.
        assert!(close(r.shortening_lengthening_w, 22.5, 1e-9));
        assert_eq!(r.mechanical_work_w, 0.0);
        assert!(close(r.total_w, 133.5 + 22.5, 1e-9));
    }

    #[test]
    fn uchida_2016_counts_negative_work_and_never_goes_below_zero() {
        let m = energy(MetabolicsSettings {
            lengthening: LengtheningModel::Uchida2016,
            ..MetabolicsSettings::default()
        });
        let p = one_kg_muscle();
        // Slow stretch: α_L = 4 · 25 = 100; ḣ_SL = 1.5 · 0.1 · 100 · 0.5 = 7.5 W/kg;
        // ẇ = −200 N · 0.05 m/s = −10 W/kg; ḣ_AM = 133.5 · 0.1^0.6.
        let slow = MuscleEnergyInput {
            fiber_velocity_mps: 0.05,
            active_fiber_force_n: 200.0,
            ..isometric(0.1, 200.0)
        };
        let r = m.muscle_rate(&p, &slow).unwrap();
        let am = 133.5 * 0.1f64.powf(0.6);
        assert!(close(r.shortening_lengthening_w, 7.5, 1e-9));
        assert!(close(r.mechanical_work_w, -10.0, 1e-9));
        assert!(close(r.total_w, am + 7.5 - 10.0, 1e-9));
        // Fast, forceful stretch: the negative work exceeds the heat; the total is clamped at 0.
        let fast = MuscleEnergyInput {
            fiber_velocity_mps: 0.5,
            active_fiber_force_n: 3000.0,
            ..isometric(0.1, 200.0)
        };
        let r = m.muscle_rate(&p, &fast).unwrap();
        assert!(close(r.mechanical_work_w, -1500.0, 1e-9));
        assert!(close(r.total_w, 0.0, 1e-9), "{r:?}");
        assert_eq!(r.minimum_heat_top_up_w, 0.0);
    }

    #[test]
    fn stretched_fibres_scale_heat_with_filament_overlap() {
        let m = energy(MetabolicsSettings::default());
        let x = MuscleEnergyInput {
            norm_fiber_length: 1.3,
            active_force_length: 0.5,
            fiber_velocity_mps: -0.2,
            active_fiber_force_n: 0.0,
            ..isometric(1.0, 0.0)
        };
        let r = m.muscle_rate(&one_kg_muscle(), &x).unwrap();
        // ḣ_AM = 133.5 (0.4 + 0.6·0.5) = 93.45; ḣ_SL = 1.5 (0.5·50 + 0.5·30.6) · 0.5 = 30.225.
        assert!(close(r.activation_maintenance_w, 93.45, 1e-9));
        assert!(close(r.shortening_lengthening_w, 30.225, 1e-9));
    }

    #[test]
    fn slow_twitch_shortening_heat_is_capped_at_100_w_per_kg() {
        let m = energy(MetabolicsSettings {
            slow_twitch_fraction: 1.0,
            ..MetabolicsSettings::default()
        });
        let p = one_kg_muscle();
        let at = |v: f64| {
            let x = MuscleEnergyInput {
                fiber_velocity_mps: v,
                active_fiber_force_n: 0.0,
                ..isometric(1.0, 0.0)
            };
            m.muscle_rate(&p, &x).unwrap().shortening_lengthening_w
        };
        // Slow fibres reach their maximum (4 l_opt/s = 0.4 m/s) at 100 W/kg, × S.
        assert!(close(at(-0.4), 150.0, 1e-9));
        assert!(close(at(-0.8), 150.0, 1e-9));
        assert!(at(-0.2) < 150.0);
    }

    #[test]
    fn bhargava_recruitment_favours_slow_fibres_at_low_excitation() {
        let fixed = energy(MetabolicsSettings::default());
        let recruit = energy(MetabolicsSettings {
            use_bhargava_recruitment: true,
            ..MetabolicsSettings::default()
        });
        let p = one_kg_muscle();
        let full = isometric(1.0, 100.0);
        let low = isometric(0.2, 100.0);
        let am = |m: &UmbergerMetabolics, x| m.muscle_rate(&p, x).unwrap().activation_maintenance_w;
        assert!(close(am(&fixed, &full), am(&recruit, &full), 1e-9));
        assert!(am(&recruit, &low) < am(&fixed, &low));
    }

    #[test]
    fn whole_body_adds_the_basal_rate_and_normalises_by_body_mass() {
        let m = energy(MetabolicsSettings::default());
        let p = one_kg_muscle();
        let items = [
            ("a", p, isometric(0.0, 0.0)),
            ("b", p, isometric(1.0, p.max_isometric_force_n)),
        ];
        let body = m.whole_body(75.0, items).unwrap();
        assert!(close(body.basal_w, 90.0, 1e-12));
        assert!(close(body.muscles_w, 1.0 + 133.5, 1e-9));
        assert!(close(body.total_w, 90.0 + 134.5, 1e-9));
        assert!(close(body.total_w_per_kg, 224.5 / 75.0, 1e-12));
        assert_eq!(body.muscles.len(), 2);
        assert!(m.whole_body(0.0, []).is_err());
    }

    #[test]
    fn cost_of_transport_divides_by_speed_magnitude() {
        assert!(close(
            cost_of_transport_j_per_kg_m(3.0, 1.25).unwrap(),
            2.4,
            1e-12
        ));
        assert!(close(
            cost_of_transport_j_per_kg_m(3.0, -1.25).unwrap(),
            2.4,
            1e-12
        ));
        assert!(matches!(
            cost_of_transport_j_per_kg_m(3.0, 0.0),
            Err(MetabolicsError::Input {
                field: "speed_mps",
                ..
            })
        ));
        assert!(cost_of_transport_j_per_kg_m(f64::NAN, 1.0).is_err());
    }

    #[test]
    fn bad_settings_and_inputs_name_the_field() {
        let err = UmbergerMetabolics::new(MetabolicsSettings {
            slow_twitch_fraction: 1.5,
            ..MetabolicsSettings::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("slow_twitch_fraction"), "{err}");
        let m = energy(MetabolicsSettings::default());
        let x = MuscleEnergyInput {
            activation: f64::NAN,
            ..isometric(0.5, 10.0)
        };
        let err = m.muscle_rate(&one_kg_muscle(), &x).unwrap_err();
        assert!(err.to_string().contains("activation"), "{err}");
        let err = m
            .whole_body(70.0, [("vasti_r", one_kg_muscle(), x)])
            .unwrap_err();
        assert!(err.to_string().contains("vasti_r"), "{err}");
    }

    #[test]
    fn settings_default_from_an_empty_ron_document() {
        let s: MetabolicsSettings = ron::from_str("()").unwrap();
        assert_eq!(s, MetabolicsSettings::default());
        let s: MetabolicsSettings =
            ron::from_str("(slow_twitch_fraction: 0.6, lengthening: Uchida2016)").unwrap();
        assert_eq!(s.lengthening, LengtheningModel::Uchida2016);
        assert!(ron::from_str::<MetabolicsSettings>("(slow_fraction: 0.6)").is_err());
    }

    #[test]
    fn a_static_optimisation_frame_costs_more_than_rest() {
        use crate::static_opt::{StaticOptimizationSettings, StaticOptimizer};
        let model = Model::from_ron_str(crate::ADULT_MODEL_RON, "adult.ron", None).unwrap();
        let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
        let q = model.neutral_pose();
        let mut moments = vec![0.0; q.len()];
        moments[model.coordinate_id("knee_flexion_r").unwrap().index()] = -40.0;
        let solution = so.solve(&model, &q, &vec![0.0; q.len()], &moments).unwrap();
        let m = energy(MetabolicsSettings::default());
        let body = m.from_solution(&model, &solution).unwrap();
        assert_eq!(body.muscles.len(), model.muscles.len());
        assert!(body.total_w.is_finite());
        // Every muscle costs at least its 1 W/kg floor; the knee extensors cost more.
        let floor: f64 = body.muscles.iter().map(|r| r.muscle_mass_kg).sum();
        assert!(
            body.muscles_w > floor + 1.0,
            "{} vs {floor}",
            body.muscles_w
        );
        assert!(close(body.basal_w, 1.2 * model.subject.mass_kg, 1e-9));
    }

    proptest! {
        #[test]
        fn total_is_finite_and_non_negative(
            u in 0.0f64..=1.0,
            a in 0.0f64..=1.0,
            l in 0.0f64..2.5,
            v in -2.0f64..2.0,
            f_l in 0.0f64..1.0,
            f_v in 0.0f64..1.8,
            slow in 0.0f64..=1.0,
            uchida in proptest::bool::ANY,
            bhargava in proptest::bool::ANY,
        ) {
            let m = energy(MetabolicsSettings {
                slow_twitch_fraction: slow,
                lengthening: if uchida {
                    LengtheningModel::Uchida2016
                } else {
                    LengtheningModel::Umberger2010
                },
                use_bhargava_recruitment: bhargava,
                ..MetabolicsSettings::default()
            });
            let p = MuscleProperties {
                max_isometric_force_n: 3000.0,
                optimal_fiber_length_m: 0.08,
                max_contraction_velocity_lopt_per_s: 10.0,
                volume_m3: None,
                slow_twitch_fraction: None,
            };
            let x = MuscleEnergyInput {
                excitation: u,
                activation: a,
                norm_fiber_length: l,
                fiber_velocity_mps: v,
                active_force_length: f_l,
                active_fiber_force_n: 3000.0 * a * f_l * f_v,
            };
            let r = m.muscle_rate(&p, &x).unwrap();
            let parts = [
                r.activation_maintenance_w,
                r.shortening_lengthening_w,
                r.mechanical_work_w,
                r.minimum_heat_top_up_w,
                r.total_w,
            ];
            for part in parts {
                prop_assert!(part.is_finite());
            }
            prop_assert!(r.total_w >= -1e-9);
            let sum = r.heat_w() + r.mechanical_work_w;
            prop_assert!((sum - r.total_w).abs() < 1e-9 * (1.0 + r.total_w.abs()));
            if !uchida {
                // No negative work: every part is non-negative and the heat floor holds.
                prop_assert!(r.mechanical_work_w >= 0.0 && r.shortening_lengthening_w >= 0.0);
                prop_assert!(r.heat_w() >= r.muscle_mass_kg * 1.0 - 1e-9);
            }
        }
    }
}

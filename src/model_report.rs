//! A plain-text description of a compiled model, for people checking what they loaded.

use std::fmt::Write;

use musculo::Model;

/// Segments, coordinates and muscles with their scaled parameters and the muscles' state at
/// the neutral pose (all coordinates zero).
pub fn describe(model: &Model) -> String {
    let mut s = String::new();
    let q = model.neutral_pose();
    let _ = writeln!(
        s,
        "model `{}` scaled to {:.2} m, {:.1} kg: {} segments, {} joints, {} coordinates, {} muscles",
        model.name,
        model.subject.height_m,
        model.subject.mass_kg,
        model.segments.len(),
        model.joints.len(),
        model.coordinates.len(),
        model.muscles.len()
    );
    let _ = writeln!(
        s,
        "\nsegment          mass_kg   com_m (x, y, z)              Ixx      Iyy      Izz [kg m^2]"
    );
    for seg in &model.segments {
        let i = seg.inertia_kg_m2;
        let _ = writeln!(
            s,
            "{:<15} {:>8.3}   ({:>7.4}, {:>7.4}, {:>7.4})   {:>7.4}  {:>7.4}  {:>7.4}",
            seg.name,
            seg.mass_kg,
            seg.com_m.x,
            seg.com_m.y,
            seg.com_m.z,
            i.x_axis.x,
            i.y_axis.y,
            i.z_axis.z
        );
    }
    let _ = writeln!(s, "\ncoordinate              joint        range_deg");
    for c in &model.coordinates {
        let _ = writeln!(
            s,
            "{:<23} {:<12} {:>6.0} .. {:>4.0}",
            c.name,
            model.joints[c.joint.index()].name,
            c.range_rad.0.to_degrees(),
            c.range_rad.1.to_degrees()
        );
    }
    let _ = writeln!(
        s,
        "\nmuscle             group              F_max_N  l_opt_m  l_slack_m  mass_kg  slow  l_fibre/l_opt@0  moment arms @0 [m]"
    );
    // The energy model's muscle mass and slow-twitch fraction: from the measured volume and
    // fibre types, or (marked *) from force and fibre length and the energy model's setting
    // where the model gives none (musculo::metabolics).
    let energy = musculo::UmbergerMetabolics::new(musculo::MetabolicsSettings::default())
        .expect("default metabolics settings are valid");
    let given = |known: bool| if known { " " } else { "*" };
    for m in &model.muscles {
        let props = musculo::metabolics::MuscleProperties::from(m);
        let mass = format!(
            "{:.3}{}",
            energy.muscle_mass_kg(&props),
            given(m.volume_m3.is_some())
        );
        let slow = format!(
            "{:.2}{}",
            energy.slow_twitch_fraction(&props),
            given(m.slow_twitch_fraction.is_some())
        );
        let path = m.path.evaluate(&q);
        let fiber = m.rigid_tendon_fiber(path.length_m, 0.0);
        let arms: Vec<String> = m
            .path
            .coordinates()
            .iter()
            .enumerate()
            .map(|(k, c)| {
                format!(
                    "{} {:+.4}",
                    model.coordinates[c.index()].name,
                    path.moment_arms_m[k]
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "{:<18} {:<18} {:>7.0}  {:>7.4}  {:>9.4}  {:>7}  {:>5}  {:>15.2}  {}",
            m.name,
            m.group.as_str(),
            m.max_isometric_force_n,
            m.optimal_fiber_length_m,
            m.tendon_slack_length_m,
            mass,
            slow,
            fiber.fiber_length_m / m.optimal_fiber_length_m,
            arms.join(", ")
        );
    }
    s
}

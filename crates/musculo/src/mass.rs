//! Segment mass properties from anthropometric table rows.
//!
//! A table row (de Leva 1996, J Biomech 29:1223-1230, Table 4) gives a mass fraction, a centre of
//! mass as a fraction of the distance between two landmarks, and radii of gyration as fractions
//! of that distance. A segment of the model may combine several rows (the head-arms-trunk);
//! their inertias are combined about the common centre of mass with the parallel-axis
//! (Huygens-Steiner) theorem: `I = Σ I_i + m_i (|d_i|² E - d_i d_iᵀ)`.

use glam::{DMat3, DVec3};

/// Mass, centre of mass and inertia about the centre of mass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassProperties {
    /// Mass \[kg\].
    pub mass_kg: f64,
    /// Centre of mass \[m\].
    pub com_m: DVec3,
    /// Inertia tensor about `com_m` [kg m²].
    pub inertia_kg_m2: DMat3,
}

impl MassProperties {
    /// A part with principal inertia axes parallel to the frame axes.
    pub fn part(mass_kg: f64, com_m: DVec3, radii_of_gyration_m: DVec3) -> Self {
        let r2 = radii_of_gyration_m * radii_of_gyration_m;
        Self {
            mass_kg,
            com_m,
            inertia_kg_m2: DMat3::from_diagonal(mass_kg * r2),
        }
    }

    /// Combines parts into one rigid body.
    pub fn combine(parts: &[MassProperties]) -> Self {
        let mass: f64 = parts.iter().map(|p| p.mass_kg).sum();
        let com = parts.iter().map(|p| p.com_m * p.mass_kg).sum::<DVec3>() / mass;
        let inertia = parts
            .iter()
            .map(|p| {
                let d = p.com_m - com;
                let steiner = DMat3::from_diagonal(DVec3::splat(d.length_squared()))
                    - DMat3::from_cols(d * d.x, d * d.y, d * d.z);
                p.inertia_kg_m2 + steiner * p.mass_kg
            })
            .fold(DMat3::ZERO, |a, b| a + b);
        Self {
            mass_kg: mass,
            com_m: com,
            inertia_kg_m2: inertia,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_point_masses_give_the_textbook_dumbbell_inertia() {
        let a = MassProperties::part(1.0, DVec3::new(0.0, 1.0, 0.0), DVec3::ZERO);
        let b = MassProperties::part(1.0, DVec3::new(0.0, -1.0, 0.0), DVec3::ZERO);
        let c = MassProperties::combine(&[a, b]);
        assert_eq!(c.mass_kg, 2.0);
        assert_eq!(c.com_m, DVec3::ZERO);
        // m r² about x and z, nothing about the dumbbell's own axis.
        assert!((c.inertia_kg_m2.x_axis.x - 2.0).abs() < 1e-12);
        assert!((c.inertia_kg_m2.z_axis.z - 2.0).abs() < 1e-12);
        assert!(c.inertia_kg_m2.y_axis.y.abs() < 1e-12);
    }

    #[test]
    fn off_axis_parts_produce_products_of_inertia() {
        let a = MassProperties::part(2.0, DVec3::new(1.0, 1.0, 0.0), DVec3::splat(0.1));
        let b = MassProperties::part(2.0, DVec3::new(-1.0, -1.0, 0.0), DVec3::splat(0.1));
        let c = MassProperties::combine(&[a, b]);
        // I_xy = -Σ m x y = -(2·1·1 + 2·1·1) = -4
        assert!((c.inertia_kg_m2.y_axis.x + 4.0).abs() < 1e-12);
        assert_eq!(c.inertia_kg_m2, c.inertia_kg_m2.transpose());
    }
}

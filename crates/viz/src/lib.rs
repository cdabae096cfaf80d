//! The retrogait visualizer, as a library so its tests can reach its parts: the simulation
//! thread and lanes (plain Rust, no bevy), and the bevy scene, camera, panels and screenshot
//! mode that draw them. The binary is `src/main.rs`.
//!
//! Data flow: `sim` steps `lane`s on its own thread at the physics' fixed step and publishes
//! plain-data views; the bevy systems in `scene` and `ui` read the latest views every frame.

pub mod camera;
pub mod colormap;
pub mod lane;
pub mod scene;
pub mod screenshot;
pub mod sim;
pub mod ui;

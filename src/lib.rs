//! retrogait: physics-based simulation of forward and backward (retro) treadmill walking, and
//! of what each does to the muscles and the knee.
//!
//! This root package holds the command-line interface and the writers; the musculoskeletal
//! model lives in [`musculo`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod float_text;
pub mod frame_files;
pub mod input_hashes;
pub mod model_report;
pub mod opensim;
pub mod optimise;
pub mod output;
pub mod parallel;
pub mod param_paths;
pub mod progress;
pub mod report_html;
pub mod results;
pub mod scenario;
pub mod shard;
pub mod staging;
pub mod sto;
pub mod sweep_dir;
pub mod sweep_lock;
pub mod table;
pub mod trial_run;

pub use gait;
pub use musculo;

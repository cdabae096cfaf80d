//! Searches for walking-controller parameters (`retrogait optimise`): CMA-ES over the fields a
//! search file names, minimising falls, pace and centring errors, metabolic cost of transport
//! and vertical ground reaction force above a limit over the file's trial conditions, with
//! each search recorded so that it can be run again.
//!
//! The file and its checks ([`search_file`]), the objective's terms ([`objective`]), one
//! evaluation's trials ([`evaluate`]), the optimiser loop ([`cma_search`]) and the record in
//! the output folder ([`records`]); the dotted field paths are [`crate::param_paths`].

pub mod cma_search;
pub mod evaluate;
pub mod objective;
pub mod records;
pub mod search_file;

//! One module per subcommand group.
pub mod analyze;
pub mod annotations;
pub mod augment;
pub mod data;
pub mod evaluate;
pub mod predictions;
pub mod report;
pub mod sweep;
pub mod train;
pub mod world;

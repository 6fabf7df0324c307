//! One module per subcommand group.
pub mod analyze;
pub mod annotations;
pub mod augment;
pub mod evaluate;
pub mod predictions;
pub mod data;
pub mod world;
pub mod train;

//! The kefu-bot test binary (one binary, one module per capability, so the
//! crate links its tests once).

mod cues;
mod decide;
mod embedding;
mod evaluation;
mod fixture;
mod large;
mod text_analysis;

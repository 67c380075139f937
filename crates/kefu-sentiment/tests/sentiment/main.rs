//! The sentiment model through its public interface: training, calibrated
//! scores, and the evaluation on the shared data sets.

mod account;
mod evaluation;
mod lexicon;
mod model;

//! The sentiment model through its public interface: training, calibrated
//! scores, and the evaluation on the shared data sets.

mod evaluation;
mod lexicon;
mod model;

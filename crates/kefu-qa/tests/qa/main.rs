//! Quality inspection through the crate's public interface: every rule type
//! on Chinese and English conversations, the PII validators, and scoring.

mod fixtures;
mod live;
mod pii;
mod rules;
mod scoring;
mod sentiment;

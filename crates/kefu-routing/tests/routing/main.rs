//! The kefu-routing test binary: decisions on hand-made snapshots, and a
//! seeded replay simulation that checks the invariants over thousands of
//! arrivals, departures and status changes.

mod decisions;
mod fixture;
mod simulation;

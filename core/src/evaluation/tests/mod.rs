//! Evaluation tests: the hand-computed month (month.rs over fixture.rs) and the policy file.

mod fixture;
mod month;
mod policy;

//! Work calendar arithmetic on the 2026 example calendar: the operations a deadline module runs
//! for every open case when it recomputes lights.
// `criterion_group!` generates a public function without docs.
#![allow(missing_docs)]

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use gridcase_core::calendar::WorkCalendar;
use gridcase_core::model::{LimitUnit, TimeLimit, Timestamp};
use std::hint::black_box;

const EXAMPLE: &str = include_str!("../data/calendar/2026.example.toml");

fn at(m: u32, d: u32, h: u32) -> Timestamp {
    let local = NaiveDate::from_ymd_opt(2026, m, d).and_then(|d| d.and_hms_opt(h, 0, 0));
    Timestamp::from_shanghai(local.unwrap_or_default())
}

fn calendar(c: &mut Criterion) {
    let Ok(cal) = WorkCalendar::parse_toml("2026.example.toml", EXAMPLE) else {
        panic!("the example calendar must load");
    };
    let start = at(9, 28, 17);
    c.bench_function("parse_toml 2026 example", |b| {
        b.iter(|| WorkCalendar::parse_toml("2026.example.toml", black_box(EXAMPLE)))
    });
    c.bench_function("add 24 working hours across National Day", |b| {
        b.iter(|| {
            cal.add_limit(
                black_box(start),
                TimeLimit::new(24, LimitUnit::WorkingHours),
            )
        })
    });
    c.bench_function("add 15 working days", |b| {
        b.iter(|| cal.add_working_days(black_box(start), 15))
    });
    c.bench_function("working_ms_between one month", |b| {
        b.iter(|| cal.working_ms_between(black_box(start), at(10, 28, 17)))
    });
    c.bench_function("elapsed_fraction 15 working days", |b| {
        let limit = TimeLimit::new(15, LimitUnit::WorkingDays);
        b.iter(|| cal.elapsed_fraction(black_box(start), at(10, 20, 10), limit))
    });
}

criterion_group!(benches, calendar);
criterion_main!(benches);

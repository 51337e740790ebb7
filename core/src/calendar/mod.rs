//! The tenant work calendar (工作日历) in Asia/Shanghai.

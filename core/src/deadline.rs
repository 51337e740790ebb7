//! Deadlines and lights (green / yellow / red) computed on the work calendar.

//! gridcase end-to-end suites, as one test binary: devices with their own stores sync with the
//! real server on 127.0.0.1 through the fault proxy.

mod app_flow;
mod attacks;
mod basemap;
mod city_cloud;
mod desk;
mod dispatch_conflict;
mod intake_cells;
mod object_storage;
mod offline_reports;
mod patrol;
mod patrol_admin_app;
mod patrol_figures;
mod proxy;
mod security_accounts;
mod security_clock;
mod security_gate;
mod security_privacy;
mod security_storage;
mod server_crash;
mod smoke;
mod write_path;

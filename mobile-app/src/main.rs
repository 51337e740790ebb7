//! Desktop entry point: hands over to the library's builder.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    gridcase_app_lib::run();
}

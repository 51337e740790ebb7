//! Not a fuzz target: writes the generated seeds (`gridcase_fuzz::write_seeds`) into the
//! directory named by `GRIDCASE_FUZZ_SEEDS` at start-up and exits. Run by
//! `scripts/fuzz.sh seeds`; built with the targets so it needs no build of its own.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        if let Ok(dir) = std::env::var("GRIDCASE_FUZZ_SEEDS") {
            gridcase_fuzz::write_seeds(std::path::Path::new(&dir)).expect("write seeds");
            std::process::exit(0);
        }
    },
    |_data: &[u8]| {}
);

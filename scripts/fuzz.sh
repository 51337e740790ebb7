#!/usr/bin/env bash
# Builds and runs the coverage-guided fuzz targets of fuzz/ (docs/security/fuzz.md).
#
#   scripts/fuzz.sh [target|all] [seconds]      default: all targets, 600 s each
#   scripts/fuzz.sh list                        the targets
#   scripts/fuzz.sh build                       build only
#   scripts/fuzz.sh seeds                       regenerate the generated seeds in fuzz/seeds
#
# Installs cargo-fuzz if missing (`cargo install cargo-fuzz --locked`, ~1.5 min). libFuzzer needs
# nightly flags: RUSTC_BOOTSTRAP=1 lets the pinned stable toolchain (rust-toolchain.toml) accept
# them. Builds go to their own target dir (FUZZ_TARGET_DIR, default fuzz/target), never the
# workspace's, and everything runs under `nice -n 15` in one libFuzzer process, so the machine
# stays usable. The working corpus is fuzz/corpus/<target> (git-ignored), seeded from the
# committed fuzz/seeds/<target>; crashes land in fuzz/artifacts/<target>. Extra libFuzzer flags:
# FUZZ_ARGS (e.g. FUZZ_ARGS="-max_len=65536").
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1
target_dir="${FUZZ_TARGET_DIR:-$root/fuzz/target}"
unset CARGO_TARGET_DIR
targets=(sync_request case_doc gate photo_header)
# Safe Rust under test (unsafe_code is forbidden in the workspace): no sanitizer keeps the runs
# fast; overflow checks and debug assertions on (-a).
build_flags=(--release --debug-assertions --sanitizer none --target-dir "$target_dir")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

what="${1:-all}"
seconds="${2:-600}"
case "$what" in
    list) printf '%s\n' "${targets[@]}"; exit 0 ;;
    build) nice -n 15 cargo fuzz build "${build_flags[@]}"; exit 0 ;;
    seeds)
        nice -n 15 cargo fuzz build "${build_flags[@]}" seeds
        GRIDCASE_FUZZ_SEEDS="$root/fuzz/seeds" cargo fuzz run "${build_flags[@]}" seeds -- -runs=0
        exit 0 ;;
    all) run=("${targets[@]}") ;;
    *) run=("$what") ;;
esac

nice -n 15 cargo fuzz build "${build_flags[@]}" "${run[@]:0:1}" >&2
[[ ${#run[@]} -gt 1 ]] && nice -n 15 cargo fuzz build "${build_flags[@]}" >&2

for t in "${run[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t" "logs/$t"
    echo "== $t: ${seconds}s, log fuzz/logs/$t/fuzz-0.log" >&2
    # -jobs=1 -workers=1: one fuzzing process (libFuzzer writes its output to fuzz-0.log in
    # the working directory, hence the cd).
    (cd "logs/$t" && nice -n 15 cargo fuzz run "${build_flags[@]}" "$t" \
        "$root/fuzz/corpus/$t" "$root/fuzz/seeds/$t" -- \
        -jobs=1 -workers=1 -rss_limit_mb=4096 -max_total_time="$seconds" \
        -print_final_stats=1 ${FUZZ_ARGS:-}) || status=$?
    tail -n 30 "logs/$t/fuzz-0.log" >&2
    if [[ ${status:-0} -ne 0 ]]; then
        echo "== $t: FAILED (crash input in fuzz/artifacts/$t)" >&2
        exit "$status"
    fi
done

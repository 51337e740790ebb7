#!/usr/bin/env bash
# Installs what gridcase needs on Debian 12 and builds the web UI: system packages (the C
# toolchain, and nasm for libjpeg-turbo's x86 SIMD code in the photo pipeline; WebKitGTK and
# friends for the Tauri app; Xvfb, WebKitWebDriver, ImageMagick and a
# CJK font for the app's end-to-end suite; Debian's aarch64 cross C compiler, which stands in
# for the NDK's in the build scripts of the Android compile check; PostgreSQL 15 for the
# server's PostgreSQL backend tests, run by scripts/pg.sh in a temporary directory), Node.js ≥ 20.19 for the UI,
# the Rust toolchain pinned in rust-toolchain.toml with the aarch64-linux-android target,
# tauri-driver, s3s-fs (the S3 server of the blob-store tests, scripts/s3.sh), then
# `npm ci && npm run build` in ui/.
# Idempotent; safe to run again. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(build-essential pkg-config ca-certificates curl nasm
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver imagemagick fonts-wqy-microhei
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  postgresql)
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs npm); fi
need_apt=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "==> apt-get install ${need_apt[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${need_apt[@]}"
fi

# Vite 8 needs Node.js ≥ 20.19; Debian 12's own nodejs is 18. When the machine's Node is older,
# take Node 20 from the npm registry (the `node` package ships the binary) into .tools/node.
node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; }
if ! node_ok; then
  if [ ! -x .tools/node/node_modules/.bin/node ]; then
    echo "==> Node.js $(node --version) is too old for Vite 8: installing node@20 from the npm registry"
    npm install --prefix .tools/node --no-audit --no-fund node@20
  fi
  export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
fi
echo "node $(node --version), npm $(npm --version)"

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> installing the Rust toolchain with rustup (needs access to static.rust-lang.org)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
# rust-toolchain.toml pins the version; rustup installs it on first use when it is missing.
cargo --version
# The Android target's standard library, for `cargo check --target aarch64-linux-android`
# (the mobile code must keep compiling although no package can be built here).
if ! rustup target list --installed | grep -qx aarch64-linux-android; then
  echo "==> rustup target add aarch64-linux-android"
  if ! rustup target add aarch64-linux-android; then
    echo "!! rustup target add aarch64-linux-android was refused: the Android compile check cannot run" >&2
    exit 1
  fi
fi

# tauri-driver (the WebDriver bridge for the app's E2E suite), from crates.io.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "==> cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked
fi

# The S3-compatible server of the blob-store tests (s3s-fs from crates.io, into .tools/s3).
bash scripts/s3.sh install

# The web UI: the app embeds ui/dist at compile time.
echo "==> ui: npm ci && npm run build"
(cd ui && npm ci --no-audit --no-fund && npm run build)

#!/usr/bin/env bash
# Installs every build and test dependency on Debian 12. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates zip unzip
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libcsv-dev libspdlog-dev libpugixml-dev
  libcpp-httplib-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev clang-format python3 ccache
  chromium
  patchelf
)
# Node.js and npm run the worker template's Liquid rendering and the browser tests; Debian's are
# enough where the machine has none.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# moto (with its server) and botocore serve the integration tests and the local main job.
if ! python3 -c 'import moto, moto.server, botocore; assert int(moto.__version__.split(".")[0]) >= 5' 2>/dev/null; then
  echo "setup: installing moto 5 with its server for python3"
  python3 -m pip install --quiet 'moto[server]>=5,<6' botocore || {
    echo "setup: could not install moto; install 'moto[server]>=5' for python3 by hand" >&2
    exit 1
  }
fi

# npm packages from the committed lockfile: liquidjs (the worker template) and playwright-core
# (browser tests, driving Debian's chromium; it downloads no browser of its own).
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.bulkqa-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >node_modules/.bulkqa-lock-sha256
fi

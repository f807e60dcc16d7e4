#!/usr/bin/env bash
# Installs every build and test dependency on Debian 12. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates zip unzip
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libcsv-dev libspdlog-dev libpugixml-dev
  libcpp-httplib-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev clang-format python3 ccache
  chromium dpkg-dev
  # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes; llvm-symbolizer names the
  # functions and lines in sanitizer reports.
  clang libclang-rt-14-dev llvm
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

# Debian's curl source, the version of the installed libcurl with Debian's patches: the Lambda
# packages link a minimal static libcurl built from it (packaging/). apt fetches it through a
# private copy of the machine's source list, so the machine's apt configuration stays untouched.
curl_source=.cache/debian/curl
if [ ! -f "$curl_source/CMakeLists.txt" ]; then
  echo "setup: fetching Debian's curl source for the Lambda packages"
  apt_dir="$PWD/.cache/debian/apt"
  rm -rf "$apt_dir" "$curl_source"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts"
  for list in /etc/apt/sources.list.d/*.sources; do
    [ -f "$list" ] && sed 's/^Types:.*/Types: deb-src/' "$list" >"$apt_dir/parts/$(basename "$list")"
  done
  { grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } |
    sed 's/^deb /deb-src /' >"$apt_dir/sources.list"
  apt_options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=$(id -un)")
  # A repository without sources does not matter as long as Debian's answers; `source` says if not.
  apt-get "${apt_options[@]}" update -qq || echo "setup: some source lists could not be fetched" >&2
  curl_version="$(dpkg-query -W -f='${source:Version}' libcurl4-openssl-dev)"
  (cd .cache/debian && apt-get "${apt_options[@]}" source --download-only -qq "curl=$curl_version" &&
    dpkg-source --no-check -x curl_*.dsc curl >/dev/null && rm -f curl_*)
  rm -rf "$apt_dir"
fi

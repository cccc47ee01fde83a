#!/usr/bin/env bash
# setup.sh — install every Debian package that building, testing and the demo
# need. Idempotent: installs only what is missing, and runs `apt-get update`
# only when something is. Needs root (or sudo) the first time.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config
  # libraries rtparchive links
  libabsl-dev libebml-dev libmatroska-dev libwebm-dev libzip-dev zlib1g-dev libdeflate-dev rapidjson-dev libpcap-dev
  libcpp-httplib-dev libssl-dev libcurl4-openssl-dev libsrtp2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 clang libclang-rt-14-dev
  # independent tools the tests check our output with
  ffmpeg mkvtoolnix unzip curl
  # the package test: CPack's Debian package (dpkg-shlibdeps), the unit's check
  dpkg-dev systemd
  # the upload tests' real S3 implementation: Ceph's RADOS Gateway on a one-node cluster
  radosgw ceph-mon ceph-osd
  # the corpus script's packetizers (../shared/corpus/make-corpus.sh)
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-x
  # the WHIP test's publisher: webrtcbin with libnice, driven from Python
  gstreamer1.0-nice python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  gir1.2-gst-plugins-bad-1.0
  # the WHIP tests' lossy link: nftables drops 2% in the test's own namespace
  nftables
  # the WHIP test captures a publish to replay it with the node's DTLS key log
  tcpdump
)

# Chromium is only for the playback and browser-publishing tests, which are
# skipped without it: a machine that cannot install it still builds and
# runs everything else.
optional=(chromium)

# Node.js and npm run the official server SDKs the node's tests drive; a
# machine that has them from elsewhere (NodeSource) keeps its own.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
missing_optional=()
for p in "${optional[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_optional+=("$p")
done

# npm packages the tests drive, pinned by their lock files: the official
# server SDK (tests/e2e/sdk) and the stores and SDKs of the upload tests
# (tests/e2e/storage). `npm ci` runs only when a lock file changed.
install_npm_packages() {
  local here dir stamp
  here=$(cd "$(dirname "$0")/.." && pwd)
  for dir in "$here/tests/e2e/sdk" "$here/tests/e2e/storage"; do
    stamp=$(sha256sum "$dir/package-lock.json" | cut -c1-64)
    [ "$(cat "$dir/node_modules/.rtparchive-lock" 2>/dev/null)" = "$stamp" ] && continue
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    echo "$stamp" >"$dir/node_modules/.rtparchive-lock"
  done
}

if [ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ]; then
  install_npm_packages
  exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "setup.sh: missing packages (${missing[*]}); run as root or install sudo" >&2; exit 1; }
  sudo=sudo
fi
echo "setup.sh: installing ${missing[*]} ${missing_optional[*]}" >&2
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_optional[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing_optional[@]}" \
    >/dev/null || echo "setup.sh: could not install ${missing_optional[*]}; the browser playback test will be skipped" >&2
fi
install_npm_packages

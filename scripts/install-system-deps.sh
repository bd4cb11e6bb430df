#!/usr/bin/env bash
# Install the Debian packages the platform needs, only those missing: a CJK font and the text
# shaping libraries for WeasyPrint PDFs, gettext for the English catalogue, Chromium for the
# browser tests, poppler-utils to read PDFs back in tests, zbar-tools to read QR codes back in
# tests, wrk to load the rating endpoint in bench/, nginx and openssl to run the app behind the
# deployment's TLS proxy in tests/proxy, ffmpeg (ffprobe) to check site videos by their content
# and cut their poster frames, Node.js/npm for the front-end files.
set -euo pipefail
packages=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
          gettext chromium zbar-tools wrk nginx openssl ffmpeg)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${missing[*]} (a Debian/Ubuntu machine installs them by itself)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

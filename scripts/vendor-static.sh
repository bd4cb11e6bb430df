#!/usr/bin/env bash
# Copy the front-end files the pages use from node_modules into static/vendor (never a CDN:
# the platform runs on government intranets). Only what is used, with its source maps.
set -euo pipefail
cd "$(dirname "$0")/.."
out=static/vendor
rm -rf "$out"
mkdir -p "$out/bootstrap"
cp node_modules/bootstrap/dist/css/bootstrap.min.css{,.map} "$out/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js{,.map} "$out/bootstrap/"
mkdir -p "$out/idb"
cp node_modules/idb/build/umd.js "$out/idb/idb-umd.js"
echo "static/vendor ready: $(find "$out" -type f | wc -l) files"

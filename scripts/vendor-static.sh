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
# Discipline dashboard: ECharts' common build (bar, line, pie) has no source map to point at.
mkdir -p "$out/echarts"
cp node_modules/echarts/dist/echarts.common.min.js "$out/echarts/"
# Leaflet with the images its stylesheet names (the manifest storage refuses missing files).
mkdir -p "$out/leaflet/images"
cp node_modules/leaflet/dist/leaflet.{js,js.map,css} "$out/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$out/leaflet/images/"
echo "static/vendor ready: $(find "$out" -type f | wc -l) files"

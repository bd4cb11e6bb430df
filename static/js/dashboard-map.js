// The discipline map (Leaflet from static/vendor): every project as a dot coloured by risk, a
// pop-up linking to the project. The base layer is the configured tile server, or — on an
// intranet without one — the district outline shipped with the platform.
(function () {
  "use strict";
  const RISK = { red: "#d32f2f", yellow: "#f9a825", green: "#2e7d32" };
  // Thousands of SVG dots slow a browser down; past this, draw them on one canvas.
  const SVG_LIMIT = 2000;

  function popup(feature, el) {
    const p = feature.properties;
    const box = document.createElement("div");
    box.className = "map-popup";
    const title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = (p.code ? p.code + " " : "") + p.name;
    const facts = document.createElement("div");
    facts.className = "small text-body-secondary mb-1";
    facts.textContent = [p.street, p.tier, p.status].join(" · ");
    const open = document.createElement("a");
    open.href = p.url;
    open.textContent = el.dataset.openLabel;
    open.dataset.testid = "map-popup-link";
    const timeline = document.createElement("a");
    timeline.href = el.dataset.timelineUrl.replace("/0/", "/" + feature.id + "/");
    timeline.textContent = el.dataset.timelineLabel;
    box.append(title, facts, open, timeline);
    return box;
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  async function draw() {
    const el = document.getElementById("project-map");
    if (!el || typeof L === "undefined") return;
    const config = JSON.parse(document.getElementById("map-config").textContent);
    const map = L.map(el, { zoomControl: true }).setView([25.44, 119.03], 11);
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    const outline = await getJSON(el.dataset.outline);
    const base = window.drawDistrictOutline(map, outline, config.tiles ? 0.05 : 0.35);
    const points = await getJSON(el.dataset.points);
    const renderer = points.features.length > SVG_LIMIT ? L.canvas() : L.svg();
    const layer = L.geoJSON(points, {
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
        renderer: renderer, radius: 7, weight: 1, color: "#222",
        fillColor: RISK[feature.properties.risk] || "#607d8b", fillOpacity: 0.9,
        className: "risk-marker risk-marker-" + feature.properties.risk,
      }),
      onEachFeature: (feature, marker) => marker.bindPopup(() => popup(feature, el)),
    }).addTo(map);
    const bounds = points.features.length ? layer.getBounds() : base.getBounds();
    // Without the zoom animation: "drawn" then means the dots stand where they will stay, and a
    // click cannot land on a dot while the map is still flying to it.
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { animate: false });
    const count = document.querySelector("[data-testid=map-count]");
    if (count) {
      count.dataset.count = String(points.features.length);
      count.textContent = String(points.features.length);
    }
    el.dataset.drawn = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

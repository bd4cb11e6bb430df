// The filing form's location picker (docs/rules.md §1): the district outline shipped with the
// platform (no tile server needed on an intranet), a click sets the latitude and longitude
// boxes, typing in them or "使用当前位置" moves the marker. The server refuses places outside
// the district; the page says so at once.
(function () {
  "use strict";

  function inside(ring, lng, lat) {
    let found = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x1, y1] = ring[i];
      const [x2, y2] = ring[j];
      if ((y1 > lat) !== (y2 > lat) && lng < x1 + ((lat - y1) * (x2 - x1)) / (y2 - y1)) found = !found;
    }
    return found;
  }

  async function draw() {
    const el = document.getElementById("location-picker");
    if (!el || typeof L === "undefined") return;
    const form = el.closest("form");
    const lat = form.querySelector("[name=latitude]");
    const lng = form.querySelector("[name=longitude]");
    const note = document.getElementById("location-note");
    const map = L.map(el, { zoomControl: true }).setView([25.43, 119.06], 11);
    const response = await fetch(el.dataset.outline, { credentials: "same-origin" });
    const outline = await response.json();
    const district = window.drawDistrictOutline(map, outline, 0.35);
    map.fitBounds(district.getBounds(), { padding: [8, 8] });
    const polygon = outline.features.find((f) => f.geometry.type === "Polygon");
    const ring = polygon ? polygon.geometry.coordinates[0] : null;
    let marker = null;

    function show() {
      const y = parseFloat(lat.value);
      const x = parseFloat(lng.value);
      if (Number.isNaN(x) || Number.isNaN(y)) return;
      if (marker) marker.setLatLng([y, x]);
      else marker = L.circleMarker([y, x], { radius: 8, color: "#b71c1c", fillOpacity: 0.9 }).addTo(map);
      const ok = !ring || inside(ring, x, y);
      note.textContent = ok ? el.dataset.okText : el.dataset.outsideText;
      note.classList.toggle("text-danger", !ok);
    }

    map.on("click", (event) => {
      lat.value = event.latlng.lat.toFixed(6);
      lng.value = event.latlng.lng.toFixed(6);
      show();
    });
    [lat, lng].forEach((box) => box.addEventListener("change", show));
    document.addEventListener("location-filled", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", () => { draw().catch(() => {}); });
})();

// The district outline shipped with the platform, drawn on a Leaflet map with its streets'
// names (the discipline map and the filing form's location picker both use it).
window.drawDistrictOutline = function (map, outline, fillOpacity) {
  "use strict";
  return L.geoJSON(outline, {
    style: { color: "#1f4e8c", weight: 2, fillColor: "#cfd8e3", fillOpacity: fillOpacity },
    pointToLayer: (feature, latlng) => L.marker(latlng, {
      icon: L.divIcon({ className: "street-label", html: "", iconSize: null }),
      interactive: false,
      keyboard: false,
    }).bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "street-label" }),
  }).addTo(map);
};

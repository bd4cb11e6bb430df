{% load static %}/* The capture pages' service worker ({{ version }}): keeps the capture page and what it loads so
   that it opens without a connection, and sends the outbox on Background Sync where the browser
   has it. Rendered by Django so that it knows the static files' (hashed) URLs. */
importScripts("{% static 'vendor/idb/idb-umd.js' %}", "{% static 'js/outbox.js' %}");

const CACHE = "capture-{{ version }}";
const PAGE = "{% url 'inspections:capture' %}";
const ASSETS = [
  "{% static 'vendor/bootstrap/bootstrap.min.css' %}",
  "{% static 'vendor/bootstrap/bootstrap.bundle.min.js' %}",
  "{% static 'django_htmx/htmx-2.min.js' %}",
  "{% static 'css/app.css' %}",
  "{% static 'js/app.js' %}",
  "{% static 'vendor/idb/idb-umd.js' %}",
  "{% static 'js/outbox.js' %}",
  "{% static 'js/capture.js' %}",
  "{% static 'favicon.svg' %}",
  "{% static 'icon-192.png' %}",
  "{% url 'inspections:capture_manifest' %}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll([...ASSETS, PAGE]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((key) => key.startsWith("capture-") && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

// The page: from the network when there is one (and kept), else the kept copy. A redirect (to
// the log-in page) is never kept in its place.
async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(PAGE, response.clone());
    return response;
  } catch (error) {
    return (await cache.match(PAGE)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (ASSETS.includes(url.pathname)) {
    // The kept copy at once, refreshed in the background for next time.
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      const kept = await cache.match(request, { ignoreSearch: true });
      const fresh = fetch(request)
        .then((response) => { if (response.ok) cache.put(request, response.clone()); return response; })
        .catch(() => kept);
      return kept || fresh;
    }));
  }
});

// Background Sync (where the browser has it): send the outbox, then tell the open pages.
async function syncOutbox() {
  const outcome = await self.LingxingOutbox.flush();
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach((client) => client.postMessage({ type: "outbox", outcome }));
}

self.addEventListener("sync", (event) => {
  if (event.tag === "capture-outbox") event.waitUntil(syncOutbox());
});

/* The capture outbox: entries made on the site wait in the browser (IndexedDB) until the server
   has them. A classic script so that the page and the service worker (importScripts) share it;
   it needs the idb UMD build loaded first. Every entry carries its client key: the server stores
   an entry once however often it is sent, so sending twice (page and worker, two tabs) is safe. */
(function (scope) {
  "use strict";
  const DB_NAME = "lingxing-capture";
  const STORE = "outbox";

  function open() {
    return scope.idb.openDB(DB_NAME, 1, {
      upgrade(db) { db.createObjectStore(STORE, { keyPath: "key" }); },
    });
  }

  async function add(entry) {
    const db = await open();
    await db.put(STORE, entry);
  }

  async function all() {
    const db = await open();
    const entries = await db.getAll(STORE);
    return entries.sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  async function remove(key) {
    const db = await open();
    await db.delete(STORE, key);
  }

  async function mark(entry, refusal) {
    const db = await open();
    await db.put(STORE, { ...entry, refusal });
  }

  async function refusalOf(response) {
    try {
      const body = await response.json();
      const extra = body.extra && body.extra.fields
        ? Object.values(body.extra.fields).flat().join(" ") : "";
      return [body.message, extra].filter(Boolean).join(" ") || String(response.status);
    } catch (error) {
      return String(response.status);
    }
  }

  // Send every waiting entry in the order it was made. Stops at the first network failure
  // (still offline) or when the session has expired (403): the rest waits for the next try.
  // A refusal of the entry itself (400, 404, 409, 413) is kept with its message for the user.
  async function send(csrfToken) {
    const outcome = { sent: 0, refused: 0, waiting: 0, loginNeeded: false, offline: false };
    const entries = await all();
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i];
      if (entry.refusal) { outcome.refused += 1; continue; }
      const body = new FormData();
      Object.entries(entry.fields).forEach(([name, value]) => body.append(name, value));
      entry.photos.forEach((photo) => body.append("photos", photo, photo.name || "photo.jpg"));
      // Entries stored before videos were added have none.
      (entry.videos || []).forEach((clip) => body.append("videos", clip, clip.name || "video.mp4"));
      body.append("client_key", entry.key);
      let response;
      try {
        response = await fetch(entry.url, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken || entry.csrf, Accept: "application/json" },
        });
      } catch (error) {
        outcome.offline = true;
        outcome.waiting = entries.slice(i).filter((e) => !e.refusal).length;
        break;
      }
      if (response.ok) {
        await remove(entry.key);
        outcome.sent += 1;
      } else if (response.status === 401 || response.status === 403) {
        outcome.loginNeeded = true;
        outcome.waiting = entries.slice(i).filter((e) => !e.refusal).length;
        break;
      } else if (response.status >= 500 || response.status === 429) {
        outcome.waiting = entries.slice(i).filter((e) => !e.refusal).length;
        break;
      } else {
        await mark(entry, await refusalOf(response));
        outcome.refused += 1;
      }
    }
    return outcome;
  }

  // One send at a time per page or worker; a flush asked for during a send runs after it,
  // so that an entry added meanwhile is not left waiting.
  let running = null;
  let next = null;
  function flush(csrfToken) {
    if (running) {
      if (!next) next = running.then(() => { next = null; return flush(csrfToken); });
      return next;
    }
    running = send(csrfToken).finally(() => { running = null; });
    return running;
  }

  scope.LingxingOutbox = { add, all, remove, flush };
})(self);

/* The site capture page: entries go to the outbox first, then to the server when there is a
   connection (on submit, on page load, when the browser comes back online, on "send now", and
   through Background Sync where the browser has it). */
(function () {
  "use strict";
  const root = document.getElementById("capture");
  if (!root || !self.LingxingOutbox) return;
  const outbox = self.LingxingOutbox;
  const countEl = root.querySelector("[data-outbox-count]");
  const listEl = root.querySelector("[data-outbox-list]");
  const statusEl = root.querySelector("[data-outbox-status]");
  const networkEl = root.querySelector("[data-network]");
  const labels = document.getElementById("network-labels").content;

  function csrfCookie() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // A version-4 UUID also where crypto.randomUUID is missing (pages served over plain HTTP).
  function newKey() {
    if (self.crypto.randomUUID) return self.crypto.randomUUID();
    const b = self.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function say(text, tone) {
    statusEl.textContent = text;
    statusEl.className = `card-footer small text-${tone || "body-secondary"}`;
  }

  function showNetwork() {
    const online = navigator.onLine;
    networkEl.textContent = labels.querySelector(online ? "[data-online]" : "[data-offline]").textContent;
    networkEl.className = `badge ${online ? "text-bg-success" : "text-bg-warning"}`;
  }

  async function render() {
    const entries = await outbox.all();
    const waiting = entries.filter((e) => !e.refusal);
    countEl.textContent = String(waiting.length);
    listEl.replaceChildren(...entries.map((entry) => {
      const li = document.createElement("li");
      li.className = "list-group-item d-flex flex-wrap gap-2 align-items-center";
      li.dataset.outboxEntry = entry.key;
      const label = document.createElement("span");
      label.textContent = `${entry.label} · ${new Date(entry.created).toLocaleString()}`;
      li.append(label);
      if (entry.refusal) {
        const why = document.createElement("span");
        why.className = "text-danger w-100";
        why.textContent = `${root.dataset.msgRefused}: ${entry.refusal}`;
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-sm btn-outline-danger ms-auto";
        discard.textContent = root.dataset.msgDiscard;
        discard.addEventListener("click", async () => { await outbox.remove(entry.key); render(); });
        li.append(discard, why);
      }
      return li;
    }));
  }

  async function report(outcome) {
    if (outcome.sent) say(root.dataset.msgSent.replace("{n}", outcome.sent), "success");
    if (outcome.loginNeeded) {
      say(root.dataset.msgLogin, "danger");
      const link = document.createElement("a");
      link.href = root.dataset.login;
      link.className = "ms-1";
      link.textContent = "→";
      statusEl.append(link);
    }
    await render();
    return outcome;
  }

  async function flush() {
    showNetwork();
    return report(await outbox.flush(csrfCookie()));
  }
  // For the browser test and for anyone curious in the console.
  self.lingxingCaptureFlush = flush;

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-capture]");
    if (!form) return;
    event.preventDefault();
    // The server's bounds and messages (data-invalid), in the page's language, before anything
    // is queued: an entry the server would refuse never waits in the outbox.
    form.querySelectorAll("[data-invalid]").forEach((field) => {
      field.setCustomValidity("");
      if (!field.checkValidity()) field.setCustomValidity(field.dataset.invalid);
    });
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    const fields = {};
    for (const [name, value] of data.entries()) {
      if (["photos", "videos", "client_key", "csrfmiddlewaretoken", "from"].includes(name)) continue;
      fields[name] = value;
    }
    const photos = data.getAll("photos").filter((f) => f instanceof File && f.size > 0);
    const videos = data.getAll("videos").filter((f) => f instanceof File && f.size > 0);
    const entry = {
      key: form.elements.client_key.value || newKey(), url: form.dataset.api,
      label: form.dataset.label, fields, photos, videos, csrf: csrfCookie(),
      created: new Date().toISOString(),
    };
    // Cleared at once (before anything is awaited) so the next entry can be typed straight away.
    const keepDate = form.elements.log_date && form.elements.log_date.value;
    // The progress just reported is what the box shows next, not the one the page came with.
    if (form.elements.percent) form.elements.percent.defaultValue = form.elements.percent.value;
    form.reset();
    form.elements.client_key.value = newKey();
    if (keepDate) form.elements.log_date.value = keepDate;
    await outbox.add(entry);
    say(root.dataset.msgQueued);
    await render();
    const registration = navigator.serviceWorker && await navigator.serviceWorker.getRegistration();
    if (registration && registration.sync) {
      registration.sync.register("capture-outbox").catch(() => {});
    }
    flush();
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "outbox") report(event.data.outcome);
    });
  }
  root.querySelector("[data-outbox-send]").addEventListener("click", () => flush());
  window.addEventListener("online", () => flush());
  window.addEventListener("offline", showNetwork);

  // A field corrected after a refusal is checked afresh as it is typed.
  root.addEventListener("input", (event) => {
    if (event.target.dataset && event.target.dataset.invalid) event.target.setCustomValidity("");
  });

  // Each form gets a fresh key per page view: the key served with a page kept by the service
  // worker would otherwise be reused by every entry made from that copy.
  root.querySelectorAll("form[data-capture]").forEach((form) => {
    form.elements.client_key.value = newKey();
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw).catch(() => {});
  }
  render().then(flush);
})();

// Tessera's service worker: precaches the versioned app shell, answers from it offline, shows a
// friendly offline page for what it cannot serve, sends the outbox through Background Sync, and
// shows Web Push notifications.
//
// Hand-written rather than Workbox: Workbox needs a bundler (a build step a fresh clone would not
// run) or loading it from a CDN, which the Content-Security-Policy forbids (only 'self'). What we
// need is a precache, three fetch rules and a few events: about a hundred lines.
//
// It is a module worker so it shares the outbox with the page (outbox.js, store.js, api.js).
// API answers are never cached, apart from the language catalogues and the vocabularies: they
// are not personal.

import { recoverSession, sendQueuedSignOut, setRequestLocale } from "./api.js";
import { flushOutbox } from "./outbox.js";

// The server writes these as it serves this file (server/system/app_shell.py): the shell's files,
// every page, script and style of the app, and a hash of them all. A change to any file changes
// this worker, so a new worker installs and the app offers the update ("A new version of Tessera
// is ready").
const VERSION = "%SHELL_VERSION%";
const SHELL = ["%SHELL_FILES%"];
const SHELL_CACHE = `tessera-shell-${VERSION}`;
const CATALOGUE_CACHE = "tessera-catalogues";
const VOCABULARIES = "/api/v1/vocabularies";

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([
      // "no-cache": what the page has just fetched is asked again with its ETag and comes back as
      // a bodiless 304, so a first visit does not download the shell twice; a changed file
      // comes whole, so the shell is never older than this worker.
      caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "no-cache" })))),
      // Who sees which screen: kept at once, so a new version of the app opens offline too.
      caches.open(CATALOGUE_CACHE).then((cache) => cache.add(VOCABULARIES)).catch(() => {}),
    ]),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("tessera-shell-") && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

// The person chose "Update now": the waiting worker takes over and the page reloads.
self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  // At sign-in the app asks for what writing notes offline needs (app.js, keepForOffline).
  if (event.data?.type === "keep-for-offline") event.waitUntil(keepForOffline(event.data.paths));
});

// Only what this worker keeps anyway (not personal), whatever the message asks for.
async function keepForOffline(paths) {
  const cache = await caches.open(CATALOGUE_CACHE);
  const kept = (Array.isArray(paths) ? paths : []).filter((path) => isCatalogue(new URL(String(path), self.location.origin)));
  await Promise.all(kept.map((path) => cache.add(path).catch(() => {})));
}

async function fromShell(request) {
  const cache = await caches.open(SHELL_CACHE);
  return cache.match(request, { ignoreSearch: true });
}

async function navigation(request) {
  const url = new URL(request.url);
  if (url.pathname === "/" || url.pathname === "/index.html") {
    return (await fromShell("/")) || fetch(request).catch(() => fromShell("/offline.html"));
  }
  // An API address typed in: a sign-out made offline goes first, or the last person's data would.
  if (url.pathname.startsWith("/api/") && (await sendQueuedSignOut()) === "waiting") return fromShell("/offline.html");
  try {
    return await fetch(request);
  } catch {
    return fromShell("/offline.html");
  }
}

function isCatalogue(url) {
  return url.origin === self.location.origin && (url.pathname === "/api/v1/i18n" || url.pathname.startsWith("/api/v1/i18n/") || url.pathname === VOCABULARIES);
}

// Catalogues and vocabularies: answered from the cache at once and refreshed behind, so the app
// starts offline in the person's language and picks up new translations on the next start.
async function catalogue(request) {
  const cache = await caches.open(CATALOGUE_CACHE);
  const cached = await cache.match(request);
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => cached || Response.error());
  return cached || fresh;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (isCatalogue(url)) {
    event.respondWith(catalogue(request));
  } else if (!url.pathname.startsWith("/api/")) {
    event.respondWith(fromShell(request).then((cached) => cached || fetch(request)));
  }
});

// Background Sync: the browser wakes us when the phone is online again, even with the app closed.
self.addEventListener("sync", (event) => {
  if (event.tag === "tessera-outbox") event.waitUntil(sendOutbox());
});

async function sendOutbox() {
  const session = await recoverSession();
  // Still offline (a sign-out made offline waits too): the browser tries again later.
  if (session.offline) throw new Error("offline");
  if (!session.ok || !(await vocabularies())?.role_groups?.authors?.includes(session.data.user.role)) return;
  setRequestLocale(session.data.user.language);
  const outcome = await flushOutbox(session.data.user.id);
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "outbox-changed", outcome });
  }
  // A failed attempt makes the browser retry the sync later, with its own backoff.
  if (outcome.status !== 200) throw new Error("outbox not sent");
}

async function vocabularies() {
  try {
    return await (await catalogue(new Request(VOCABULARIES))).json();
  } catch {
    return null;
  }
}

// Push payload {id, title, url}: the tag makes a repeated notification replace the earlier one.
self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = {};
  }
  event.waitUntil(
    self.registration.showNotification(payload.title || "Tessera", {
      tag: payload.id ? String(payload.id) : undefined,
      data: { url: payload.url || "/#/notifications" },
      icon: "/icons/icon-192.png",
      badge: "/icons/maskable-192.png",
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/#/notifications", self.location.origin);
  // Only ever open Tessera itself, whatever the payload says.
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/#/notifications";
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        // navigate() refuses a page this worker does not control (say, after a hard reload):
        // the page then navigates itself (the "open" listener in app.js).
        return open.navigate(url).catch(() => open.postMessage({ type: "open", url }));
      }
      return self.clients.openWindow(url);
    })(),
  );
});

// Tessera's app: starts the session, routes hash addresses to screens (one small module each,
// loaded when first needed), keeps the navigation, connectivity and outbox state, and offers
// the update when a new version of the app is ready.

import { onConnectivity, recoverSession, setCsrfToken, setRequestLocale, api } from "./api.js";
import { announce, h, icon } from "./dom.js";
import { _, N_, loadLocaleList, onLocaleChange, preferredLocale, useLocale } from "./i18n.js";
import { deleteMeta, forgetOldSentNotes, getMeta, setMeta, wipeEverything } from "./store.js";
import { onOutboxChange, requestFlush, startOutbox, stopOutbox, unsentCount } from "./sync.js";

const REVIEWERS = ["youth_worker", "researcher", "admin"];
const MODERATORS = ["youth_worker", "admin"];
const RESEARCHERS = ["researcher", "admin"];

// [pattern, screen module, who may see it (omitted: anyone signed in; "public": anyone)]
const ROUTES = [
  [/^sign-in$/, "sign-in", "public"],
  [/^join(?:\/(?<code>[^/?]+))?$/, "join", "public"],
  [/^home$/, "home"],
  [/^notes$/, "notes"],
  [/^notes\/new$/, "editor", ["youth"]],
  [/^notes\/(?<id>[0-9a-fA-F-]{36})$/, "editor"],
  [/^forum$/, "forum"],
  [/^forum\/c\/(?<id>[^/]+)$/, "forum"],
  [/^forum\/t\/(?<id>[^/]+)$/, "forum"],
  [/^notifications$/, "notifications"],
  [/^settings$/, "settings"],
  [/^moderation$/, "moderation", MODERATORS],
  [/^invites$/, "invites", MODERATORS],
  [/^review$/, "review", REVIEWERS],
  [/^export$/, "export", RESEARCHERS],
];

// [hash, label, icon, who sees it]
const NAVIGATION = [
  ["#/home", N_("Home"), "home"],
  ["#/notes", N_("My notes"), "notes", ["youth"]],
  ["#/review", N_("Review"), "approved", REVIEWERS],
  ["#/forum", N_("Forum"), "forum"],
  ["#/moderation", N_("Moderation"), "conflict", MODERATORS],
  ["#/invites", N_("Invites"), "forward", MODERATORS],
  ["#/export", N_("Export"), "notes", RESEARCHERS],
  ["#/notifications", N_("Notifications"), "bell"],
  ["#/settings", N_("Settings"), "settings"],
];

const app = { user: null, screen: null, ctx: null, renderCount: 0, ready: false };

function allowed(who, user) {
  if (who === "public") return true;
  if (!user) return false;
  return !who || who.includes(user.role);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, queryText = ""] = raw.split("?");
  return { path: path || (app.user ? "home" : "sign-in"), query: new URLSearchParams(queryText) };
}

export function navigate(hash) {
  if (location.hash === hash) renderRoute();
  else location.hash = hash;
}

function setOnline(online) {
  document.documentElement.dataset.online = String(online);
  const badge = document.getElementById("connection");
  badge.hidden = online;
  badge.replaceChildren(icon("offline"), h("span", null, _("Offline")));
}

function renderChrome() {
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", _("Main"));
  const current = `#/${parseHash().path}`;
  const items = app.user
    ? NAVIGATION.filter(([, , , who]) => allowed(who, app.user)).map(([hash, label, name]) =>
        h(
          "li",
          null,
          h(
            "a",
            { href: hash, "aria-current": current === hash || current.startsWith(`${hash}/`) ? "page" : null },
            icon(name),
            h("span", null, _(label)),
          ),
        ),
      )
    : [];
  nav.replaceChildren(h("ul", null, items));
  // More than five places do not fit one row at 360 px: a second row keeps them all in reach.
  document.body.classList.toggle("two-row-nav", items.length > 5);
  nav.hidden = !app.user;
  const signOutButton = document.getElementById("sign-out");
  signOutButton.hidden = !app.user;
  signOutButton.textContent = _("Sign out");
  document.getElementById("skip").textContent = _("Skip to content");
  setOnline(document.documentElement.dataset.online !== "false");
}

// The context every screen gets: who is signed in, the address, and what it may ask the app.
function screenContext(params, query, count) {
  return {
    user: app.user,
    params,
    query,
    navigate,
    refresh: renderRoute,
    isCurrent: () => count === app.renderCount,
    signedIn: signedIn,
    signOut,
    setUser(user) {
      app.user = user;
      rememberUser(user);
      renderChrome();
    },
  };
}

export async function renderRoute() {
  const { path, query } = parseHash();
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  const count = ++app.renderCount;
  if (!route) return navigate(app.user ? "#/home" : "#/sign-in");
  const [pattern, name, who] = route;
  if (who !== "public" && !app.user) return navigate("#/sign-in");
  if (!allowed(who, app.user)) return navigate("#/home");
  if (app.user && (name === "sign-in" || name === "join")) return navigate("#/home");
  renderChrome();
  const module = await import(`./screens/${name}.js`);
  if (count !== app.renderCount) return;
  app.screen = module;
  const params = { ...pattern.exec(path).groups, path };
  app.ctx = screenContext(params, query, count);
  await module.render(app.ctx);
  // A new screen: move focus to its heading so a screen reader starts there.
  if (path !== app.path && count === app.renderCount) {
    if (app.path !== undefined) document.querySelector("main h1")?.focus();
    app.path = path;
  }
}

async function rememberUser(user) {
  // Kept (encrypted) so the app opens offline for the person who signed in.
  await setMeta("user", user, { secret: true });
}

// After sign-in or join, or a recovered session.
async function signedIn(user, csrfToken) {
  if (csrfToken) setCsrfToken(csrfToken);
  app.user = user;
  await rememberUser(user);
  if (user.language && user.language !== document.documentElement.lang) await useLocale(user.language);
  // Ask the browser not to evict the notes when space runs low (granted silently or not at all).
  navigator.storage?.persist?.().catch(() => {});
  if (user.role === "youth") startOutbox(user.id);
}

async function signOut() {
  const unsent = await unsentCount();
  if (unsent > 0 && !(await confirmLosingNotes(unsent))) return;
  await unsubscribePush();
  await closeNotifications();
  await api("POST", "/api/v1/auth/logout"); // offline, the local wipe below still happens
  stopOutbox();
  setCsrfToken(null);
  app.user = null;
  await wipeEverything();
  location.replace("/#/sign-in?signed-out=1");
  location.reload();
}

async function unsubscribePush() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    const subscription = await registration?.pushManager?.getSubscription();
    if (!subscription) return;
    await api("DELETE", "/api/v1/push/subscriptions", { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
  } catch {
    // Push not available here: nothing to remove.
  }
}

// A shared phone: notifications already shown belong to the person signing out.
async function closeNotifications() {
  try {
    // getRegistration(), not .ready: .ready never settles when no worker is registered.
    const registration = await navigator.serviceWorker?.getRegistration();
    const shown = (await registration?.getNotifications?.()) || [];
    for (const notification of shown) notification.close();
  } catch {
    // Notifications not available here: nothing to close.
  }
}

// A shared phone: signing out deletes this phone's notes, so say so before anything unsent goes.
async function confirmLosingNotes(count) {
  const { ngettext } = await import("./i18n.js");
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "dialog-title" });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h("h2", { id: "dialog-title" }, _("Notes not sent yet")),
      h(
        "p",
        null,
        ngettext(
          "{count} note on this phone is not sent yet. Signing out deletes it from this phone for good.",
          "{count} notes on this phone are not sent yet. Signing out deletes them from this phone for good.",
          count,
        ),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: () => { finish(false); requestFlush(); } }, _("Try to send them first")),
        h("button", { type: "button", class: "danger", onclick: () => finish(true) }, _("Sign out and delete them")),
        h("button", { type: "button", class: "secondary", onclick: () => finish(false) }, _("Cancel")),
      ),
    );
    dialog.addEventListener("cancel", () => resolve(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

function offerUpdate(worker) {
  const banner = document.getElementById("banner");
  banner.replaceChildren(
    h(
      "div",
      { class: "notice" },
      h("p", null, _("A new version of Tessera is ready.")),
      h("button", { type: "button", onclick: () => worker.postMessage({ type: "skip-waiting" }) }, _("Update now")),
    ),
  );
  banner.hidden = false;
  announce(_("A new version of Tessera is ready."));
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  // A notification was clicked and the worker could not navigate this page itself.
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type !== "open") return;
    const target = new URL(String(event.data.url), location.href);
    // Only ever an address inside the app, whatever the message says.
    if (target.origin !== location.origin || !(target.pathname + target.hash).startsWith("/#/")) return;
    navigate(target.hash);
  });
  let reloading = false;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !hadController) return;
    reloading = true;
    location.reload();
  });
  try {
    // A module worker, so it shares the outbox code with the page (Background Sync sends notes).
    const registration = await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
      });
    });
    // Looks for a new version now and then while the app stays open for days.
    setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
  } catch {
    // Without a service worker the app still works online.
  }
}

async function start() {
  document.documentElement.dataset.outbox = "idle";
  setOnline(navigator.onLine !== false);
  onConnectivity((online) => setOnline(online));
  addEventListener("online", () => setOnline(true));
  addEventListener("offline", () => setOnline(false));
  addEventListener("hashchange", renderRoute);
  onLocaleChange((code) => {
    setRequestLocale(code);
    // Until the session is known, a screen would be drawn for the wrong person.
    if (app.ready) renderRoute();
  });
  onOutboxChange((outcome) => {
    if (outcome.status === 401) return sessionEnded();
    app.screen?.onOutboxChange?.(app.ctx, outcome);
  });
  document.getElementById("sign-out").addEventListener("click", signOut);
  document.getElementById("skip").addEventListener("click", (event) => {
    event.preventDefault();
    document.querySelector("main h1")?.focus();
  });

  const [codes, session] = await Promise.all([
    loadLocaleList().then((items) => items.map((item) => item.code)),
    recoverSession(),
  ]);
  const first = preferredLocale(codes.length ? codes : ["en"]);
  setRequestLocale(first);
  await useLocale(first);
  if (session.ok) {
    await signedIn(session.data.user);
  } else if (session.offline) {
    // Offline: the person who signed in last can keep writing; the CSRF token is fetched on reconnect.
    const user = await getMeta("user", { secret: true }).catch(() => null);
    if (user) await signedIn(user);
  } else {
    await deleteMeta("user").catch(() => {});
  }
  forgetOldSentNotes().catch(() => {});
  app.ready = true;
  renderRoute();
  registerServiceWorker();
}

function sessionEnded() {
  // The notes stay on the phone (encrypted) and are sent once the person signs in again.
  stopOutbox();
  app.user = null;
  deleteMeta("user").catch(() => {});
  navigate("#/sign-in");
  announce(_("Your session has ended. Please sign in again; your notes are safe on this phone."));
}

start();

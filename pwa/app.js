// Tessera's app: starts the session, routes hash addresses to screens (one small module each,
// loaded when first needed), keeps the navigation, connectivity and outbox state, and offers
// the update when a new version of the app is ready.

import { onConnectivity, queueSignOut, recoverSession, sendQueuedSignOut, setCsrfToken, setRequestLocale, api } from "./api.js";
import { announce, bootData, dismissStatus, h, icon } from "./dom.js";
import { _, N_, likelyLocale, loadLocaleList, locale, onLocaleChange, preferredLocale, useLocale } from "./i18n.js";
import { deleteMeta, forgetOldSentNotes, getMeta, setMeta, wipeEverything } from "./store.js";
import { onOutboxChange, requestFlush, startOutbox, stopOutbox, unsentCount } from "./sync.js";

// [pattern, screen module, who may see it (omitted: anyone signed in; "public": anyone; else a
// role group of the server's vocabularies)]
const ROUTES = [
  [/^sign-in$/, "sign-in", "public"],
  [/^join(?:\/(?<code>[^/?]+))?$/, "join", "public"],
  [/^reset-password$/, "reset-password", "public"],
  // A Delphi panellist's private link: no account needed, and a session is never used for it.
  [/^ballot\/(?<token>[^/]+)$/, "ballot", "public"],
  [/^home$/, "home"],
  [/^notes$/, "notes", "note_readers"],
  [/^notes\/new$/, "editor", "authors"],
  [/^notes\/(?<id>[0-9a-fA-F-]{36})$/, "editor", "note_readers"],
  [/^forum$/, "forum", "forum_members"],
  [/^forum\/c\/(?<id>[^/]+)$/, "forum", "forum_members"],
  [/^forum\/t\/(?<id>[^/]+)$/, "forum", "forum_members"],
  [/^notifications$/, "notifications"],
  [/^settings$/, "settings"],
  [/^moderation$/, "moderation", "moderators"],
  [/^invites$/, "invites", "inviters"],
  [/^review$/, "review", "staff"],
  [/^export$/, "export", "researchers"],
  [/^events$/, "events"],
  [/^events\/new$/, "event-staff", "event_organisers"],
  [/^events\/(?<id>[0-9a-fA-F-]{36})$/, "events"],
  [/^events\/(?<id>[0-9a-fA-F-]{36})\/(?:edit|people)$/, "event-staff", "event_organisers"],
  [/^actions$/, "actions", "action_readers"],
  [/^directory$/, "directory", "directory_keepers"],
  [/^directory\/(?:new|import)$/, "directory-form", "directory_keepers"],
  [/^directory\/(?<id>[0-9a-fA-F-]{36})$/, "directory", "directory_keepers"],
  [/^directory\/(?<id>[0-9a-fA-F-]{36})\/edit$/, "directory-form", "directory_keepers"],
  [/^impact$/, "impact", "impact_readers"],
  [/^briefs$/, "briefs", "brief_readers"],
  [/^briefs\/(?<id>[0-9a-fA-F-]{36})$/, "briefs", "brief_readers"],
  [/^guides$/, "guides", "researchers"],
  [/^guides\/new$/, "guides", "researchers"],
  [/^guides\/(?<id>[0-9a-fA-F-]{36})$/, "guides", "researchers"],
  [/^platforms$/, "platforms", "admins"],
  [/^mail$/, "mail", "admins"],
  [/^users$/, "users", "admins"],
  [/^audit$/, "audit", "admins"],
  [/^mail\/(?<id>[0-9a-fA-F-]{36})$/, "mail", "admins"],
  [/^delphi$/, "delphi", "delphi_result_readers"],
  [/^delphi\/new$/, "delphi", "researchers"],
  [/^delphi\/(?<id>[0-9a-fA-F-]{36})$/, "delphi-study", "researchers"],
  [/^delphi\/(?<id>[0-9a-fA-F-]{36})\/edit$/, "delphi", "researchers"],
  [/^delphi\/(?<id>[0-9a-fA-F-]{36})\/results$/, "delphi-results", "delphi_result_readers"],
];

// [hash, label, icon, who sees it ("!group": everyone signed in but that group)], in the order of the bottom bar in every language (mirrored
// right to left by the layout); a role with more places than BAR_PLACES keeps the first ones in
// the bar and the rest under "More".
const NAVIGATION = [
  ["#/home", N_("Home"), "home"],
  ["#/notes", N_("My notes"), "notes", "authors"],
  ["#/review", N_("Review"), "approved", "staff"],
  ["#/forum", N_("Forum"), "forum", "forum_members"],
  ["#/moderation", N_("Moderation"), "conflict", "moderators"],
  ["#/invites", N_("Invites"), "forward", "inviters"],
  ["#/export", N_("Export"), "notes", "researchers"],
  // Young people's bar is full (notes, forum): they find events on their home instead.
  ["#/events", N_("Events"), "calendar", "!authors"],
  ["#/actions", N_("Actions"), "approved", "action_readers"],
  ["#/directory", N_("Directory"), "directory", "directory_keepers"],
  ["#/impact", N_("Impact"), "chart", "impact_readers"],
  ["#/briefs", N_("Briefs"), "notes", "brief_readers"],
  ["#/guides", N_("Interview guides"), "edit", "researchers"],
  ["#/users", N_("People"), "directory", "admins"],
  ["#/mail", N_("E-mail outbox"), "forward", "admins"],
  ["#/audit", N_("Audit log"), "check", "admins"],
  ["#/platforms", N_("Platforms"), "settings", "admins"],
  // Researchers' and stakeholders' bars are full: Delphi studies are under "More".
  ["#/delphi", N_("Delphi"), "approved", "delphi_result_readers"],
  ["#/notifications", N_("Notifications"), "bell"],
  ["#/settings", N_("Settings"), "settings"],
];
// Five places fit one row at 320 px with their labels; a sixth would wrap or shrink them.
const BAR_PLACES = 5;

// vocabularies: the server's roles, role groups, statuses and reasons (GET /api/v1/vocabularies).
const app = { user: null, screen: null, ctx: null, renderCount: 0, ready: false, vocabularies: null };
// Settles once the first screen is drawn: what can wait (the outbox's first sync, keeping guides
// for offline, installing the service worker) waits for it, so it does not compete with the
// first screen for a slow network.
let firstScreenDrawn;
const firstScreen = new Promise((resolve) => {
  firstScreenDrawn = resolve;
});

// Whether the person's role is in one of the server's role groups ("moderators", "staff", ...).
function inGroup(user, group) {
  return Boolean(user && app.vocabularies?.role_groups?.[group]?.includes(user.role));
}

function allowed(who, user) {
  if (who === "public") return true;
  if (!user) return false;
  if (who?.startsWith("!")) return !inGroup(user, who.slice(1));
  return !who || inGroup(user, who);
}

// The service worker keeps the last answer (like the language catalogues), so the app knows
// who sees which screen offline too.
async function loadVocabularies() {
  app.vocabularies = bootData("vocabularies") || null;
  if (app.vocabularies) return;
  try {
    const response = await fetch("/api/v1/vocabularies", { headers: { Accept: "application/json" } });
    if (response.ok) app.vocabularies = await response.json();
  } catch {
    // Offline and never kept: only the screens open to everyone signed in are offered.
  }
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

function isCurrentPlace(current, hash) {
  return current === hash || current.startsWith(`${hash}/`);
}

// What the bottom bar shows now (its place, its labels in the person's language).
let barShown = "";

function renderChrome() {
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", _("Main"));
  const current = `#/${parseHash().path}`;
  const places = app.user ? NAVIGATION.filter(([, , , who]) => allowed(who, app.user)) : [];
  // A screen that draws itself again (home, once the outbox has sent) must not close "More" under
  // the person's finger or take their focus away: the bar is rebuilt only when what it shows changed.
  const shown = JSON.stringify([current, _("More"), places.map(([hash, label]) => [hash, _(label)])]);
  if (shown !== barShown) {
    barShown = shown;
    const inBar = places.length > BAR_PLACES ? places.slice(0, BAR_PLACES - 1) : places;
    const placeLink = ([hash, label, name]) =>
      h("a", { href: hash, "aria-current": isCurrentPlace(current, hash) ? "page" : null }, icon(name), h("span", null, _(label)));
    const items = inBar.map((place) => h("li", null, placeLink(place)));
    const more = places.slice(inBar.length);
    if (more.length) items.push(h("li", null, moreMenu(more.map(placeLink), more.some(([hash]) => isCurrentPlace(current, hash)))));
    nav.replaceChildren(h("ul", null, items));
  }
  nav.hidden = !app.user;
  const signOutButton = document.getElementById("sign-out");
  signOutButton.hidden = !app.user;
  signOutButton.textContent = _("Sign out");
  document.getElementById("skip").textContent = _("Skip to content");
  setOnline(document.documentElement.dataset.online !== "false");
}

// "More": a disclosure button and the list of places it shows (WAI-ARIA APG's disclosure
// navigation): Escape, a tap elsewhere or leaving it closes it; the arrow keys go up and down.
function moreMenu(links, holdsCurrent) {
  const list = h("ul", { id: "more-places", class: "more-places", hidden: true }, links.map((link) => h("li", null, link)));
  const button = h(
    "button",
    { type: "button", class: "more-button", "aria-expanded": "false", "aria-controls": "more-places", "data-current": holdsCurrent ? "true" : null },
    icon("more"),
    h("span", null, _("More")),
  );
  const wrapper = h("div", { class: "more" }, button, list);
  const setOpen = (open) => {
    list.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) document.addEventListener("pointerdown", closeOnOutside, true);
    else document.removeEventListener("pointerdown", closeOnOutside, true);
  };
  const closeOnOutside = (event) => {
    if (!wrapper.contains(event.target)) setOpen(false);
  };
  button.addEventListener("click", () => {
    const open = list.hidden;
    setOpen(open);
    if (open) links[0].focus();
  });
  wrapper.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      setOpen(false);
      button.focus();
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && !list.hidden) {
      event.preventDefault();
      const at = links.indexOf(document.activeElement);
      const step = event.key === "ArrowDown" ? 1 : -1;
      links[(at + step + links.length) % links.length].focus();
    }
  });
  wrapper.addEventListener("focusout", (event) => {
    if (!wrapper.contains(event.relatedTarget) && event.relatedTarget) setOpen(false);
  });
  for (const link of links) link.addEventListener("click", () => setOpen(false));
  return wrapper;
}

// The context every screen gets: who is signed in, the address, and what it may ask the app.
function screenContext(params, query, count) {
  return {
    user: app.user,
    vocabularies: app.vocabularies,
    inGroup: (group) => inGroup(app.user, group),
    params,
    query,
    navigate,
    refresh: renderRoute,
    isCurrent: () => count === app.renderCount,
    signedIn: signedIn,
    signOut,
    accountErased,
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
  if (app.user && (name === "sign-in" || name === "join" || name === "reset-password")) return navigate("#/home");
  if (path !== app.path) dismissStatus();
  renderChrome();
  const module = await import(`./screens/${name}.js`);
  if (count !== app.renderCount) return;
  app.screen = module;
  const params = { ...pattern.exec(path).groups, path };
  app.ctx = screenContext(params, query, count);
  await module.render(app.ctx);
  // A new screen: move focus to its heading so a screen reader starts there, unless the person
  // has meanwhile gone on to the bar (opened "More" while the screen was still loading).
  if (path !== app.path && count === app.renderCount) {
    const inBar = document.getElementById("nav").contains(document.activeElement);
    if (app.path !== undefined && !inBar) document.querySelector("main h1")?.focus();
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
  if (inGroup(user, "authors")) {
    firstScreen.then(() => {
      if (app.user?.id !== user.id) return;
      startOutbox(user.id);
      keepForOffline(user);
    });
  }
}

// What writing notes offline needs, kept at once rather than when a notes screen is first opened
// online: the guides of the person's platforms (on the phone, in store.js) and the vocabularies
// and the person's catalogue (in the service worker's cache). Not awaited: the app goes on.
function keepForOffline(user) {
  import("./screens/common.js").then(({ loadGuides }) => loadGuides(user)).catch(() => {});
  const paths = ["/api/v1/vocabularies", "/api/v1/i18n", `/api/v1/i18n/${encodeURIComponent(document.documentElement.lang)}`];
  navigator.serviceWorker?.ready.then((registration) => registration.active?.postMessage({ type: "keep-for-offline", paths }));
}

async function signOut() {
  const unsent = await unsentCount();
  if (unsent > 0 && !(await confirmLosingNotes(unsent))) return;
  await unsubscribePush();
  await closeNotifications();
  const ended = await api("POST", "/api/v1/auth/logout");
  stopOutbox();
  setCsrfToken(null);
  app.user = null;
  await wipeEverything();
  // Offline: the phone is wiped all the same, and the server ends the session the moment the
  // phone is online again, before any other request goes out (api.js), with the app closed too.
  if (!ended.ok && ended.status !== 401) {
    await queueSignOut();
    const registration = await navigator.serviceWorker?.getRegistration().catch(() => null);
    await registration?.sync?.register("tessera-outbox").catch(() => {});
  }
  location.replace("/#/sign-in?signed-out=1");
  location.reload();
}

// The account is erased (the server's Clear-Site-Data asked the browser to forget the site):
// nothing of the person stays on this phone either, unsent notes included, as they chose.
async function accountErased() {
  await closeNotifications();
  stopOutbox();
  setCsrfToken(null);
  app.user = null;
  await wipeEverything();
  location.replace("/#/sign-in?erased=1");
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
    // Its modules are app files the HTTP cache may keep for an hour: a new worker must not start
    // with the old ones, so it fetches them past that cache ("none").
    const registration = await navigator.serviceWorker.register("/sw.js", {
      type: "module",
      scope: "/",
      updateViaCache: "none",
    });
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
  // The bar's height follows its labels (two lines in some languages): what the page keeps clear
  // of it, and where the messages above it go, follow the bar.
  const nav = document.getElementById("nav");
  new ResizeObserver(() => {
    if (nav.offsetHeight) document.documentElement.style.setProperty("--nav-height", `${nav.offsetHeight}px`);
  }).observe(nav);
  setOnline(navigator.onLine !== false);
  onConnectivity((online) => setOnline(online));
  addEventListener("online", async () => {
    setOnline(true);
    // A sign-out made offline reaches the server now; the app then starts afresh, as after any
    // sign-out (the server's Clear-Site-Data took the service worker and its caches along).
    if ((await sendQueuedSignOut()) === "sent") location.reload();
  });
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

  // Everything the first screen needs is asked for at once: on a slow network each wait in turn
  // would cost a round trip. The catalogue is the likely language's; the list of languages then
  // says whether it was the right one.
  const likely = likelyLocale();
  setRequestLocale(likely);
  const [codes, session, , likelyLoaded] = await Promise.all([
    loadLocaleList().then((items) => items.map((item) => item.code)),
    recoverSession(),
    loadVocabularies(),
    useLocale(likely),
  ]);
  const first = preferredLocale(codes.length ? codes : ["en"]);
  setRequestLocale(first);
  if (!likelyLoaded || locale() !== first) await useLocale(first);
  if (session.ok) {
    await signedIn(session.data.user);
  } else if (session.offline) {
    // Offline: the person who signed in last can keep writing; the CSRF token is fetched on reconnect.
    const user = await getMeta("user", { secret: true }).catch(() => null);
    if (user) await signedIn(user);
  } else {
    await deleteMeta("user").catch(() => {});
  }
  app.ready = true;
  try {
    await renderRoute();
  } finally {
    // Whatever became of the first screen, the outbox and the service worker must start: a
    // screen that failed to draw must never keep notes from being sent.
    firstScreenDrawn();
    forgetOldSentNotes().catch(() => {});
    registerServiceWorker();
  }
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

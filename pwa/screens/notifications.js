// Notifications: what happened (replies, reviews, moderation), and the opt-in to Web Push.
// Push is asked for only when the person presses the button, never on arrival.

import { api } from "../api.js";
import { announce, h, showScreen } from "../dom.js";
import { _, formatDate } from "../i18n.js";
import { problem, problemText } from "./common.js";

function base64UrlToBytes(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker?.getRegistration();
  return registration?.pushManager ? { registration, subscription: await registration.pushManager.getSubscription() } : null;
}

async function turnPushOn() {
  const key = await api("GET", "/api/v1/push/key");
  if (!key.ok) return problemText(key);
  if ((await Notification.requestPermission()) !== "granted") return _("Notifications are blocked in this browser's settings.");
  const { registration } = await currentSubscription();
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key.data.public_key) });
  const stored = await api("POST", "/api/v1/push/subscriptions", subscription.toJSON());
  if (!stored.ok) {
    await subscription.unsubscribe();
    return problemText(stored);
  }
  return null;
}

async function turnPushOff() {
  const { subscription } = await currentSubscription();
  if (!subscription) return null;
  const removed = await api("DELETE", "/api/v1/push/subscriptions", { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
  return removed.ok || removed.status === 404 ? null : problemText(removed);
}

async function pushSection(ctx) {
  const supported = "PushManager" in globalThis && "Notification" in globalThis && navigator.serviceWorker;
  const section = h("section", { class: "card", "aria-labelledby": "push-title" }, h("h2", { id: "push-title" }, _("Notifications on this phone")));
  if (!supported) {
    section.append(h("p", null, _("This browser cannot show notifications from Tessera.")));
    return section;
  }
  const state = await currentSubscription().catch(() => null);
  const on = Boolean(state?.subscription);
  section.append(
    h("p", null, on ? _("Tessera may notify you on this phone, for example when someone replies to you.") : _("Get a notification on this phone when someone replies to you or your note is reviewed.")),
    h("button", { type: "button", class: on ? "secondary" : null, onclick: async (event) => {
      event.currentTarget.disabled = true;
      let failure;
      try {
        failure = on ? await turnPushOff() : await turnPushOn();
      } catch {
        failure = _("Notifications could not be turned on in this browser.");
      }
      announce(failure || (on ? _("Notifications on this phone are off.") : _("Notifications on this phone are on.")));
      ctx.refresh();
    } }, on ? _("Turn off notifications") : _("Turn on notifications")),
  );
  return section;
}

export async function render(ctx) {
  const [result, push] = await Promise.all([api("GET", "/api/v1/notifications?limit=50"), pushSection(ctx)]);
  if (!ctx.isCurrent()) return;
  const items = result.ok ? result.data.items || [] : [];
  const unread = items.filter((item) => !item.read).map((item) => item.id);
  showScreen(
    _("Notifications"),
    push,
    h("h2", null, _("Latest")),
    result.ok ? null : problem(result),
    items.length
      ? h("ul", { class: "list" }, items.map((item) =>
          h("li", { class: item.read ? "card" : "card unread" },
            h("a", { href: item.link?.startsWith("#") || item.link?.startsWith("/#") ? item.link.replace(/^\//, "") : "#/notifications", class: "row" },
              h("span", { class: "grow" }, h("span", { class: "title" }, item.title), h("span", { class: "meta" }, formatDate(item.created_at)))),
            item.read ? null : h("span", { class: "meta" }, _("New")))))
      : result.ok ? h("p", { class: "meta" }, _("Nothing new.")) : null,
  );
  // Seen now: marked read on the server (the badge elsewhere goes down).
  if (unread.length) api("POST", "/api/v1/notifications/read", { ids: unread });
}

// My notes: those on this phone (with their state) and, when online, those already on the server.

import { api } from "../api.js";
import { formatDate, _ } from "../i18n.js";
import { appendInSlices, h, icon, showScreen } from "../dom.js";
import { localNotes, noteState } from "../outbox.js";
import { requestFlush } from "../sync.js";
import { loadGuides, noteTitle, stateBadge } from "./common.js";

const SERVER_STATES = { submitted: "sent", approved: "approved", changes_requested: "changes_requested", draft: "saved" };

function item(id, title, when, state) {
  return h(
    "li",
    { class: "card", "data-note": id },
    h("a", { href: `#/notes/${id}`, class: "row" }, h("span", { class: "grow" }, h("span", { class: "title" }, title), h("span", { class: "meta" }, formatDate(when))), icon("forward")),
    stateBadge(state),
  );
}

export async function render(ctx) {
  const [local, guides, remote] = await Promise.all([
    localNotes(ctx.user.id),
    loadGuides(ctx.user),
    ctx.inGroup("authors") ? api("GET", "/api/v1/notes?limit=100") : Promise.resolve({ ok: false }),
  ]);
  if (!ctx.isCurrent()) return;
  local.sort((a, b) => (b.updatedAt || 0) - (a.updatedAt || 0));
  const onPhone = new Set(local.map((note) => note.id));
  // What each item shows, cheap to gather; the items themselves are drawn in slices.
  const entries = local.map((note) => [note.id, note.body, note.body.recorded_at, noteState(note)]);
  for (const note of remote.ok ? remote.data.items : []) {
    if (onPhone.has(note.id) || note.status === "withdrawn") continue;
    entries.push([note.id, note, note.recorded_at, SERVER_STATES[note.status] || "sent"]);
  }
  const makeItem = ([id, body, when, state]) => item(id, noteTitle(body, guides), when, state);
  const waiting = local.some((note) => note.queued);
  showScreen(
    _("My notes"),
    h(
      "div",
      { class: "actions" },
      h("a", { href: "#/notes/new", class: "button" }, _("New note")),
      waiting ? h("button", { type: "button", class: "secondary", onclick: () => requestFlush() }, _("Send now")) : null,
    ),
    entries.length ? appendInSlices(h("ul", { class: "list" }), entries, makeItem, ctx.isCurrent) : h("p", { class: "meta" }, _("No notes yet. Choose “New note” to write your first one.")),
    remote.offline ? h("p", { class: "meta" }, _("You are offline: notes that are only on the server show when you are online.")) : null,
  );
}

export function onOutboxChange(ctx) {
  ctx.refresh();
}

// Home: what to do next. Peer researchers see their notes at a glance and a gentle reminder
// about notes that have waited on the phone for days; others see the screens of their role.

import { h, showScreen } from "../dom.js";
import { _, ngettext } from "../i18n.js";
import { localNotes, noteState } from "../outbox.js";
import { stateBadge } from "./common.js";

const REMIND_AFTER_DAYS = 2; // the reminder's text says "more than two days"
const DAY_MS = 24 * 3600 * 1000;

export async function render(ctx) {
  const { user } = ctx;
  const parts = [h("p", null, _("Welcome, {name}", { name: user.display_name }))];
  if (user.role === "youth") {
    const notes = await localNotes(user.id);
    if (!ctx.isCurrent()) return;
    const unsent = notes.filter((note) => ["saved", "waiting", "conflict"].includes(noteState(note)));
    const oldest = Math.min(...unsent.map((note) => note.updatedAt || Date.now()));
    const days = Math.floor((Date.now() - oldest) / DAY_MS);
    if (unsent.length && days >= REMIND_AFTER_DAYS) {
      parts.push(
        h(
          "div",
          { class: "notice gentle" },
          h("p", null, ngettext("{count} note has been waiting on this phone for more than two days.", "{count} notes have been waiting on this phone for more than two days.", unsent.length)),
          h("p", null, _("When you have a connection, open it and choose “Send now”. Your youth worker can help.")),
          h("a", { href: "#/notes", class: "button secondary" }, _("Show them")),
        ),
      );
    }
    const counts = {};
    for (const note of notes) counts[noteState(note)] = (counts[noteState(note)] || 0) + 1;
    parts.push(
      h("p", { class: "actions" }, h("a", { href: "#/notes/new", class: "button" }, _("New note"))),
      h("h2", null, _("On this phone")),
      notes.length
        ? h("ul", { class: "list" }, Object.entries(counts).map(([state, count]) => h("li", { class: "row" }, stateBadge(state), h("span", null, ngettext("{count} note", "{count} notes", count)))))
        : h("p", { class: "meta" }, _("No notes on this phone yet.")),
    );
  }
  if (user.role !== "youth") {
    parts.push(h("p", null, _("Use the menu to reach the forum, your notifications and the tools of your role.")));
  }
  showScreen(_("Home"), parts);
}

export function onOutboxChange(ctx) {
  ctx.refresh();
}

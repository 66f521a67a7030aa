// Home: what to do next. Peer researchers see their notes at a glance and a gentle reminder
// about notes that have waited on the phone for days; others see the screens of their role.

import { api } from "../api.js";
import { h, icon, showScreen } from "../dom.js";
import { _, formatDate, formatDay, formatEventTime, ngettext } from "../i18n.js";
import { localNotes, noteState } from "../outbox.js";
import { problem, stateBadge } from "./common.js";

const REMIND_AFTER_DAYS = 2; // the reminder's text says "more than two days"
const DAY_MS = 24 * 3600 * 1000;

export async function render(ctx) {
  const { user } = ctx;
  const parts = [h("p", null, _("Welcome, {name}", { name: user.display_name }))];
  if (ctx.inGroup("authors")) {
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
  // What waits on the server comes after the screen is shown: the home is usable at once, and
  // offline it simply stays away.
  const waiting = h("section", { class: "next-steps", "aria-labelledby": "next-steps-title" });
  const events = h("section", { class: "coming-events", "aria-labelledby": "coming-events-title" });
  const actions = h("section", { class: "open-actions", "aria-labelledby": "open-actions-title" });
  // Named by its heading only once it has one: most people have no ballot, and see nothing.
  const ballots = h("section", { class: "open-ballots" });
  const briefs = h("section", { class: "published-briefs", "aria-labelledby": "published-briefs-title" });
  const isStakeholder = ctx.user.role === "stakeholder";
  parts.push(waiting, ballots, events, isStakeholder ? actions : null, isStakeholder ? briefs : null);
  showScreen(_("Home"), parts);
  openBallots(ctx, ballots);
  comingEvents(ctx, events);
  if (isStakeholder) {
    openActions(ctx, actions);
    publishedBriefs(ctx, briefs);
  }
  const answer = await api("GET", "/api/v1/me/next-steps");
  if (!ctx.isCurrent() || !answer.ok) return;
  const steps = nextSteps(answer.data);
  waiting.append(
    h("h2", { id: "next-steps-title" }, _("What’s next")),
    steps.length
      ? h("ul", { class: "list" }, steps.map(([href, text, urgent]) => h("li", { class: urgent ? "card urgent" : "card" }, h("a", { href, class: "row" }, h("span", { class: "grow" }, text), icon("forward")))))
      : h("p", { class: "meta" }, _("Nothing waits for you right now.")),
  );
}

const SHOWN_ON_HOME = 3;

// The next few events of the person's platforms (young people reach events from here: their
// bar holds their notes and the forum).
async function comingEvents(ctx, section) {
  const answer = await api("GET", `/api/v1/events?limit=${SHOWN_ON_HOME}&from=${encodeURIComponent(new Date().toISOString())}`);
  if (!ctx.isCurrent() || !answer.ok) return;
  const link = (href, title, meta) => h("li", { class: "card" }, h("a", { href, class: "row" }, h("span", { class: "grow" }, h("span", { class: "title", dir: "auto" }, title), h("span", { class: "meta" }, meta)), icon("forward")));
  section.append(
    h("h2", { id: "coming-events-title" }, _("Coming events")),
    answer.data.items.length
      ? h("ul", { class: "list" }, answer.data.items.map((event) => link(`#/events/${event.id}`, event.title, formatEventTime(event.starts_at, event.ends_at, event.time_zone))))
      : h("p", { class: "meta" }, _("No events are planned yet.")),
    h("p", null, h("a", { href: "#/events" }, _("All events"))),
  );
}

// A stakeholder follows what was agreed at events: the actions not done yet.
async function openActions(ctx, section) {
  const [planned, started, { ACTION_STATUSES, label }] = await Promise.all([
    api("GET", `/api/v1/actions?status=planned&limit=${SHOWN_ON_HOME}`),
    api("GET", `/api/v1/actions?status=in_progress&limit=${SHOWN_ON_HOME}`),
    import("./labels.js"),
  ]);
  if (!ctx.isCurrent() || !planned.ok || !started.ok) return;
  const items = [...started.data.items, ...planned.data.items].slice(0, SHOWN_ON_HOME);
  section.append(
    h("h2", { id: "open-actions-title" }, _("Actions under way")),
    items.length
      ? h("ul", { class: "list" }, items.map((action) => h("li", { class: "card" }, h("p", { class: "post", dir: "auto", lang: action.language }, action.text), h("p", { class: "meta" }, [label(ACTION_STATUSES, action.status), action.due ? _("Due: {date}", { date: formatDay(action.due) }) : null].filter(Boolean).join(" · ")))))
      : h("p", { class: "meta" }, _("No actions yet.")),
    h("p", null, h("a", { href: "#/actions" }, _("All actions"))),
  );
}

// The open Delphi rounds where the person is a panellist through their account; shown only
// when there is one. Outside anonymous studies the app asks for a new private link and opens
// it (the one sent before stops working); under anonymous only the link they were given opens
// the ballot, since nobody can tell their answers from the others' (docs/architecture.md).
async function openBallots(ctx, section) {
  const answer = await api("GET", "/api/v1/me/ballots");
  if (!ctx.isCurrent() || !answer.ok || !answer.data.items.length) return;
  const item = (ballot) => {
    const result = h("div", { "aria-live": "polite" });
    const open = async () => {
      const renewed = await api("POST", `/api/v1/me/ballots/${ballot.panellist_id}/link`);
      if (!renewed.ok) return result.replaceChildren(problem(renewed));
      ctx.navigate(`#/ballot/${renewed.data.token}`);
    };
    return h(
      "li",
      { class: "card", "data-ballot": ballot.panellist_id },
      h("p", { dir: "auto" }, _("You have a ballot open in {study}, round {number}, since {date}.", { study: ballot.study.title, number: ballot.round.number, date: formatDay(ballot.round.opened_at) })),
      ballot.link_renewable
        ? h("div", null, h("p", { class: "meta" }, _("Opening it here gives you a new private link: the one we sent before stops working.")), h("button", { type: "button", onclick: open }, _("Open my ballot")))
        : h("p", { class: "meta" }, _("Your answers in this study are anonymous, so only the private link you were sent opens your ballot: look for it in your e-mail.")),
      result,
    );
  };
  section.setAttribute("aria-labelledby", "open-ballots-title");
  section.append(h("h2", { id: "open-ballots-title" }, _("Your Delphi ballots")), h("ul", { class: "list" }, answer.data.items.map(item)));
}

// The platform's published policy briefs, each opening its public page.
async function publishedBriefs(ctx, section) {
  const answer = await api("GET", `/api/v1/briefs?limit=${SHOWN_ON_HOME}`);
  if (!ctx.isCurrent() || !answer.ok) return;
  const published = answer.data.items.filter((brief) => brief.url);
  section.append(
    h("h2", { id: "published-briefs-title" }, _("Policy briefs")),
    published.length
      ? h("ul", { class: "list" }, published.map((brief) => h("li", { class: "card" }, h("a", { href: brief.url, class: "row" }, h("span", { class: "grow" }, h("span", { class: "title", dir: "auto", lang: brief.language }, brief.title), h("span", { class: "meta" }, _("Published {date}", { date: formatDay(brief.published_at) }))), icon("forward")))))
      : h("p", { class: "meta" }, _("No briefs are published yet.")),
  );
}

// [where to go, what to say, whether it is urgent], most urgent first; only what has a count.
function nextSteps(data) {
  const steps = [];
  const add = (count, href, text, urgent = false) => {
    if (count > 0) steps.push([href, text, urgent]);
  };
  add(data.urgent_reports, "#/moderation", ngettext("{count} urgent report", "{count} urgent reports", data.urgent_reports || 0), true);
  add(data.notes_changes_requested, "#/notes", ngettext("{count} note needs changes", "{count} notes need changes", data.notes_changes_requested || 0));
  add(data.moderation_queue, "#/moderation", ngettext("{count} post waits in the moderation queue", "{count} posts wait in the moderation queue", data.moderation_queue || 0));
  add(data.notes_to_review, "#/review", ngettext("{count} note waits for review", "{count} notes wait for review", data.notes_to_review || 0));
  add(data.new_replies, "#/notifications", ngettext("{count} new reply to your topic", "{count} new replies to your topics", data.new_replies || 0));
  const others = (data.unread_notifications || 0) - (data.new_replies || 0);
  add(others, "#/notifications", ngettext("{count} unread notification", "{count} unread notifications", others));
  if (data.last_export_at !== undefined) {
    steps.push(["#/export", data.last_export_at ? _("Last export: {date}", { date: formatDate(data.last_export_at) }) : _("No export yet: download notes for analysis"), false]);
  }
  return steps;
}

export function onOutboxChange(ctx) {
  ctx.refresh();
}

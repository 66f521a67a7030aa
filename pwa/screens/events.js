// Events (everyone signed in): the workshops, focus groups and conferences of the person's
// platforms, soonest first; an event's page with its time where it takes place, registering
// oneself and cancelling, a calendar file, and what came of it (findings, recommendations,
// actions). Organisers also find here the ways to change the event and record its outcomes.
// The last list seen stays on the phone to read offline; changes need a connection.

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, formatDay, formatEventTime, locale, ngettext } from "../i18n.js";
import { getMeta, setMeta } from "../store.js";
import { backLink, confirmAction, emptyText, loadMoreButton, markInvalid, onlineOnlyNotice, problem } from "./common.js";
import { EVENT_KINDS, OUTCOME_KINDS, REGISTRATION_STATUSES, ACTION_STATUSES, label, options, statusBadge } from "./labels.js";

const PAGE = 50;

export async function render(ctx) {
  if (ctx.params.id) return renderEvent(ctx);
  return renderList(ctx);
}

function eventItem(event) {
  const mine = event.my_registration;
  return h(
    "li",
    { class: "card", "data-event": event.id },
    h(
      "a",
      { href: `#/events/${event.id}`, class: "row" },
      h(
        "span",
        { class: "grow" },
        h("span", { class: "title", dir: "auto" }, event.title),
        h("span", { class: "meta" }, `${label(EVENT_KINDS, event.kind)} · ${formatEventTime(event.starts_at, event.ends_at, event.time_zone)}`),
        event.place ? h("span", { class: "meta block" }, event.place) : null,
      ),
      icon("forward"),
    ),
    mine ? statusBadge(REGISTRATION_STATUSES, mine.status) : null,
  );
}

function listPath(past, cursor) {
  const query = new URLSearchParams({ limit: String(PAGE) });
  query.set(past ? "until" : "from", new Date().toISOString());
  if (cursor) query.set("cursor", cursor);
  return `/api/v1/events?${query}`;
}

async function renderList(ctx) {
  const past = ctx.query.get("past") === "1";
  const key = `events:${ctx.user.id}`;
  const answer = await api("GET", listPath(past));
  if (!ctx.isCurrent()) return;
  let items = answer.ok ? answer.data.items : null;
  let keptNote = null;
  if (answer.ok && !past) await setMeta(key, { items, at: Date.now() }, { secret: true }).catch(() => {});
  if (!answer.ok && answer.offline && !past) {
    const kept = await getMeta(key, { secret: true }).catch(() => null);
    if (kept) {
      items = kept.items;
      keptNote = h("p", { class: "notice gentle" }, _("You are offline: these are the events as they were when you were last online."));
    }
  }
  if (!ctx.isCurrent()) return;
  const list = h("ul", { class: "list", id: "event-list" }, (items || []).map(eventItem));
  const more = answer.ok ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
    const result = await api("GET", listPath(past, cursor));
    return { result, nodes: result.ok ? result.data.items.map(eventItem) : [], next: result.ok ? result.data.next_cursor : null };
  }, "events-title") : null;
  const organiser = ctx.inGroup("event_organisers");
  showScreen(
    past ? _("Past events") : _("Events"),
    h(
      "div",
      { class: "actions" },
      organiser ? h("a", { href: "#/events/new", class: "button" }, _("New event")) : null,
      h("a", { href: past ? "#/events" : "#/events?past=1", class: "button secondary" }, past ? _("Coming events") : _("Past events")),
      ctx.inGroup("action_readers") ? h("a", { href: "#/actions", class: "button secondary" }, _("Actions")) : null,
    ),
    keptNote,
    items === null ? problem(answer) : null,
    items && !items.length ? emptyText(past ? _("No past events.") : _("No events are planned yet.")) : null,
    list,
    more,
    past ? null : calendarFeedSection(),
  );
  document.querySelector("main h1").id = "events-title";
}

// A private address for calendar apps, with every event of the person's: shown once (only a
// hash of it is kept); making a new one ends the old.
function calendarFeedSection() {
  const shown = h("div", { "aria-live": "polite" });
  const make = h("button", {
    type: "button",
    class: "secondary",
    onclick: async () => {
      const answer = await api("POST", "/api/v1/me/calendar-feed");
      if (!answer.ok) return shown.replaceChildren(problem(answer));
      shown.replaceChildren(
        h("p", null, _("Add this address to your calendar app. Copy it now: it is shown only once.")),
        h("p", { class: "token", "data-feed-url": "" }, answer.data.url),
      );
      announce(_("Calendar address made"));
    },
  }, _("Make a calendar address"));
  return h(
    "section",
    { "aria-labelledby": "feed-title" },
    h("h2", { id: "feed-title" }, _("In my calendar app")),
    h("p", { class: "meta" }, _("A private address that keeps your calendar app up to date with these events. A new address ends the old one.")),
    make,
    shown,
  );
}

async function renderEvent(ctx) {
  const id = ctx.params.id;
  const [answer, outcomes] = await Promise.all([api("GET", `/api/v1/events/${id}`), api("GET", `/api/v1/events/${id}/outcomes?limit=100`)]);
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Event"), backLink("#/events", _("All events")), problem(answer));
  const event = answer.data;
  const organiser = ctx.inGroup("event_organisers");
  const details = h(
    "dl",
    { class: "details" },
    h("dt", null, _("When")),
    h("dd", { "data-event-time": "" }, formatEventTime(event.starts_at, event.ends_at, event.time_zone)),
    event.place ? [h("dt", null, _("Where")), h("dd", null, event.place)] : null,
    event.online_url ? [h("dt", null, _("Online")), h("dd", null, h("a", { href: event.online_url, rel: "noopener noreferrer", target: "_blank" }, event.online_url))] : null,
    h("dt", null, _("Places")),
    h(
      "dd",
      { "data-places": "" },
      event.capacity
        ? _("{confirmed} of {capacity} places taken", { confirmed: event.confirmed, capacity: event.capacity })
        : ngettext("{count} person registered", "{count} people registered", event.confirmed),
      event.waitlisted ? h("span", { class: "meta block" }, ngettext("{count} person on the waiting list", "{count} people on the waiting list", event.waitlisted)) : null,
    ),
    event.languages.length ? [h("dt", null, _("Languages")), h("dd", null, event.languages.join(", "))] : null,
  );
  const heading = showScreen(
    event.title,
    backLink("#/events", _("All events")),
    h("p", { class: "meta" }, [label(EVENT_KINDS, event.kind), event.platform || _("Network-wide")].join(" · ")),
    details,
    event.description ? h("p", { class: "post", dir: "auto" }, event.description) : null,
    h("p", null, h("a", { href: `/api/v1/events/${id}/calendar.ics`, download: "", class: "button secondary" }, _("Add to my calendar"))),
    registrationSection(ctx, event),
    organiser
      ? h(
          "div",
          { class: "actions" },
          h("a", { href: `#/events/${id}/edit`, class: "button secondary" }, _("Change the event")),
          h("a", { href: `#/events/${id}/people`, class: "button secondary" }, _("Registrations and attendance")),
        )
      : null,
    outcomesSection(ctx, event, outcomes),
  );
  heading.dir = "auto"; // the organiser's words, in whatever language they wrote them
}

function registrationSection(ctx, event) {
  const mine = event.my_registration;
  const result = h("div", { "aria-live": "polite" });
  const section = h("section", { class: "card", "aria-labelledby": "registration-title" }, h("h2", { id: "registration-title" }, _("My registration")));
  if (mine) {
    section.append(
      h(
        "p",
        { "data-my-status": mine.status },
        mine.status === "waitlisted"
          ? _("You are on the waiting list: number {position}.", { position: mine.position })
          : _("You are registered: your place is confirmed."),
      ),
      mine.status === "confirmed"
        ? h(
            "figure",
            { class: "check-in" },
            h("img", { src: `/api/v1/events/${event.id}/registrations/${mine.id}/qr.svg`, alt: _("QR code for check-in"), width: "160", height: "160" }),
            h("figcaption", { class: "meta" }, _("Show this code at the door to check in."), " ", _("If it cannot be scanned, give this code: {code}", { code: mine.check_in_code })),
          )
        : null,
      h("button", {
        type: "button",
        class: "secondary",
        onclick: async () => {
          if (!(await confirmAction(_("Cancel my registration?"), _("Your place goes to the next person on the waiting list."), _("Cancel my registration")))) return;
          const answer = await api("DELETE", `/api/v1/events/${event.id}/registrations/${mine.id}`);
          if (!answer.ok) return result.replaceChildren(problem(answer));
          announce(_("Your registration is cancelled."));
          ctx.refresh();
        },
      }, _("Cancel my registration")),
    );
  } else {
    section.append(
      h("p", null, _("Not registered.")),
      h("button", {
        type: "button",
        onclick: async () => {
          const answer = await api("POST", `/api/v1/events/${event.id}/registrations`, {});
          if (!answer.ok) return result.replaceChildren(problem(answer));
          announce(answer.data.status === "waitlisted" ? _("You are on the waiting list: number {position}.", { position: answer.data.position }) : _("You are registered: your place is confirmed."));
          ctx.refresh();
        },
      }, _("Register me")),
    );
  }
  section.append(onlineOnlyNotice(), result);
  return section;
}

function outcomeItem(outcome) {
  const facts = [];
  if (outcome.owner) facts.push(_("Owner: {owner}", { owner: outcome.owner }));
  if (outcome.due) facts.push(_("Due: {date}", { date: formatDay(outcome.due) }));
  return h(
    "li",
    { class: "card", "data-outcome": outcome.kind },
    h("span", { class: "title" }, label(OUTCOME_KINDS, outcome.kind)),
    h("p", { class: "post", dir: "auto", lang: outcome.language }, outcome.text),
    facts.length ? h("p", { class: "meta" }, facts.join(" · ")) : null,
    outcome.status ? statusBadge(ACTION_STATUSES, outcome.status) : null,
  );
}

function outcomesSection(ctx, event, outcomes) {
  const list = h("ul", { class: "list" }, outcomes.ok ? outcomes.data.items.map(outcomeItem) : []);
  const section = h(
    "section",
    { "aria-labelledby": "outcomes-title" },
    h("h2", { id: "outcomes-title" }, _("What came of it")),
    outcomes.ok ? null : problem(outcomes),
    outcomes.ok && !outcomes.data.items.length ? emptyText(_("Nothing recorded yet.")) : null,
    list,
  );
  if (ctx.inGroup("event_organisers")) section.append(outcomeForm(ctx, event));
  return section;
}

function outcomeForm(ctx, event) {
  const kind = h("select", { name: "kind" }, options(ctx, "outcome_kinds", OUTCOME_KINDS, "finding"));
  const text = h("textarea", { name: "text", maxlength: "5000", required: true });
  const owner = h("input", { type: "text", name: "owner", maxlength: "200", autocomplete: "off" });
  const due = h("input", { type: "date", name: "due" });
  const actionFields = h("div", { class: "stack" }, field(_("Who does it"), owner), field(_("Due by"), due));
  const showActionFields = () => {
    actionFields.hidden = kind.value !== "action";
  };
  kind.addEventListener("change", showActionFields);
  showActionFields();
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "outcome-form-title" },
    h("h3", { id: "outcome-form-title" }, _("Record an outcome")),
    onlineOnlyNotice(),
    field(_("Kind"), kind),
    field(_("What"), text),
    actionFields,
    h("button", { type: "submit" }, _("Record")),
    result,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const body = { kind: kind.value, text: text.value.trim(), language: locale() };
    if (kind.value === "action") {
      if (owner.value.trim()) body.owner = owner.value.trim();
      if (due.value) body.due = due.value;
    }
    const answer = await api("POST", `/api/v1/events/${event.id}/outcomes`, body);
    markInvalid(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(_("The outcome is recorded."));
    ctx.refresh();
  });
  return form;
}

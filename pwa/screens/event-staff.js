// What an event's organisers (youth workers, researchers of its platform, admins) do with it:
// create or change it, and keep its registrations: add people, cancel, and tick who came, at
// the door or afterwards for an event recorded after it took place. Online only.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, availableLocales, formatDate } from "../i18n.js";
import {
  backLink,
  changedFields,
  confirmAction,
  emptyText,
  isoToWallClock,
  loadMoreButton,
  markInvalid,
  onlineOnlyNotice,
  phoneTimeZone,
  problem,
  wallClockToIso,
} from "./common.js";
import { EVENT_KINDS, REGISTRATION_STATUSES, options, statusBadge } from "./labels.js";

export async function render(ctx) {
  const { path } = ctx.params;
  if (path.endsWith("/people")) return renderPeople(ctx);
  return renderForm(ctx);
}

function timeZones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [phoneTimeZone()];
  }
}

async function renderForm(ctx) {
  const id = ctx.params.id;
  let stored = null;
  if (id) {
    const answer = await api("GET", `/api/v1/events/${id}`);
    if (!ctx.isCurrent()) return;
    if (!answer.ok) return showScreen(_("Change the event"), backLink("#/events", _("All events")), problem(answer));
    stored = answer.data;
  }
  const event = stored || { kind: "workshop", title: "", description: "", time_zone: phoneTimeZone(), place: "", online_url: "", capacity: null, languages: [] };
  const platforms = ctx.user.platforms;
  const platform = h(
    "select",
    { name: "platform" },
    platforms.map((code) => new Option(code, code)),
    ctx.user.role === "admin" ? new Option(_("Network-wide"), "") : null,
  );
  const kind = h("select", { name: "kind" }, options(ctx, "event_kinds", EVENT_KINDS, event.kind));
  const title = h("input", { type: "text", name: "title", maxlength: "200", required: true, value: event.title, autocomplete: "off" });
  const description = h("textarea", { name: "description", maxlength: "10000" }, event.description);
  const zones = timeZones();
  if (!zones.includes(event.time_zone)) zones.unshift(event.time_zone);
  const timeZone = h("select", { name: "time_zone" }, zones.map((zone) => new Option(zone.replace(/_/g, " "), zone, false, zone === event.time_zone)));
  const starts = h("input", { type: "datetime-local", name: "starts_at", required: true, value: stored ? isoToWallClock(stored.starts_at, stored.time_zone) : "" });
  const ends = h("input", { type: "datetime-local", name: "ends_at", required: true, value: stored ? isoToWallClock(stored.ends_at, stored.time_zone) : "" });
  const place = h("input", { type: "text", name: "place", maxlength: "300", value: event.place || "" });
  const onlineUrl = h("input", { type: "url", name: "online_url", maxlength: "2000", value: event.online_url || "", inputmode: "url" });
  const capacity = h("input", { type: "number", name: "capacity", min: "1", max: "100000", inputmode: "numeric", value: event.capacity ?? "" });
  const languageBoxes = (availableLocales().length ? availableLocales() : [{ code: "en", name: "English" }]).map((item) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "languages", value: item.code, checked: event.languages.includes(item.code) }), h("span", { lang: item.code }, item.name)),
  );
  let version = stored?.version;
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    onlineOnlyNotice(),
    stored ? null : field(_("Platform"), platform),
    field(_("Kind"), kind),
    field(_("Title"), title),
    field(_("Description"), description),
    field(_("Time zone"), timeZone, _("Where the event takes place: its times are that place's.")),
    field(_("Starts"), starts),
    field(_("Ends"), ends),
    field(_("Place"), place),
    field(_("Online link"), onlineUrl),
    field(_("Places"), capacity, _("Leave empty for no limit. Once it is full, people go on a waiting list.")),
    h("fieldset", null, h("legend", null, _("Languages")), languageBoxes),
    h("button", { type: "submit" }, stored ? _("Save changes") : _("Create event")),
    result,
  );
  const body = () => {
    const zone = timeZone.value;
    const fields = {
      kind: kind.value,
      title: title.value.trim(),
      description: description.value,
      starts_at: wallClockToIso(starts.value, zone),
      ends_at: wallClockToIso(ends.value, zone),
      time_zone: zone,
      place: place.value.trim() || null,
      online_url: onlineUrl.value.trim() || null,
      capacity: capacity.value ? Number(capacity.value) : null,
      languages: languageBoxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value),
    };
    if (!stored) return { ...fields, platform: platform.value || null };
    // Only what the person changed (see changedFields); times compare as instants.
    const changed = changedFields({ ...stored, starts_at: sameInstant(stored.starts_at, fields.starts_at), ends_at: sameInstant(stored.ends_at, fields.ends_at) }, fields);
    return { ...changed, version };
  };
  const submit = async () => {
    const answer = stored ? await api("PATCH", `/api/v1/events/${id}`, body()) : await api("POST", "/api/v1/events", body());
    markInvalid(form, answer);
    if (answer.ok) {
      announce(stored ? _("The event is saved.") : _("The event is created."));
      return ctx.navigate(`#/events/${answer.data.id}`);
    }
    if (answer.status === 409 && answer.data?.event) return result.replaceChildren(conflictNotice(answer.data.event, () => {
      version = answer.data.event.version;
      submit();
    }));
    result.replaceChildren(problem(answer));
  };
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    submit();
  });
  showScreen(stored ? _("Change the event") : _("New event"), backLink(stored ? `#/events/${id}` : "#/events", stored ? stored.title : _("All events")), form);
}

function sameInstant(opened, typed) {
  return typed && new Date(opened).getTime() === new Date(typed).getTime() ? typed : opened;
}

// Someone changed the event since it was opened: what is stored now, and the choice to apply
// what the person typed (still in the form) over it.
function conflictNotice(current, reapply) {
  return h(
    "div",
    { class: "notice gentle", role: "alert" },
    h("p", null, _("Someone else changed this event while you were editing. This is what is saved now:")),
    h("p", { class: "title" }, current.title),
    h("p", { class: "meta" }, formatDate(current.starts_at), current.place ? ` · ${current.place}` : ""),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: reapply }, _("Apply my changes again")), h("a", { href: `#/events/${current.id}`, class: "button secondary" }, _("Keep what is saved"))),
  );
}

// One person on the list: ticking the box marks them arrived at once (the door has no time
// for a save button), and the check-in code under their QR code is shown to compare.
function registrationItem(ctx, event, registration) {
  const who = registration.name || registration.email || _("A member");
  const box = h("input", { type: "checkbox", name: "attended", value: registration.id, checked: registration.attended, disabled: registration.attended });
  box.addEventListener("change", async () => {
    if (!box.checked) return;
    box.disabled = true;
    const marked = await api("POST", `/api/v1/events/${event.id}/attendance`, { registration_ids: [registration.id] });
    if (!marked.ok) {
      box.checked = false;
      box.disabled = false;
      return announce(problem(marked).textContent);
    }
    announce(_("{name} is checked in.", { name: who }));
  });
  const facts = [registration.organisation, registration.email].filter(Boolean).join(" · ");
  return h(
    "li",
    { class: "card", "data-registration": registration.id, "data-status": registration.status },
    h("label", { class: "choice" }, box, h("span", { class: "grow" }, h("span", { class: "title", dir: "auto" }, who), facts ? h("span", { class: "meta block", dir: "auto" }, facts) : null)),
    h(
      "div",
      { class: "split" },
      h("span", null, statusBadge(REGISTRATION_STATUSES, registration.status), " ", registration.position ? _("Number {position}", { position: registration.position }) : "", " ", h("bdi", { class: "meta", "data-check-in-code": "" }, registration.check_in_code)),
      h("button", {
        type: "button",
        class: "secondary",
        "aria-label": _("Cancel the registration of {name}", { name: who }),
        onclick: async () => {
          if (!(await confirmAction(_("Cancel this registration?"), _("The place goes to the next person on the waiting list."), _("Cancel the registration")))) return;
          const answer = await api("DELETE", `/api/v1/events/${event.id}/registrations/${registration.id}`);
          if (!answer.ok) return announce(problem(answer).textContent);
          announce(_("The registration is cancelled."));
          ctx.refresh();
        },
      }, _("Cancel")),
    ),
  );
}

const PAGE = 100;
const SEARCH_DELAY_MS = 200;
// What a QR code says (service.check_in_url), as a scanner that types like a keyboard enters it.
const CHECK_IN_ADDRESS = /#\/check-in\/([0-9a-fA-F-]{36})\/([A-Za-z0-9_-]{16,64})\s*$/;

// The attendance list at the door: typing part of a name, an organisation, an e-mail address
// or the code under someone's QR code narrows it (the server folds case and accents as the
// directory does); a scanned QR code typed by a scanner checks its person in.
async function renderPeople(ctx) {
  const id = ctx.params.id;
  const [eventAnswer, answer] = await Promise.all([api("GET", `/api/v1/events/${id}`), api("GET", `/api/v1/events/${id}/registrations?limit=${PAGE}`)]);
  if (!ctx.isCurrent()) return;
  const heading = _("Registrations and attendance");
  if (!eventAnswer.ok || !answer.ok) return showScreen(heading, backLink("#/events", _("All events")), problem(eventAnswer.ok ? answer : eventAnswer));
  const event = eventAnswer.data;
  const make = (registration) => registrationItem(ctx, event, registration);
  const list = h("ul", { class: "list", id: "registrations", "aria-labelledby": "registrations-title" });
  const moreSlot = h("div");
  const status = h("div", { class: "meta", "aria-live": "polite" });
  const show = (page, query) => {
    list.replaceChildren(...page.items.map(make));
    const address = (cursor) => `/api/v1/events/${id}/registrations?limit=${PAGE}${query ? `&q=${encodeURIComponent(query)}` : ""}&cursor=${encodeURIComponent(cursor)}`;
    moreSlot.replaceChildren(
      loadMoreButton(list, page.next_cursor, async (cursor) => {
        const result = await api("GET", address(cursor));
        return { result, nodes: result.ok ? result.data.items.map(make) : [], next: result.ok ? result.data.next_cursor : null };
      }, "registrations-title") || "",
    );
    status.textContent = query && !page.items.length ? _("Nobody matches this search.") : "";
  };
  const search = h("input", { type: "search", name: "q", maxlength: "200", autocomplete: "off", autocapitalize: "off", spellcheck: "false", enterkeyhint: "search" });
  let asked = 0;
  let timer = null;
  const find = async () => {
    const typed = search.value.trim();
    const scanned = typed.match(CHECK_IN_ADDRESS);
    if (scanned && scanned[1] === id) return checkIn(scanned[2]);
    // A check-in address of another event, or one still being typed by a scanner, holds a
    // token: it never goes into a query string (and from there into a proxy's log).
    if (typed.includes("/check-in/")) return (status.textContent = _("Nobody matches this search."));
    const mine = ++asked;
    const found = await api("GET", `/api/v1/events/${id}/registrations?limit=${PAGE}${typed ? `&q=${encodeURIComponent(typed)}` : ""}`);
    // Only the answer to what is typed now: an older, slower one must not replace it.
    if (mine !== asked || !ctx.isCurrent()) return;
    if (!found.ok) return status.replaceChildren(problem(found));
    show(found.data, typed);
  };
  const checkIn = async (token) => {
    const checked = await api("POST", `/api/v1/events/${id}/check-in`, { token });
    if (!checked.ok) return status.replaceChildren(problem(checked));
    search.value = "";
    announce(_("{name} is checked in.", { name: checked.data.name || checked.data.email || _("A member") }));
    find();
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(find, SEARCH_DELAY_MS);
  });
  const searchForm = h(
    "form",
    { novalidate: true, role: "search", "aria-label": _("Find a person") },
    field(_("Name, organisation or check-in code"), search, _("Tick each person as they arrive: it is saved at once.")),
  );
  searchForm.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    clearTimeout(timer);
    find();
  });
  show(answer.data, "");
  showScreen(
    heading,
    backLink(`#/events/${id}`, event.title),
    onlineOnlyNotice(),
    h("h2", { id: "registrations-title" }, _("Who registered")),
    answer.data.items.length ? searchForm : emptyText(_("Nobody has registered yet.")),
    status,
    list,
    moreSlot,
    addPersonForm(ctx, event),
  );
}

function addPersonForm(ctx, event) {
  const name = h("input", { type: "text", name: "name", maxlength: "200", required: true, autocomplete: "off" });
  const email = h("input", { type: "email", name: "email", maxlength: "320", autocomplete: "off", inputmode: "email" });
  const organisation = h("input", { type: "text", name: "organisation", maxlength: "200", autocomplete: "off" });
  const needs = h("textarea", { name: "needs", maxlength: "1000" });
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "add-person-title" },
    h("h2", { id: "add-person-title" }, _("Register someone")),
    field(_("Name"), name),
    field(_("E-mail (optional)"), email),
    field(_("Organisation (optional)"), organisation),
    field(_("Needs (access, language, diet…)"), needs),
    h("button", { type: "submit" }, _("Register")),
    result,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const body = { name: name.value.trim() };
    if (email.value.trim()) body.email = email.value.trim();
    if (organisation.value.trim()) body.organisation = organisation.value.trim();
    if (needs.value.trim()) body.needs = needs.value.trim();
    const answer = await api("POST", `/api/v1/events/${event.id}/registrations`, body);
    markInvalid(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(
      answer.data.status === "waitlisted"
        ? _("{name} is on the waiting list: number {position}.", { name: answer.data.name || body.name, position: answer.data.position })
        : _("{name} is registered.", { name: answer.data.name || body.name }),
    );
    ctx.refresh();
  });
  return form;
}

// Pieces several screens share: the language switch, a note's state in words and an icon,
// and how an API answer that went wrong is said to the person.

import { announce, h, icon } from "../dom.js";
import { _, N_, availableLocales, locale, ngettext, useLocale } from "../i18n.js";

export const STATE_LABELS = {
  saved: N_("Saved on this phone"),
  waiting: N_("Waiting to send"),
  sent: N_("Sent"),
  approved: N_("Approved"),
  changes_requested: N_("Changes requested"),
  conflict: N_("Conflict"),
};
const STATE_ICONS = { saved: "phone", waiting: "clock", sent: "check", approved: "approved", changes_requested: "edit", conflict: "conflict" };

export function stateBadge(state) {
  return h("span", { class: `state state-${state}`, "data-state": state }, icon(STATE_ICONS[state]), h("span", null, _(STATE_LABELS[state])));
}

// The labelled language <select>; choosing re-renders the app at once (lang and dir included).
export function languageField(onChosen) {
  const select = h("select", { id: "language", name: "language" });
  const items = availableLocales().length ? availableLocales() : [{ code: locale(), name: locale() }];
  for (const item of items) select.append(new Option(item.name, item.code, false, item.code === locale()));
  select.addEventListener("change", async () => {
    const code = select.value;
    if (await useLocale(code)) onChosen?.(code);
  });
  // The label also says "Language" in English: whoever chose a language they cannot read
  // by mistake still finds the way back (a habit of multilingual sites).
  const translated = _("Language");
  const label = translated === "Language" ? translated : `${translated} · Language`;
  return h("div", { class: "field" }, h("label", { for: "language" }, label), select);
}

// What to tell the person when a request failed: the server's own words, already in their
// language, wherever it gave some; a message of the app's own only when there are none
// (offline, or an answer that is not a problem document).
export function problemText(result) {
  if (result.offline) return _("You are offline. Please try again when you have a connection.");
  const problem = result.data || {};
  if (problem.errors?.length) {
    const said = problem.errors.map((error) => error.message || "").filter(Boolean).join(" ");
    if (said) return said;
  }
  if (problem.detail || problem.title) return problem.detail || problem.title;
  if (result.status === 404) return _("This is not available yet.");
  return _("Something went wrong. Please try again.");
}

export function problem(result) {
  return h("p", { class: "error", role: "alert" }, problemText(result));
}

export function emptyText(text) {
  return h("p", { class: "meta" }, text);
}

// "Load more" under a list that the API pages with next_cursor. fetchPage(cursor) answers
// {result, nodes, next}: the API answer, the <li>s drawn from it, and the cursor after them.
// The first new item takes focus, so keyboard and screen reader users go on where the list grew.
export function loadMoreButton(list, cursor, fetchPage, describedBy) {
  if (!cursor) return null;
  let next = cursor;
  const button = h("button", { type: "button", class: "secondary more", "aria-describedby": describedBy }, _("Load more"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    const { result, nodes = [], next: after } = await fetchPage(next);
    button.disabled = false;
    if (!result.ok) return announce(problemText(result));
    list.append(...nodes);
    next = after;
    button.hidden = !next;
    if (nodes.length) {
      nodes[0].tabIndex = -1;
      nodes[0].focus();
    }
    announce(ngettext("{count} more shown.", "{count} more shown.", nodes.length));
  });
  return button;
}

export function backLink(href, text) {
  return h("p", null, h("a", { href, class: "row" }, icon("back"), h("span", null, text)));
}

// The interview guides of the person's platforms, kept on the phone so notes can be written offline.
export async function loadGuides(user) {
  const { api } = await import("../api.js");
  const { getMeta, setMeta } = await import("../store.js");
  const key = `guides:${user.id}:${locale()}`;
  const result = await api("GET", "/api/v1/guides");
  if (result.ok) {
    await setMeta(key, result.data.items);
    return result.data.items;
  }
  return (await getMeta(key)) || (await getMeta(`guides:${user.id}:en`)) || [];
}

export const KIND_LABELS = { interview: N_("Interview"), focus_group: N_("Focus group"), observation: N_("Observation") };

// How a note is named in lists: its guide (or kind), and the interviewee's code.
export function noteTitle(body, guides) {
  const guide = guides.find((item) => item.id === body.guide_id);
  const name = guide ? guide.title : _(KIND_LABELS[body.kind] || KIND_LABELS.interview);
  return body.interviewee_code ? _("{title}: {code}", { title: name, code: body.interviewee_code }) : name;
}

// Shown only while the phone is offline (app.css): the screens that change things on the server
// say so before the person writes, and what they wrote stays in the form.
export function onlineOnlyNotice() {
  return h("p", { class: "notice gentle offline-only", role: "note" }, _("You are offline. Changes here are sent only with a connection; what you write stays in the form."));
}

// The platform a keeper works on: a choice among theirs, or (an admin with none) a code to write.
export function platformControl(user, name = "platform", chosen = "") {
  if (user.platforms.length) {
    const select = h("select", { name }, user.platforms.map((code) => new Option(code, code, false, code === chosen)));
    return select;
  }
  return h("input", { type: "text", name, value: chosen, maxlength: "3", pattern: "[A-Z]{2,3}", autocapitalize: "characters", autocomplete: "off", spellcheck: "false" });
}

// Marks the controls the server named in a 422's errors (by their name), so the person sees
// which field to correct; what they typed stays.
export function markInvalid(form, result) {
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const error of result.data?.errors || []) {
    const name = String(error.field || "").split(/[.[]/)[0];
    const control = name && form.elements.namedItem(name);
    if (control?.setAttribute) control.setAttribute("aria-invalid", "true");
  }
}

// Asks before something that cannot be undone; answers true when the person confirms.
export function confirmAction(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "confirm-title" });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h("h2", { id: "confirm-title" }, title),
      h("p", null, text),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "danger", onclick: () => finish(true) }, confirmLabel),
        h("button", { type: "button", class: "secondary", onclick: () => finish(false) }, _("Cancel")),
      ),
    );
    dialog.addEventListener("cancel", () => resolve(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

// A list of words typed in one box ("it; ar, fr"), as the API wants it. Arabic and Persian
// keyboards type their own comma (،) and semicolon (؛), which separate items too.
export function splitList(text) {
  return text
    .split(/[;,\u060C\u061B]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

// An <input type="datetime-local"> holds a wall-clock time: for an event, the clock of the
// event's own time zone (a workshop in Rome starts at 10:00 in Rome, wherever it is entered
// from). These turn it into the RFC 3339 time the API requires, and back.
function wallClock(date, timeZone) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  for (const part of format.formatToParts(date)) parts[part.type] = part.value;
  return parts;
}

function zoneOffsetMs(time, timeZone) {
  const parts = wallClock(new Date(time), timeZone);
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(time / 1000) * 1000;
}

export function wallClockToIso(value, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  try {
    // Twice: the offset at the guess may differ from the one at the time itself (a DST change).
    const first = guess - zoneOffsetMs(guess, timeZone);
    return new Date(guess - zoneOffsetMs(first, timeZone)).toISOString();
  } catch {
    return new Date(year, month - 1, day, hour, minute).toISOString(); // an unknown zone: the phone's
  }
}

export function isoToWallClock(iso, timeZone) {
  if (!iso) return "";
  try {
    const parts = wallClock(new Date(iso), timeZone);
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  } catch {
    return "";
  }
}

export function phoneTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

// An edit sends only what the person changed from the entry or event they opened: applied again over
// someone else's newer version, it keeps that person's changes to the other fields.
export function changedFields(opened, fields) {
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return Object.fromEntries(Object.entries(fields).filter(([name, value]) => !same(opened[name], value)));
}

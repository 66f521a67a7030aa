// The audit log (admins): security events, consent, erasures, exports, moderation, invites and
// readings of the e-mail outbox, newest first, filtered by area, person and date. The log keeps
// ids, never names (it outlives erasures), so a person is followed by their id.

import { api } from "../api.js";
import { field, h, showScreen } from "../dom.js";
import { _, N_, formatDate } from "../i18n.js";
import { emptyText, loadMoreButton, problem } from "./common.js";

// The kinds of the log by area: each filter is the start of a kind ("invite." finds invite.created and invite.revoked).
const AREAS = {
  "account.": N_("Accounts and erasure"),
  "login.": N_("Signing in"),
  "password": N_("Passwords"),
  "consent.": N_("Consent"),
  "role.": N_("Roles"),
  "platforms.": N_("Platforms of people"),
  "invite.": N_("Invites"),
  "token.": N_("API tokens"),
  "note.": N_("Notes"),
  "export.": N_("Exports"),
  "moderation.": N_("Moderation"),
  "forum.": N_("Forum"),
  "stakeholder": N_("Directory"),
  "event.": N_("Events"),
  "delphi.": N_("Delphi studies"),
  "mail.": N_("E-mail outbox"),
};

const UUID = /^[0-9a-fA-F-]{36}$/;

function auditPath(query, cursor) {
  const params = new URLSearchParams({ limit: "50" });
  for (const name of ["kind", "person", "since"]) if (query.get(name)) params.set(name, query.get(name));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/audit?${params}`;
}

function withQuery(query, name, value) {
  const next = new URLSearchParams(query);
  if (value) next.set(name, value);
  else next.delete(name);
  return next.size ? `#/audit?${next}` : "#/audit";
}

function detailText(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function eventItem(ctx, event) {
  const person = (id, text) =>
    id ? h("p", { class: "meta" }, text, " ", h("a", { href: withQuery(ctx.query, "person", id), class: "token", dir: "ltr" }, id)) : null;
  const details = Object.entries(event.details || {});
  return h(
    "li",
    { class: "card", "data-kind": event.kind },
    h("p", { class: "title", dir: "ltr" }, event.kind),
    h("p", { class: "meta" }, h("time", { datetime: event.at }, formatDate(event.at)), event.platform ? ` · ${event.platform}` : ""),
    person(event.actor_id, _("By:")),
    person(event.subject_id, _("About:")),
    event.client_address ? h("p", { class: "meta", dir: "ltr" }, event.client_address) : null,
    details.length ? h("dl", { class: "details", dir: "ltr" }, details.map(([key, value]) => [h("dt", null, key), h("dd", null, detailText(value))])) : null,
  );
}

export async function render(ctx) {
  const answer = await api("GET", auditPath(ctx.query));
  if (!ctx.isCurrent()) return;
  const kind = h("select", { name: "kind" }, [new Option(_("Everything"), ""), ...Object.entries(AREAS).map(([prefix, text]) => new Option(_(text), prefix, false, prefix === ctx.query.get("kind")))]);
  const sinceValue = (ctx.query.get("since") || "").slice(0, 10);
  const since = h("input", { type: "date", name: "since", value: sinceValue });
  const personId = ctx.query.get("person") || "";
  const person = h("input", { type: "text", name: "person", value: personId, maxlength: "36", autocomplete: "off", spellcheck: "false", dir: "ltr" });
  const filters = h("form", { role: "search", novalidate: true }, field(_("Area"), kind), field(_("From the day"), since), field(_("Person (their id)"), person, _("Tap an id in the log to follow that person.")), h("button", { type: "submit" }, _("Show")));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (kind.value) next.set("kind", kind.value);
    if (since.value) next.set("since", `${since.value}T00:00:00Z`);
    if (UUID.test(person.value.trim())) next.set("person", person.value.trim());
    ctx.navigate(next.size ? `#/audit?${next}` : "#/audit");
  });
  const make = (event) => eventItem(ctx, event);
  const list = h("ul", { class: "list", "aria-label": _("Audit log") }, answer.ok ? answer.data.items.map(make) : []);
  const more = answer.ok
    ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", auditPath(ctx.query, cursor));
        return { result, nodes: result.ok ? result.data.items.map(make) : [], next: result.ok ? result.data.next_cursor : null };
      })
    : null;
  showScreen(
    _("Audit log"),
    h("p", null, _("Who did what and when: sign-ins, consent, erasures, exports, moderation, invites and readings of the e-mail outbox.")),
    filters,
    answer.ok ? null : problem(answer),
    answer.ok && !answer.data.items.length ? emptyText(_("Nothing in the log matches.")) : null,
    list,
    more,
  );
}

// People (admins): find an account by name, role, platform or status; change its role and
// platforms; suspend it (signed out at once, a reason they see) or reinstate it, each confirmed.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, N_, formatDate } from "../i18n.js";
import { confirmAction, emptyText, loadMoreButton, problem } from "./common.js";
import { ROLE_LABELS, label, statusBadge } from "./labels.js";

const ACCOUNT_STATUSES = { active: N_("Active"), suspended: N_("Suspended") };

// A button that shows and hides what it controls (WAI-ARIA APG's disclosure): forms of a
// person stay out of the way until asked for.
let disclosures = 0;
function disclosure(text, ...content) {
  const id = `person-part-${++disclosures}`;
  const part = h("div", { id, hidden: true }, content);
  const button = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": id }, text);
  button.addEventListener("click", () => {
    part.hidden = !part.hidden;
    button.setAttribute("aria-expanded", String(!part.hidden));
  });
  return [button, part];
}

function usersPath(query, cursor) {
  const params = new URLSearchParams({ limit: "30" });
  for (const name of ["q", "role", "platform", "status"]) if (query.get(name)) params.set(name, query.get(name));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/users?${params}`;
}

// Role and platforms, changed together and saved with one press.
function changeForm(ctx, person, platformNames, feedback) {
  const role = h("select", { name: "role" }, (ctx.vocabularies?.roles || Object.keys(ROLE_LABELS)).map((code) => new Option(label(ROLE_LABELS, code), code, false, code === person.role)));
  const boxes = [...platformNames].map(([code, name]) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "platforms", value: code, checked: person.platforms.includes(code) }), h("span", null, name)));
  const form = h(
    "form",
    { novalidate: true },
    field(_("Role"), role),
    h("fieldset", null, h("legend", null, _("Platforms")), boxes),
    h("button", { type: "submit" }, _("Save changes")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const platforms = [...form.querySelectorAll("input[name=platforms]:checked")].map((box) => box.value);
    const result = await api("PATCH", `/api/v1/users/${person.id}`, { role: role.value, platforms });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    feedback.replaceChildren();
    announce(_("{name} is saved.", { name: person.username }));
    ctx.refresh();
  });
  return disclosure(_("Change role and platforms"), form);
}

function restrictions(ctx, person, feedback) {
  if (person.id === ctx.user.id || person.role === "admin") return null;
  if (person.status === "suspended") {
    return h("button", { type: "button", class: "secondary", onclick: async () => {
      const sure = await confirmAction(_("Reinstate {name}?", { name: person.username }), _("They can sign in again at once."), _("Yes, reinstate"));
      if (!sure) return;
      const result = await api("POST", `/api/v1/moderation/users/${person.id}`, { action: "reinstate", reason: "" });
      if (!result.ok) return feedback.replaceChildren(problem(result));
      announce(_("{name} is reinstated.", { name: person.username }));
      ctx.refresh();
    } }, _("Reinstate"));
  }
  const reason = h("textarea", { name: "reason", rows: "2", maxlength: "1000" });
  const suspend = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!reason.value.trim()) {
      feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write the reason first: the member and the moderation log see it.")));
      return reason.focus();
    }
    const sure = await confirmAction(
      _("Suspend"),
      _("Suspend {name}? They are signed out at once and cannot sign in until reinstated.", { name: person.username }),
      _("Yes, suspend"),
    );
    if (!sure) return;
    const result = await api("POST", `/api/v1/moderation/users/${person.id}`, { action: "suspend", reason: reason.value.trim() });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    announce(_("{name} is suspended and signed out.", { name: person.username }));
    ctx.refresh();
  } }, _("Suspend"));
  return disclosure(_("Suspend…"), field(_("Reason (shown in the moderation log)"), reason), suspend);
}

function personItem(ctx, person, platformNames) {
  const feedback = h("div", { "aria-live": "polite" });
  const facts = [label(ROLE_LABELS, person.role), person.platforms.map((code) => platformNames.get(code) || code).join(", ") || _("No platform")];
  return h(
    "li",
    { class: "card", "data-user": person.username },
    h("p", { class: "title", dir: "auto" }, person.display_name && person.display_name !== person.username ? `${person.display_name} (${person.username})` : person.username),
    h("p", { class: "meta" }, facts.join(" · ")),
    statusBadge(ACCOUNT_STATUSES, person.status),
    person.status === "suspended" && person.suspension_reason ? h("p", { class: "meta", dir: "auto" }, _("Why: {reason}", { reason: person.suspension_reason })) : null,
    person.suspended_until ? h("p", { class: "meta" }, _("Until {date}", { date: formatDate(person.suspended_until) })) : null,
    h("p", { class: "meta" }, _("Joined {date}", { date: formatDate(person.created_at) })),
    feedback,
    changeForm(ctx, person, platformNames, feedback),
    restrictions(ctx, person, feedback),
  );
}

export async function render(ctx) {
  const [answer, known] = await Promise.all([api("GET", usersPath(ctx.query)), api("GET", "/api/v1/platforms")]);
  if (!ctx.isCurrent()) return;
  const platformNames = new Map(known.ok ? known.data.items.map((platform) => [platform.code, platform.name]) : []);
  const q = h("input", { type: "search", name: "q", maxlength: "64", value: ctx.query.get("q") || "", autocomplete: "off", spellcheck: "false" });
  const role = h("select", { name: "role" }, [new Option(_("Every role"), ""), ...(ctx.vocabularies?.roles || Object.keys(ROLE_LABELS)).map((code) => new Option(label(ROLE_LABELS, code), code, false, code === ctx.query.get("role")))]);
  const platform = h("select", { name: "platform" }, [new Option(_("Every platform"), ""), ...[...platformNames].map(([code, name]) => new Option(name, code, false, code === ctx.query.get("platform")))]);
  const status = h("select", { name: "status" }, [new Option(_("Every status"), ""), ...Object.keys(ACCOUNT_STATUSES).map((code) => new Option(label(ACCOUNT_STATUSES, code), code, false, code === ctx.query.get("status")))]);
  const search = h("form", { role: "search", novalidate: true }, field(_("Name"), q), field(_("Role"), role), field(_("Platform"), platform), field(_("Status"), status), h("button", { type: "submit" }, _("Search")));
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const control of [q, role, platform, status]) if (control.value.trim()) params.set(control.name, control.value.trim());
    ctx.navigate(params.size ? `#/users?${params}` : "#/users");
  });
  const make = (person) => personItem(ctx, person, platformNames);
  const list = h("ul", { class: "list", "aria-label": _("People") }, answer.ok ? answer.data.items.map(make) : []);
  const more = answer.ok
    ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", usersPath(ctx.query, cursor));
        return { result, nodes: result.ok ? result.data.items.map(make) : [], next: result.ok ? result.data.next_cursor : null };
      })
    : null;
  showScreen(
    _("People"),
    search,
    answer.ok ? null : problem(answer),
    answer.ok && !answer.data.items.length ? emptyText(_("Nobody matches.")) : null,
    list,
    more,
  );
}

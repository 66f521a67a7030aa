// The stakeholder directory (youth workers, researchers, admins): the organisations and people
// a platform works with. Searching (the server folds accents and case), filtering by sector and
// level, an entry with its engagement history, recording an engagement, erasing a person on
// their request, and the platform's export. Online only: the directory holds personal data,
// which never stays on the phone.

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, formatDate, formatDay } from "../i18n.js";
import { backLink, confirmAction, emptyText, loadMoreButton, markInvalid, onlineOnlyNotice, platformControl, problem } from "./common.js";
import { CONTACT_BASES, ENGAGEMENT_KINDS, LEVELS, SECTORS, label, options } from "./labels.js";

const PAGE = 50;

export function entryName(entry) {
  return entry.person_name ? _("{person}, {organisation}", { person: entry.person_name, organisation: entry.organisation }) : entry.organisation;
}

export function entryItem(entry) {
  return h(
    "li",
    { class: "card", "data-entry": entry.id },
    h(
      "a",
      { href: `#/directory/${entry.id}`, class: "row" },
      h(
        "span",
        { class: "grow" },
        h("span", { class: "title", dir: "auto" }, entryName(entry)),
        h("span", { class: "meta" }, [label(SECTORS, entry.sector), label(LEVELS, entry.level), entry.locality].filter(Boolean).join(" · ")),
      ),
      icon("forward"),
    ),
  );
}

export async function render(ctx) {
  if (ctx.params.id) return renderEntry(ctx);
  return renderList(ctx);
}

function listPath(query, cursor) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const name of ["platform", "q", "sector", "level"]) if (query.get(name)) params.set(name, query.get(name));
  if (cursor) params.set("cursor", cursor);
  return `/api/v1/stakeholders?${params}`;
}

async function renderList(ctx) {
  const { query } = ctx;
  const answer = await api("GET", listPath(query));
  if (!ctx.isCurrent()) return;
  const platform = platformControl(ctx.user, "platform", query.get("platform") || ctx.user.platforms[0] || "");
  const search = h("input", { type: "search", name: "q", maxlength: "200", value: query.get("q") || "", autocomplete: "off", enterkeyhint: "search" });
  const sector = h("select", { name: "sector" }, options(ctx, "stakeholder_sectors", SECTORS, query.get("sector") || "", _("Every sector")));
  const level = h("select", { name: "level" }, options(ctx, "stakeholder_levels", LEVELS, query.get("level") || "", _("Every level")));
  const filters = h(
    "form",
    { novalidate: true, role: "search", "aria-label": _("Search the directory") },
    field(_("Organisation or person"), search),
    // A keeper of one platform has nothing to choose there.
    h("div", { class: "filters" }, ctx.user.platforms.length === 1 ? null : field(_("Platform"), platform), field(_("Sector"), sector), field(_("Level"), level)),
    h("button", { type: "submit" }, _("Search")),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const control of [platform, search, sector, level]) if (control.isConnected && control.value.trim()) chosen.set(control.name, control.value.trim());
    ctx.navigate(`#/directory?${chosen}`);
  });
  const list = h("ul", { class: "list", id: "entries" }, answer.ok ? answer.data.items.map(entryItem) : []);
  const more = answer.ok
    ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", listPath(query, cursor));
        return { result, nodes: result.ok ? result.data.items.map(entryItem) : [], next: result.ok ? result.data.next_cursor : null };
      }, "entries-title")
    : null;
  const exportPlatform = query.get("platform") || ctx.user.platforms[0];
  const exportLink = (format, text) => h("a", { href: `/api/v1/stakeholders/export?platform=${encodeURIComponent(exportPlatform)}&format=${format}`, download: "", class: "button secondary" }, text);
  showScreen(
    _("Directory"),
    h(
      "div",
      { class: "actions" },
      h("a", { href: "#/directory/new", class: "button" }, _("New entry")),
      h("a", { href: "#/directory/import", class: "button secondary" }, _("Import a file")),
    ),
    filters,
    h("h2", { id: "entries-title" }, _("Entries")),
    answer.ok ? null : problem(answer),
    answer.ok && !answer.data.items.length ? emptyText(query.get("q") ? _("Nothing matches this search.") : _("The directory is empty.")) : null,
    list,
    more,
    exportPlatform
      ? h("section", { "aria-labelledby": "export-title" }, h("h2", { id: "export-title" }, _("Export {platform}", { platform: exportPlatform })), h("div", { class: "actions" }, exportLink("csv", _("Download CSV")), exportLink("xlsx", _("Download Excel (XLSX)"))))
      : null,
  );
}

// An entry's fields as a list of terms and what they hold (the duplicate and conflict notices
// show the stored entry the same way).
export function entryDetails(entry) {
  const rows = [
    [_("Organisation"), entry.organisation],
    [_("Person"), entry.person_name],
    [_("Role"), entry.role_title],
    [_("E-mail"), entry.email],
    [_("Phone"), entry.phone],
    [_("Sector"), label(SECTORS, entry.sector)],
    [_("Level"), label(LEVELS, entry.level)],
    [_("Locality"), entry.locality],
    [_("Languages"), entry.languages.join(", ")],
    [_("Services"), entry.services.join("; ")],
    [_("Contact basis"), label(CONTACT_BASES, entry.contact_basis)],
  ];
  return h("dl", { class: "details" }, rows.filter(([, value]) => value).map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

async function renderEntry(ctx) {
  const answer = await api("GET", `/api/v1/stakeholders/${ctx.params.id}`);
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Directory"), backLink("#/directory", _("Directory")), problem(answer));
  const entry = answer.data;
  const history = [...entry.engagements].sort((a, b) => (a.at < b.at ? 1 : -1));
  const result = h("div", { "aria-live": "polite" });
  const heading = showScreen(
    entryName(entry),
    backLink("#/directory", _("Directory")),
    h("p", { class: "meta" }, _("Platform {platform} · changed {date}", { platform: entry.platform, date: formatDate(entry.updated_at) })),
    entryDetails(entry),
    h("div", { class: "actions" }, h("a", { href: `#/directory/${entry.id}/edit`, class: "button secondary" }, _("Change"))),
    h("h2", { id: "history-title" }, _("Engagement history")),
    history.length
      ? h(
          "ul",
          { class: "list", "aria-labelledby": "history-title" },
          history.map((engagement) =>
            h(
              "li",
              { class: "card" },
              h("span", { class: "title" }, label(ENGAGEMENT_KINDS, engagement.kind)),
              h("span", { class: "meta block" }, formatDay(engagement.at)),
              engagement.summary ? h("p", { class: "post", dir: "auto" }, engagement.summary) : null,
              engagement.event_id ? h("a", { href: `#/events/${engagement.event_id}` }, _("The event")) : null,
            ),
          ),
        )
      : emptyText(_("No engagement recorded yet.")),
    engagementForm(ctx, entry),
    h(
      "section",
      { "aria-labelledby": "erase-title" },
      h("h2", { id: "erase-title" }, _("Erase")),
      h("p", { class: "meta" }, _("When the person asks to be forgotten, erase the person: the organisation stays with the dates of its engagements.")),
      h(
        "div",
        { class: "actions" },
        entry.person_name || entry.email || entry.phone
          ? h("button", { type: "button", class: "danger", onclick: () => erase(ctx, entry, result, "person") }, _("Erase the person"))
          : null,
        h("button", { type: "button", class: "danger", onclick: () => erase(ctx, entry, result, "entry") }, _("Delete the whole entry")),
      ),
      onlineOnlyNotice(),
      result,
    ),
  );
  heading.dir = "auto";
}

async function erase(ctx, entry, result, what) {
  const person = what === "person";
  const sure = await confirmAction(
    person ? _("Erase the person?") : _("Delete the whole entry?"),
    person
      ? _("Their name, role, e-mail, phone and languages, and the summaries of their engagements, are erased for good.")
      : _("The entry and its engagement history are deleted for good."),
    person ? _("Erase the person") : _("Delete the whole entry"),
  );
  if (!sure) return;
  const answer = person ? await api("POST", `/api/v1/stakeholders/${entry.id}/erasure`) : await api("DELETE", `/api/v1/stakeholders/${entry.id}`);
  if (!answer.ok) return result.replaceChildren(problem(answer));
  announce(person ? _("The person is erased.") : _("The entry is deleted."));
  ctx.navigate(person ? `#/directory/${answer.data.id}` : "#/directory");
}

function engagementForm(ctx, entry) {
  const kind = h("select", { name: "kind" }, options(ctx, "engagement_kinds", ENGAGEMENT_KINDS, "interview"));
  const at = h("input", { type: "date", name: "at", required: true, value: new Date().toISOString().slice(0, 10) });
  const summary = h("textarea", { name: "summary", maxlength: "2000" });
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "engagement-title" },
    h("h2", { id: "engagement-title" }, _("Add an engagement")),
    onlineOnlyNotice(),
    field(_("Kind"), kind),
    field(_("Date"), at),
    field(_("Summary (optional)"), summary, _("No personal details beyond what the work needs.")),
    h("button", { type: "submit" }, _("Add")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Noon UTC: the day stays the same in every time zone it is read in.
    const body = { kind: kind.value, at: at.value ? `${at.value}T12:00:00Z` : "" };
    if (summary.value.trim()) body.summary = summary.value.trim();
    const answer = await api("POST", `/api/v1/stakeholders/${entry.id}/engagements`, body);
    markInvalid(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(_("The engagement is added."));
    ctx.refresh();
  });
  return form;
}

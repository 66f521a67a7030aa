// Impact (staff and stakeholders): the programme's figures, live, for each of the person's
// platforms and in total, with the server's charts of them (SVG drawn by pygal), and a printable
// report: the browser's own print, styled by app.css's print rules, or the server's PDF of it.

import { api } from "../api.js";
import { field, h, showScreen } from "../dom.js";
import { _, N_, formatNumber } from "../i18n.js";
import { problem } from "./common.js";

// [group heading, [[label, how to read it from a platform's figures]]]: every figure the
// contract names, in the order a report gives them.
const GROUPS = [
  [N_("Field research"), [
    [N_("Interviews"), (f) => f.interviews],
    [N_("Focus groups"), (f) => f.focus_groups],
    [N_("Focus group participants"), (f) => f.focus_group_participants],
    [N_("Peer researchers"), (f) => f.peer_researchers],
  ]],
  [N_("Stakeholders"), [[N_("Stakeholders engaged"), (f) => f.stakeholders.total]]],
  [N_("Delphi studies"), [
    [N_("Studies"), (f) => f.delphi.studies],
    [N_("Panellists"), (f) => f.delphi.panellists],
    [N_("Panellists who responded"), (f) => f.delphi.responded],
    [N_("Statements"), (f) => f.delphi.statements],
    [N_("Statements with consensus"), (f) => f.delphi.consensus_in],
  ]],
  [N_("Events"), [
    [N_("Workshops"), (f) => f.events.workshops],
    [N_("Conferences"), (f) => f.events.conferences],
    [N_("Participants"), (f) => f.events.participants],
    [N_("Countries of participants"), (f) => f.events.countries],
  ]],
  [N_("Follow-on actions"), [
    [N_("Planned"), (f) => f.actions.planned],
    [N_("In progress"), (f) => f.actions.in_progress],
    [N_("Done"), (f) => f.actions.done],
  ]],
];

// The directory's sectors and levels by their names (the server's charts use the same words).
const SECTORS = {
  public_authority: N_("Public authorities"),
  ngo: N_("NGOs"),
  education: N_("Education"),
  youth_organisation: N_("Youth organisations"),
  employer: N_("Employers"),
  migrant_led: N_("Migrant-led organisations"),
  research: N_("Research"),
  health: N_("Health"),
  faith: N_("Faith organisations"),
  other: N_("Other"),
};
const LEVELS = { local: N_("Local"), regional: N_("Regional"), national: N_("National"), international: N_("International") };

// The charts the server draws, with what each shows for a reader who cannot see it.
const CHARTS = [
  ["platforms.svg", N_("Figures by platform")],
  ["stakeholders-by-sector.svg", N_("Stakeholders by sector")],
  ["stakeholders-by-level.svg", N_("Stakeholders by level")],
  ["over-time.svg", N_("Figures over time")],
];

function figureList(rows) {
  return h("dl", { class: "figures" }, rows.map(([label, value]) => h("div", null, h("dt", null, _(label)), h("dd", null, formatNumber(value)))));
}

// One platform's figures, or the total's; the total also names the stakeholders' sectors and
// levels in words, for whoever does not see the charts.
function figuresCard(title, figures, withDirectory = false) {
  const { by_sector: sectors, by_level: levels } = figures.stakeholders;
  return h(
    "section",
    { class: "card impact-card", "aria-label": title },
    h("h2", null, title),
    GROUPS.map(([heading, rows]) => [h("h3", null, _(heading)), figureList(rows.map(([label, read]) => [label, read(figures)]))]),
    withDirectory
      ? [
          h("h3", null, _("Stakeholders by sector")),
          figureList(Object.entries(SECTORS).map(([sector, label]) => [label, sectors[sector] || 0])),
          h("h3", null, _("Stakeholders by level")),
          figureList(Object.entries(LEVELS).map(([level, label]) => [label, levels[level] || 0])),
        ]
      : null,
  );
}

export async function render(ctx) {
  const chosen = ctx.query.get("platform") || "";
  const query = chosen ? `?platform=${encodeURIComponent(chosen)}` : "";
  const [answer, known] = await Promise.all([api("GET", `/api/v1/impact${query}`), api("GET", "/api/v1/platforms")]);
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Impact"), problem(answer));
  const { platforms, total } = answer.data;
  if (!platforms.length) return showScreen(_("Impact"), h("p", { class: "meta" }, _("You belong to no platform yet, so there are no figures to show.")));
  // Platforms by their names in the reader's language, as the server gives them.
  const names = new Map(known.ok ? known.data.items.map((platform) => [platform.code, platform.name]) : []);
  const nameOf = (code) => names.get(code) || code;
  // What one may choose: an admin every platform, anyone else their own.
  const codes = ctx.user.role === "admin" ? [...names.keys()] : ctx.user.platforms;

  const select = h("select", { name: "platform" }, [new Option(_("All my platforms"), ""), ...codes.map((code) => new Option(nameOf(code), code, false, code === chosen))]);
  select.addEventListener("change", () => ctx.navigate(select.value ? `#/impact?platform=${encodeURIComponent(select.value)}` : "#/impact"));
  const printButton = h("button", { type: "button", class: "secondary", onclick: () => window.print() }, _("Print the report"));
  const pdfLink = h("a", { href: `/api/v1/impact/report.pdf${query}`, download: "", class: "button secondary" }, _("Download the report as PDF"));

  showScreen(
    _("Impact"),
    h("p", { class: "meta" }, _("The programme’s figures, counted live from what Tessera holds.")),
    h("div", { class: "actions no-print" }, field(_("Platform"), select), printButton, pdfLink),
    figuresCard(chosen ? nameOf(chosen) : _("All my platforms"), total, true),
    chosen ? null : platforms.map((figures) => figuresCard(nameOf(figures.code), figures)),
    h("h2", null, _("Charts")),
    CHARTS.map(([name, title]) => h("figure", { class: "chart" }, h("img", { src: `/api/v1/impact/charts/${name}${query}`, alt: _(title) }), h("figcaption", null, _(title)))),
  );
}

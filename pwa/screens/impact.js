// Impact (staff and stakeholders): the programme's figures, live, for each of the person's
// platforms and in total, with the server's charts of them (SVG drawn by pygal), and a printable
// report: the browser's own print, styled by app.css's print rules.

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

// The charts the server draws, with what each shows for a reader who cannot see it.
const CHARTS = [
  ["platforms.svg", N_("Figures by platform")],
  ["stakeholders-by-sector.svg", N_("Stakeholders by sector")],
  ["stakeholders-by-level.svg", N_("Stakeholders by level")],
];

function figuresCard(title, figures) {
  return h(
    "section",
    { class: "card impact-card", "aria-label": title },
    h("h2", null, title),
    GROUPS.map(([heading, rows]) => [
      h("h3", null, _(heading)),
      h("dl", { class: "figures" }, rows.map(([label, read]) => h("div", null, h("dt", null, _(label)), h("dd", null, formatNumber(read(figures)))))),
    ]),
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

  showScreen(
    _("Impact"),
    h("p", { class: "meta" }, _("The programme’s figures, counted live from what Tessera holds.")),
    h("div", { class: "actions no-print" }, field(_("Platform"), select), printButton),
    figuresCard(chosen ? nameOf(chosen) : _("All my platforms"), total),
    chosen ? null : platforms.map((figures) => figuresCard(nameOf(figures.code), figures)),
    h("h2", null, _("Charts")),
    CHARTS.map(([name, title]) => h("figure", { class: "chart" }, h("img", { src: `/api/v1/impact/charts/${name}${query}`, alt: _(title) }), h("figcaption", null, _(title)))),
  );
}

// A Delphi study's results, round by round: for each statement the number of ratings, median,
// interquartile range, agree and disagree shares, stability since the round before, consensus
// in, out or none, and how the panel's ratings spread over the scale. Facilitators read them as
// rounds close; stakeholders of the study's platforms once the study is closed (read only).

import { api } from "../api.js";
import { h, showScreen } from "../dom.js";
import { _, N_, formatNumber, ngettext } from "../i18n.js";
import { backLink, emptyText, problem } from "./common.js";
import { distributionChart } from "./distribution.js";
import { ruleText } from "./delphi.js";

const CONSENSUS = { in: N_("Consensus: agreed"), out: N_("Consensus: rejected"), none: N_("No consensus") };

function figure(value, suffix = "") {
  return value == null ? "–" : `${formatNumber(Math.round(value * 10) / 10)}${suffix}`;
}

// The scale's points: the study's where the reader may open it, else those the results list
// (every point of the scale is in each distribution).
function scaleOf(study, round) {
  if (study) return study.scale;
  const points = round.statements.flatMap((statement) => Object.keys(statement.distribution).map(Number));
  return points.length ? { min: Math.min(...points), max: Math.max(...points) } : { min: 1, max: 9 };
}

function statementResult(scale, statement) {
  const rows = [
    [_("Ratings"), formatNumber(statement.n)],
    [_("Median"), figure(statement.median)],
    [_("Interquartile range"), statement.q1 == null ? "–" : _("{q1} to {q3}", { q1: figure(statement.q1), q3: figure(statement.q3) })],
    [_("Agree"), figure(statement.agree_percent, "%")],
    [_("Disagree"), figure(statement.disagree_percent, "%")],
  ];
  if (statement.moved_percent != null) rows.push([_("Changed their rating by more than one point"), figure(statement.moved_percent, "%")]);
  return h(
    "li",
    { class: "card", "data-statement": statement.id, "data-consensus": statement.consensus },
    h("p", { class: "post", dir: "auto" }, statement.text),
    h("span", { class: `state consensus-${statement.consensus}` }, _(CONSENSUS[statement.consensus])),
    h("dl", { class: "figures" }, rows.map(([label, value]) => h("div", null, h("dt", null, label), h("dd", null, value)))),
    statement.n ? distributionChart(scale, statement.distribution) : emptyText(_("Nobody rated this statement in this round.")),
  );
}

function roundResults(study, round, latest) {
  const scale = scaleOf(study, round);
  const themes = new Map();
  for (const statement of round.statements) {
    const theme = statement.theme || "";
    if (!themes.has(theme)) themes.set(theme, []);
    themes.get(theme).push(statement);
  }
  const agreed = round.statements.filter((statement) => statement.consensus === "in").length;
  const rate = round.invited ? Math.round((100 * round.responded) / round.invited) : 0;
  return h(
    "details",
    { class: "card round-results", open: latest, "data-round": String(round.number) },
    h("summary", null, h("span", { class: "title" }, _("Round {number}", { number: formatNumber(round.number) }))),
    h(
      "p",
      { class: "meta", "data-attrition": "" },
      _("{responded} of {invited} panellists answered ({rate}%)", { responded: formatNumber(round.responded), invited: formatNumber(round.invited), rate: formatNumber(rate) }),
      " · ",
      ngettext("{count} statement reached agreement", "{count} statements reached agreement", agreed),
    ),
    [...themes].map(([theme, statements]) =>
      h("section", { class: "ballot-theme" }, theme ? h("h3", null, theme) : null, h("ol", { class: "list" }, statements.map((statement) => statementResult(scale, statement)))),
    ),
  );
}

export async function render(ctx) {
  const id = ctx.params.id;
  const facilitator = ctx.inGroup("researchers");
  // Stakeholders may not open the study itself (its panel is the facilitators' only): its title
  // and rule come from the list of closed studies they may read.
  const [answer, about] = await Promise.all([
    api("GET", `/api/v1/delphi/studies/${id}/results`),
    facilitator ? api("GET", `/api/v1/delphi/studies/${id}`) : api("GET", "/api/v1/delphi/studies?limit=100"),
  ]);
  if (!ctx.isCurrent()) return;
  const back = facilitator ? backLink(`#/delphi/${id}`, _("The study")) : backLink("#/delphi", _("All studies"));
  if (!answer.ok) return showScreen(_("Results"), back, problem(answer));
  const study = about.ok ? (facilitator ? about.data : about.data.items.find((item) => item.id === id)) : null;
  const rounds = answer.data.rounds;
  const heading = showScreen(
    study ? _("Results: {title}", { title: study.title }) : _("Results"),
    back,
    study ? h("p", { class: "meta", "data-rule": "" }, ruleText(study.consensus)) : null,
    rounds.length ? null : emptyText(_("No round has closed yet: results appear when a round closes.")),
    rounds.map((round, index) => roundResults(study, round, index === rounds.length - 1)),
  );
  heading.dir = "auto";
}

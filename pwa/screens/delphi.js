// Delphi studies for their facilitators (researchers of a study's platforms, admins): the list,
// and starting or changing a study: its platforms, rating scale, consensus rule, anonymity and
// languages. The scale and the rule are fixed once the first round opens, so the form then shows
// them locked. Stakeholders find here the closed studies of their platforms, to read the results.
// Online only.

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, N_, availableLocales, formatDate, formatNumber } from "../i18n.js";
import { backLink, changedFields, emptyText, loadMoreButton, markInvalid, onlineOnlyNotice, problem } from "./common.js";

export const ANONYMITY = {
  anonymous: N_("Anonymous: nobody can link a rating to a person"),
  facilitators: N_("Known to facilitators: only you can see who rated what"),
  named: N_("Named: ratings carry the panellist’s name in the export"),
};
const ANONYMITY_SHORT = { anonymous: N_("Anonymous"), facilitators: N_("Known to facilitators"), named: N_("Named") };
const PERCENT_RULE = { kind: "percent", agree_from: 7, disagree_to: 3, threshold: 70, max_opposite: 15 };
const IQR_RULE = { kind: "iqr", max_iqr: 1, agree_from: 7, disagree_to: 3 };

export function anonymityLabel(code) {
  return ANONYMITY_SHORT[code] ? _(ANONYMITY_SHORT[code]) : code;
}

// The consensus rule in words, as panellists and readers of the results need it.
export function ruleText(rule) {
  const params = {
    agree: formatNumber(rule.agree_from),
    disagree: formatNumber(rule.disagree_to),
    threshold: formatNumber(rule.threshold),
    opposite: formatNumber(rule.max_opposite),
    iqr: formatNumber(rule.max_iqr),
  };
  if (rule.kind === "percent") {
    return _("Consensus when at least {threshold}% rate {agree} or more and fewer than {opposite}% rate {disagree} or less (or the other way round, for consensus against).", params);
  }
  return _("Consensus when the interquartile range is at most {iqr} and the median is {agree} or more (or {disagree} or less, for consensus against).", params);
}


export async function render(ctx) {
  const { path } = ctx.params;
  if (path === "delphi/new" || path.endsWith("/edit")) return renderForm(ctx);
  return renderList(ctx);
}

function studyItem(ctx, study) {
  const facilitator = ctx.inGroup("researchers");
  const facts = [study.platforms.join(", "), anonymityLabel(study.anonymity), study.closed_at ? _("Closed {date}", { date: formatDate(study.closed_at) }) : _("Open")];
  return h(
    "li",
    { class: "card", "data-study": study.id },
    h(
      "a",
      { href: facilitator ? `#/delphi/${study.id}` : `#/delphi/${study.id}/results`, class: "row" },
      h("span", { class: "grow" }, h("span", { class: "title", dir: "auto" }, study.title), h("span", { class: "meta block" }, facts.join(" · "))),
      icon("forward"),
    ),
  );
}

async function renderList(ctx) {
  const path = (cursor) => `/api/v1/delphi/studies?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  const answer = await api("GET", path());
  if (!ctx.isCurrent()) return;
  const facilitator = ctx.inGroup("researchers");
  if (!answer.ok) return showScreen(_("Delphi studies"), problem(answer));
  const make = (study) => studyItem(ctx, study);
  const list = h("ul", { class: "list", id: "study-list" }, answer.data.items.map(make));
  const more = loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
    const result = await api("GET", path(cursor));
    return { result, nodes: result.ok ? result.data.items.map(make) : [], next: result.ok ? result.data.next_cursor : null };
  }, "studies-title");
  showScreen(
    _("Delphi studies"),
    h(
      "p",
      { class: "meta" },
      facilitator
        ? _("A panel rates statements over several rounds; each round shows the panel what the group thought.")
        : _("The results of the closed Delphi studies of your platforms."),
    ),
    facilitator ? h("div", { class: "actions" }, h("a", { href: "#/delphi/new", class: "button" }, _("New study"))) : null,
    answer.data.items.length ? null : emptyText(facilitator ? _("No studies yet.") : _("No study has closed yet.")),
    list,
    more,
  );
  document.querySelector("main h1").id = "studies-title";
}

function numberInput(name, value, min, max, step = "1") {
  return h("input", { type: "number", name, value: String(value), min: String(min), max: String(max), step, inputmode: step === "1" ? "numeric" : "decimal", required: true });
}

async function renderForm(ctx) {
  const id = ctx.params.id;
  let stored = null;
  const known = await api("GET", "/api/v1/platforms");
  if (id) {
    const answer = await api("GET", `/api/v1/delphi/studies/${id}`);
    if (!ctx.isCurrent()) return;
    if (!answer.ok) return showScreen(_("Change the study"), backLink("#/delphi", _("All studies")), problem(answer));
    stored = answer.data;
  }
  if (!ctx.isCurrent()) return;
  // Fixed in advance: once a round has opened, the scale and the rule stay as they were.
  const locked = Boolean(stored && stored.rounds.length);
  const study = stored || { title: "", platforms: ctx.user.platforms.slice(0, 1), scale: { min: 1, max: 9 }, consensus: PERCENT_RULE, anonymity: "anonymous", languages: [] };
  const rule = { ...(study.consensus.kind === "iqr" ? IQR_RULE : PERCENT_RULE), ...study.consensus };

  const title = h("input", { type: "text", name: "title", maxlength: "300", required: true, value: study.title, autocomplete: "off" });
  const names = new Map(known.ok ? known.data.items.map((platform) => [platform.code, platform.name]) : []);
  const codes = ctx.user.role === "admin" ? [...names.keys()] : ctx.user.platforms;
  const platformBoxes = codes.map((code) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "platforms", value: code, checked: study.platforms.includes(code) }), h("span", null, names.get(code) || code)),
  );
  const scaleMax = h("select", { name: "scale", disabled: locked }, [5, 6, 7, 8, 9].map((max) => new Option(_("1 to {max}", { max: formatNumber(max) }), String(max), false, max === study.scale.max)));
  const kind = h("select", { name: "consensus", disabled: locked }, new Option(_("Share of ratings"), "percent", false, rule.kind === "percent"), new Option(_("Interquartile range and median"), "iqr", false, rule.kind === "iqr"));
  const agreeFrom = numberInput("agree_from", rule.agree_from, 1, 9);
  const disagreeTo = numberInput("disagree_to", rule.disagree_to, 1, 9);
  const threshold = numberInput("threshold", rule.threshold, 1, 100);
  const maxOpposite = numberInput("max_opposite", rule.max_opposite, 1, 100);
  const maxIqr = numberInput("max_iqr", rule.max_iqr, 0, 8, "0.5");
  for (const input of [agreeFrom, disagreeTo, threshold, maxOpposite, maxIqr]) input.disabled = locked;
  const percentFields = h("div", { class: "stack" }, field(_("Share needed for consensus (%)"), threshold), field(_("Share allowed to think otherwise (%)"), maxOpposite));
  const iqrFields = h("div", { class: "stack" }, field(_("Largest interquartile range"), maxIqr));
  const showKind = () => {
    percentFields.hidden = kind.value !== "percent";
    iqrFields.hidden = kind.value !== "iqr";
  };
  kind.addEventListener("change", showKind);
  showKind();
  const anonymity = h("select", { name: "anonymity", disabled: Boolean(stored) }, Object.entries(ANONYMITY).map(([code, words]) => new Option(_(words), code, false, code === study.anonymity)));
  const locales = availableLocales().length ? availableLocales() : [{ code: "en", name: "English" }];
  const firstLanguage = h("select", { name: "languages", disabled: Boolean(stored) }, locales.map((item) => new Option(item.name, item.code, false, item.code === (study.languages[0] || "en"))));
  const otherBoxes = locales.map((item) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "other_languages", value: item.code, checked: study.languages.slice(1).includes(item.code), disabled: Boolean(stored) }), h("span", { lang: item.code }, item.name)),
  );

  const ruleFieldset = h(
    "fieldset",
    { "data-locked": locked ? "true" : null },
    h("legend", null, _("Rating scale and consensus rule")),
    locked
      ? h("p", { class: "notice gentle", role: "note" }, icon("conflict"), " ", _("Fixed since the first round opened: the consensus rule is decided before anyone rates."))
      : h("p", { class: "hint" }, _("Decide these before the first round: once it opens they cannot change.")),
    field(_("Rating scale"), scaleMax),
    field(_("Consensus rule"), kind),
    field(_("Agreement from this point"), agreeFrom),
    field(_("Disagreement up to this point"), disagreeTo),
    percentFields,
    iqrFields,
  );
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    onlineOnlyNotice(),
    field(_("Title"), title),
    stored
      ? h("p", { class: "meta" }, _("Platforms: {codes}", { codes: study.platforms.join(", ") }))
      : h("fieldset", null, h("legend", null, _("Platforms")), platformBoxes),
    ruleFieldset,
    field(_("Anonymity"), anonymity, stored ? _("Chosen when the study started; it cannot change.") : _("Comments never carry names, whatever you choose.")),
    field(_("First language"), firstLanguage, _("Every statement needs its text in this language.")),
    h("fieldset", null, h("legend", null, _("Other languages")), otherBoxes),
    h("button", { type: "submit" }, stored ? _("Save changes") : _("Start the study")),
    result,
  );
  const consensus = () => {
    const numbers = { agree_from: Number(agreeFrom.value), disagree_to: Number(disagreeTo.value) };
    if (kind.value === "percent") return { kind: "percent", ...numbers, threshold: Number(threshold.value), max_opposite: Number(maxOpposite.value) };
    return { kind: "iqr", max_iqr: Number(maxIqr.value), ...numbers };
  };
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const scale = { min: 1, max: Number(scaleMax.value) };
    let answer;
    if (stored) {
      const fields = locked ? { title: title.value.trim() } : { title: title.value.trim(), scale, consensus: consensus() };
      answer = await api("PATCH", `/api/v1/delphi/studies/${id}`, changedFields(stored, fields));
    } else {
      const first = firstLanguage.value;
      const others = otherBoxes.map((box) => box.querySelector("input")).filter((box) => box.checked && box.value !== first).map((box) => box.value);
      answer = await api("POST", "/api/v1/delphi/studies", {
        title: title.value.trim(),
        platforms: platformBoxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value),
        scale,
        consensus: consensus(),
        anonymity: anonymity.value,
        languages: [first, ...others],
      });
    }
    markInvalid(form, answer);
    markRuleFields(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(stored ? _("The study is saved.") : _("The study is started."));
    ctx.navigate(`#/delphi/${stored ? id : answer.data.id}`);
  });
  showScreen(stored ? _("Change the study") : _("New study"), backLink(stored ? `#/delphi/${id}` : "#/delphi", stored ? stored.title : _("All studies")), form);
}

// The server names a rule's own field ("consensus.agree_from"): mark that input, not the select.
function markRuleFields(form, answer) {
  for (const error of answer.data?.errors || []) {
    const name = String(error.field || "").split(".")[1];
    const control = name && form.elements.namedItem(name);
    if (control?.setAttribute) control.setAttribute("aria-invalid", "true");
  }
}

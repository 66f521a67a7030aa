// One Delphi study for its facilitators: its rounds (open the next, remind the panel, close,
// with who was invited and who answered in each), its statements by theme with the languages
// each still lacks, and its panel: people from the stakeholder directory or by name and e-mail,
// each with a private ballot link, which can be revoked. Online only.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, formatDate, formatNumber, languageName, ngettext } from "../i18n.js";
import { backLink, confirmAction, emptyText, markInvalid, onlineOnlyNotice, problem, problemText } from "./common.js";
import { anonymityLabel, ruleText } from "./delphi.js";

export async function render(ctx) {
  const id = ctx.params.id;
  const answer = await api("GET", `/api/v1/delphi/studies/${id}`);
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Delphi study"), backLink("#/delphi", _("All studies")), problem(answer));
  const study = answer.data;
  const closed = Boolean(study.closed_at);
  const heading = showScreen(
    study.title,
    backLink("#/delphi", _("All studies")),
    h(
      "p",
      { class: "meta" },
      [study.platforms.join(", "), anonymityLabel(study.anonymity), closed ? _("Closed {date}", { date: formatDate(study.closed_at) }) : _("Open")].join(" · "),
    ),
    h(
      "dl",
      { class: "details" },
      h("dt", null, _("Rating scale")),
      h("dd", null, _("1 to {max}", { max: formatNumber(study.scale.max) })),
      h("dt", null, _("Consensus rule")),
      h("dd", { "data-rule": study.consensus.kind }, ruleText(study.consensus)),
      h("dt", null, _("Languages")),
      h("dd", null, study.languages.map(languageName).join(", ")),
    ),
    h(
      "div",
      { class: "actions" },
      closed ? null : h("a", { href: `#/delphi/${id}/edit`, class: "button secondary" }, _("Change the study")),
      h("a", { href: `#/delphi/${id}/results`, class: "button secondary" }, _("Results")),
      h("a", { href: `/api/v1/delphi/studies/${id}/export?format=xlsx`, download: "", class: "button secondary" }, _("Export (XLSX)")),
      h("a", { href: `/api/v1/delphi/studies/${id}/export?format=csv`, download: "", class: "button secondary" }, _("Export (CSV)")),
    ),
    onlineOnlyNotice(),
    roundsSection(ctx, study),
    statementsSection(ctx, study),
    panelSection(ctx, study),
  );
  heading.dir = "auto";
}

// Rounds

function roundItem(ctx, study, round) {
  const open = !round.closed_at;
  const rate = round.invited && round.responded != null ? Math.round((100 * round.responded) / round.invited) : null;
  const attrition =
    round.responded == null
      ? ngettext("{count} panellist invited", "{count} panellists invited", round.invited)
      : _("{responded} of {invited} panellists answered ({rate}%)", { responded: formatNumber(round.responded), invited: formatNumber(round.invited), rate: formatNumber(rate ?? 0) });
  const result = h("div", { "aria-live": "polite" });
  return h(
    "li",
    { class: "card", "data-round": String(round.number), "data-open": String(open) },
    h("span", { class: "title" }, _("Round {number}", { number: formatNumber(round.number) })),
    h("span", { class: `state wrap state-${open ? "waitlisted" : "done"}` }, open ? _("Open since {date}", { date: formatDate(round.opened_at) }) : _("Closed {date}", { date: formatDate(round.closed_at) })),
    h("p", { class: "meta", "data-attrition": "" }, attrition, " · ", ngettext("{count} statement asked", "{count} statements asked", round.statement_ids.length)),
    open
      ? h(
          "div",
          { class: "actions" },
          h("button", {
            type: "button",
            class: "secondary",
            onclick: async () => {
              const answer = await api("POST", `/api/v1/delphi/rounds/${round.id}/reminders`);
              if (!answer.ok) return result.replaceChildren(problem(answer));
              const said = ngettext("{count} panellist reminded by e-mail.", "{count} panellists reminded by e-mail.", answer.data.reminded);
              result.replaceChildren(h("p", { class: "meta" }, said));
              announce(said);
            },
          }, _("Send reminders")),
          h("button", {
            type: "button",
            onclick: async () => {
              const sure = await confirmAction(
                _("Close round {number}?", { number: formatNumber(round.number) }),
                _("Panellists can no longer change their answers, and the results are computed. This cannot be undone."),
                _("Close the round"),
              );
              if (!sure) return;
              const answer = await api("POST", `/api/v1/delphi/rounds/${round.id}/close`);
              if (!answer.ok) return result.replaceChildren(problem(answer));
              announce(_("The round is closed."));
              ctx.refresh();
            },
          }, _("Close the round")),
        )
      : null,
    open && study.anonymity === "anonymous"
      ? h("p", { class: "hint" }, _("The study is anonymous: nobody can know who answered, so reminders go to the whole panel."))
      : null,
    result,
  );
}

function roundsSection(ctx, study) {
  const closed = Boolean(study.closed_at);
  const openRound = study.rounds.find((round) => !round.closed_at);
  const result = h("div", { "aria-live": "polite" });
  const next = study.rounds.length + 1;
  const openButton = h("button", {
    type: "button",
    onclick: async () => {
      const answer = await api("POST", `/api/v1/delphi/studies/${study.id}/rounds`);
      if (!answer.ok) return result.replaceChildren(problem(answer));
      announce(_("Round {number} is open.", { number: formatNumber(answer.data.number) }));
      ctx.refresh();
    },
  }, _("Open round {number}", { number: formatNumber(next) }));
  const closeStudy = h("button", {
    type: "button",
    class: "danger",
    onclick: async () => {
      const sure = await confirmAction(_("Close the study?"), _("No further rounds can open; an open round is closed with its results. Stakeholders of its platforms can then read the results."), _("Close the study"));
      if (!sure) return;
      const answer = await api("POST", `/api/v1/delphi/studies/${study.id}/close`);
      if (!answer.ok) return result.replaceChildren(problem(answer));
      announce(_("The study is closed."));
      ctx.refresh();
    },
  }, _("Close the study"));
  return h(
    "section",
    { "aria-labelledby": "rounds-title" },
    h("h2", { id: "rounds-title" }, _("Rounds")),
    study.rounds.length ? null : emptyText(_("No round yet. Add statements and panellists, then open the first round.")),
    h("ol", { class: "list", id: "rounds" }, study.rounds.map((round) => roundItem(ctx, study, round))),
    closed
      ? null
      : h(
          "div",
          { class: "actions" },
          openRound ? null : openButton,
          closeStudy,
        ),
    openRound || closed ? null : h("p", { class: "hint" }, study.rounds.length ? _("The next round asks every statement without consensus in the round before, and those added since.") : _("The first round asks every statement, of everyone on the panel by then.")),
    result,
  );
}

// Statements

function statementItem(study, statement, asked) {
  const missing = study.languages.filter((code) => !statement.text[code]);
  const first = study.languages[0];
  const translations = study.languages.slice(1).filter((code) => statement.text[code]);
  return h(
    "li",
    { class: "card", "data-statement": statement.id },
    h("p", { class: "post", dir: "auto", lang: first }, statement.text[first]),
    translations.length
      ? h(
          "details",
          null,
          h("summary", null, ngettext("{count} translation", "{count} translations", translations.length)),
          h("dl", { class: "details" }, translations.map((code) => [h("dt", null, languageName(code)), h("dd", { dir: "auto", lang: code }, statement.text[code])])),
        )
      : null,
    missing.length
      ? h("p", { class: "meta", "data-missing": missing.join(" ") }, _("Not translated into: {languages}", { languages: missing.map(languageName).join(", ") }))
      : h("p", { class: "meta", "data-missing": "" }, _("In every language of the study")),
    asked ? null : h("p", { class: "meta" }, _("Not asked yet: the next round asks it.")),
  );
}

function statementsSection(ctx, study) {
  const asked = new Set(study.rounds.flatMap((round) => round.statement_ids));
  const themes = new Map();
  for (const statement of study.statements) {
    const theme = statement.theme || "";
    if (!themes.has(theme)) themes.set(theme, []);
    themes.get(theme).push(statement);
  }
  const groups = [...themes].map(([theme, statements]) =>
    h(
      "section",
      { class: "ballot-theme", "data-theme": theme },
      h("h3", null, theme || _("No theme")),
      h("ol", { class: "list" }, statements.map((statement) => statementItem(study, statement, !study.rounds.length || asked.has(statement.id)))),
    ),
  );
  return h(
    "section",
    { "aria-labelledby": "statements-title", id: "statements" },
    h("h2", { id: "statements-title" }, _("Statements")),
    study.statements.length ? null : emptyText(_("No statements yet.")),
    groups,
    study.closed_at ? null : statementForm(ctx, study, [...themes.keys()].filter(Boolean)),
  );
}

function statementForm(ctx, study, themes) {
  const theme = h("input", { type: "text", name: "theme", maxlength: "200", autocomplete: "off", list: "statement-themes" });
  const themeList = h("datalist", { id: "statement-themes" }, themes.map((name) => new Option(name, name)));
  const texts = study.languages.map((code, index) => [code, h("textarea", { name: `text.${code}`, maxlength: "2000", rows: "3", required: index === 0, lang: code, dir: "auto" })]);
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "statement-form-title" },
    h("h3", { id: "statement-form-title" }, _("Add a statement")),
    study.rounds.length ? h("p", { class: "hint" }, _("Added between rounds, it is asked from the next round.")) : null,
    field(_("Theme (optional)"), theme),
    themeList,
    texts.map(([code, textarea], index) => field(index === 0 ? _("Text in {language}", { language: languageName(code) }) : _("Text in {language} (optional)", { language: languageName(code) }), textarea)),
    h("button", { type: "submit" }, _("Add the statement")),
    result,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const text = Object.fromEntries(texts.map(([code, textarea]) => [code, textarea.value.trim()]).filter(([, value]) => value));
    const answer = await api("POST", `/api/v1/delphi/studies/${study.id}/statements`, { text, theme: theme.value.trim() || null });
    for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
    for (const error of answer.data?.errors || []) form.elements.namedItem(String(error.field || ""))?.setAttribute?.("aria-invalid", "true");
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(_("The statement is added."));
    ctx.refresh();
  });
  return form;
}

// The panel

function panellistItem(ctx, study, panellist) {
  const source = panellist.stakeholder_id ? _("From the directory") : panellist.user_id ? _("Platform member") : _("Added by name");
  const invitation = panellist.revoked
    ? _("Link revoked")
    : panellist.email
      ? _("Link sent by e-mail to {email}", { email: panellist.email })
      : _("No e-mail address: hand the link on yourself");
  const result = h("div", { "aria-live": "polite" });
  return h(
    "li",
    { class: "card", "data-panellist": panellist.id, "data-revoked": String(panellist.revoked) },
    h("span", { class: "title", dir: "auto" }, panellist.name),
    h("span", { class: "meta block" }, [source, languageName(panellist.language)].join(" · ")),
    h("span", { class: `state wrap state-${panellist.revoked ? "planned" : "done"}`, "data-invitation": panellist.revoked ? "revoked" : panellist.email ? "emailed" : "by-hand" }, invitation),
    panellist.revoked || study.closed_at
      ? null
      : h("button", {
          type: "button",
          class: "secondary",
          "aria-label": _("Revoke the link of {name}", { name: panellist.name }),
          onclick: async () => {
            const sure = await confirmAction(_("Revoke this link?"), _("The link stops working at once. What was rated with it stays."), _("Revoke the link"));
            if (!sure) return;
            const answer = await api("DELETE", `/api/v1/delphi/studies/${study.id}/panellists/${panellist.id}`);
            if (!answer.ok) return result.replaceChildren(problem(answer));
            announce(_("The link is revoked."));
            ctx.refresh();
          },
        }, _("Revoke")),
    result,
  );
}

function panelSection(ctx, study) {
  const active = study.panellists.filter((panellist) => !panellist.revoked).length;
  return h(
    "section",
    { "aria-labelledby": "panel-title", id: "panel" },
    h("h2", { id: "panel-title" }, _("Panel")),
    h("p", { class: "meta" }, ngettext("{count} panellist with a working link", "{count} panellists with a working link", active)),
    study.panellists.length ? null : emptyText(_("Nobody is on the panel yet.")),
    h("ul", { class: "list", id: "panellists" }, study.panellists.map((panellist) => panellistItem(ctx, study, panellist))),
    study.closed_at ? null : panellistForms(ctx, study),
  );
}

// Shown once: the server keeps no link, so whoever must hand it on copies it now.
function linkShown(answer, name) {
  return h(
    "div",
    { class: "notice", role: "status" },
    h("p", null, _("{name} is on the panel. This is their private link: copy it now, it is shown only once.", { name })),
    h("p", { class: "token", "data-ballot-url": "" }, answer.data.ballot_url),
  );
}

function languageSelect(study) {
  return h("select", { name: "language" }, study.languages.map((code) => new Option(languageName(code), code)));
}

function panellistForms(ctx, study) {
  const shown = h("div", { "aria-live": "polite" });
  const invite = async (body, name, form) => {
    const answer = await api("POST", `/api/v1/delphi/studies/${study.id}/panellists`, body);
    if (form) markInvalid(form, answer);
    if (!answer.ok) {
      announce(problemText(answer));
      return shown.replaceChildren(problem(answer));
    }
    announce(_("{name} is on the panel.", { name }));
    // The link stays on screen while the list is drawn again around it.
    const link = linkShown(answer, name);
    await ctx.refresh();
    document.getElementById("panel-links")?.replaceChildren(link);
  };
  return h(
    "div",
    null,
    h("div", { id: "panel-links", "aria-live": "polite" }),
    directoryForm(ctx, study, invite),
    nameForm(study, invite),
    h("p", { class: "hint" }, _("Members of the platforms have no e-mail address in Tessera: add them by name and hand them their link.")),
    shown,
  );
}

function directoryForm(ctx, study, invite) {
  // A researcher searches the directories of the study's platforms they belong to.
  const codes = ctx.user.role === "admin" ? study.platforms : study.platforms.filter((code) => ctx.user.platforms.includes(code));
  const query = h("input", { type: "search", name: "q", maxlength: "200", autocomplete: "off" });
  const language = languageSelect(study);
  const found = h("ul", { class: "list", id: "directory-matches", "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", role: "search", "aria-labelledby": "directory-form-title" },
    h("h3", { id: "directory-form-title" }, _("Add from the stakeholder directory")),
    field(_("Organisation or person"), query),
    field(_("Language of the ballot"), language),
    h("button", { type: "submit", class: "secondary" }, _("Search")),
    found,
  );
  const already = new Set(study.panellists.map((panellist) => panellist.stakeholder_id).filter(Boolean));
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const answers = await Promise.all(
      codes.map((code) => api("GET", `/api/v1/stakeholders?platform=${encodeURIComponent(code)}&q=${encodeURIComponent(query.value.trim())}&limit=20`)),
    );
    const failed = answers.find((answer) => !answer.ok);
    if (failed) return found.replaceChildren(h("li", null, problem(failed)));
    const entries = answers.flatMap((answer) => answer.data.items);
    if (!entries.length) return found.replaceChildren(h("li", null, emptyText(_("Nobody in the directory matches."))));
    found.replaceChildren(
      ...entries.map((entry) => {
        const name = entry.person_name ? `${entry.person_name} (${entry.organisation})` : entry.organisation;
        return h(
          "li",
          { class: "card split", "data-entry": entry.id },
          h("span", { class: "grow" }, h("span", { class: "title", dir: "auto" }, name), entry.email ? h("span", { class: "meta block" }, entry.email) : h("span", { class: "meta block" }, _("No e-mail address"))),
          already.has(entry.id)
            ? h("span", { class: "meta" }, _("On the panel"))
            : h("button", { type: "button", "aria-label": _("Add {name} to the panel", { name }), onclick: () => invite({ stakeholder_id: entry.id, language: language.value }, name) }, _("Add")),
        );
      }),
    );
  });
  return form;
}

function nameForm(study, invite) {
  const name = h("input", { type: "text", name: "name", maxlength: "200", required: true, autocomplete: "off" });
  const email = h("input", { type: "email", name: "email", maxlength: "320", autocomplete: "off", inputmode: "email" });
  const language = languageSelect(study);
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "name-form-title" },
    h("h3", { id: "name-form-title" }, _("Add by name and e-mail")),
    field(_("Name"), name),
    field(_("E-mail (optional)"), email, _("The link is sent to this address in the panellist’s language.")),
    field(_("Language of the ballot"), language),
    h("button", { type: "submit" }, _("Add to the panel")),
  );
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const body = { name: name.value.trim(), language: language.value };
    if (email.value.trim()) body.email = email.value.trim();
    invite(body, body.name, form);
  });
  return form;
}

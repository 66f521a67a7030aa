// Policy briefs (researchers, admins; stakeholders read the published ones of their platforms):
// the list (drafts, in review, published), the editor that saves against the version it opened
// and, when a co-author saved first, shows both versions side by side to pick or merge, the
// evidence picker (approved notes, event outcomes, Delphi statements the person may read),
// review, publishing and unpublishing, and translations flagged out of date. Online only.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, N_, availableLocales, formatDate, languageName } from "../i18n.js";
import { backLink, confirmAction, emptyText, loadMoreButton, markInvalid, onlineOnlyNotice, problem, splitList } from "./common.js";

const PAGE = 50;
const EVIDENCE_KINDS = { note: N_("From a field note"), event_outcome: N_("From an event"), delphi_statement: N_("From a Delphi study") };

function languageOptions(chosen, except) {
  const items = availableLocales().length ? availableLocales() : [{ code: chosen || "en", name: chosen || "en" }];
  return items.filter((item) => item.code !== except).map((item) => new Option(item.name, item.code, false, item.code === chosen));
}


function statusText(brief) {
  if (brief.status === "published") return _("Published");
  if (brief.in_review) return _("In review");
  return _("Draft");
}

function briefItem(brief) {
  const meta = [statusText(brief), languageName(brief.language), brief.platforms.join(", "), _("Version {version}", { version: brief.version })];
  return h(
    "li",
    { class: "card", "data-brief": brief.id },
    h(
      "a",
      { href: `#/briefs/${brief.id}`, class: "row" },
      h(
        "span",
        { class: "grow" },
        h("span", { class: "title", lang: brief.language, dir: "auto" }, brief.title),
        h("span", { class: "meta block" }, meta.join(" · ")),
        brief.out_of_date ? h("span", { class: "state state-changes_requested" }, _("Out of date")) : null,
      ),
    ),
  );
}

export async function render(ctx) {
  if (ctx.params.id) return renderBrief(ctx);
  return renderList(ctx);
}

// The list

async function renderList(ctx) {
  const writer = ctx.inGroup("researchers");
  const answer = await api("GET", `/api/v1/briefs?limit=${PAGE}`);
  if (!ctx.isCurrent()) return;
  const items = answer.ok ? answer.data.items : [];
  const groups = writer
    ? [
        ["drafts", _("Drafts"), items.filter((brief) => brief.status === "draft" && !brief.in_review)],
        ["in-review", _("In review"), items.filter((brief) => brief.status === "draft" && brief.in_review)],
        ["published", _("Published"), items.filter((brief) => brief.status === "published")],
      ]
    : [["published", _("Published briefs of your platforms"), items]];
  const sections = groups.map(([id, title, briefs]) =>
    h(
      "section",
      { "aria-labelledby": `${id}-title` },
      h("h2", { id: `${id}-title` }, title),
      briefs.length ? h("ul", { class: "list", id: `${id}-list` }, briefs.map(briefItem)) : emptyText(_("None yet.")),
    ),
  );
  const all = h("ul", { class: "list", id: "older-briefs" });
  const more = answer.ok
    ? loadMoreButton(all, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", `/api/v1/briefs?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
        return { result, nodes: result.ok ? result.data.items.map(briefItem) : [], next: result.ok ? result.data.next_cursor : null };
      })
    : null;
  showScreen(
    _("Policy briefs"),
    writer ? newBriefForm(ctx) : null,
    answer.ok ? null : problem(answer),
    sections,
    all,
    more,
    h("p", null, h("a", { href: "/briefs", class: "row" }, _("Every published brief, as the public sees it"))),
  );
}

function newBriefForm(ctx) {
  const title = h("input", { type: "text", name: "title", required: true, maxlength: "200", autocomplete: "off" });
  const language = h("select", { name: "language" }, languageOptions(document.documentElement.lang));
  const platforms = ctx.user.platforms.length
    ? h("fieldset", null, h("legend", null, _("Platforms")), ctx.user.platforms.map((code, index) => h("label", { class: "row" }, h("input", { type: "checkbox", name: "platforms", value: code, checked: index === 0 }), code)))
    : field(_("Platforms"), h("input", { type: "text", name: "platforms", required: true, maxlength: "60", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" }), _("Codes, separated by commas (DE, IT)."));
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "new-brief-title" },
    h("h2", { id: "new-brief-title" }, _("Start a brief")),
    onlineOnlyNotice(),
    field(_("Title"), title),
    field(_("Language"), language),
    platforms,
    h("button", { type: "submit" }, _("Start")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = ctx.user.platforms.length
      ? [...form.querySelectorAll("input[name=platforms]:checked")].map((box) => box.value)
      : splitList(form.elements.namedItem("platforms").value.toUpperCase());
    const answer = await api("POST", "/api/v1/briefs", { title: title.value.trim(), language: language.value, platforms: chosen });
    markInvalid(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(_("The brief is started."));
    ctx.navigate(`#/briefs/${answer.data.id}`);
  });
  return form;
}

// One brief

async function renderBrief(ctx) {
  const answer = await api("GET", `/api/v1/briefs/${ctx.params.id}`);
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Policy brief"), backLink("#/briefs", _("Policy briefs")), problem(answer));
  const brief = answer.data;
  const isAuthor = brief.authors.some((author) => author.id === ctx.user.id);
  const researcher = ctx.inGroup("researchers");
  const translations = await api("GET", `/api/v1/briefs/${brief.id}/translations`);
  const original = brief.translation_of && researcher ? await api("GET", `/api/v1/briefs/${brief.translation_of}`) : null;
  if (!ctx.isCurrent()) return;
  const heading = showScreen(
    brief.title,
    backLink("#/briefs", _("Policy briefs")),
    h("p", { class: "meta" }, [statusText(brief), languageName(brief.language), brief.platforms.join(", "), _("Version {version}", { version: brief.version }), _("changed {date}", { date: formatDate(brief.updated_at) })].join(" · ")),
    brief.url ? h("p", null, h("a", { href: brief.url, lang: brief.language }, _("The public page"))) : null,
    translationNotice(brief, original),
    isAuthor ? editor(ctx, brief, original) : readView(brief),
    documentLinks(brief),
    isAuthor ? authorsSection(ctx, brief) : null,
    isAuthor ? evidencePicker(ctx, brief) : null,
    researcher ? reviewSection(ctx, brief, isAuthor) : null,
    translationsSection(ctx, brief, translations, researcher),
  );
  heading.lang = brief.language;
  heading.dir = "auto";
}

function translationNotice(brief, original) {
  if (!brief.translation_of) return null;
  const link = original?.ok ? h("p", null, h("a", { href: `#/briefs/${brief.translation_of}`, class: "row", lang: original.data.language, dir: "auto" }, original.data.title)) : null;
  return h(
    "div",
    { class: brief.out_of_date ? "notice gentle" : "notice", role: "note", id: "translation-notice" },
    h("p", null, _("A translation of version {version} of the original.", { version: brief.translated_from_version })),
    link,
    brief.out_of_date ? h("p", null, h("strong", null, _("Out of date: the original changed since. Bring the translation up to date and save it as up to date."))) : null,
  );
}

function readView(brief) {
  return h(
    "article",
    { lang: brief.language, dir: "auto", class: "stack" },
    brief.summary ? h("section", null, h("h2", null, _("Summary")), h("p", { class: "post" }, brief.summary)) : null,
    brief.sections.map((section) => h("section", null, h("h2", null, section.heading), h("p", { class: "post" }, section.body))),
    brief.recommendations.length ? h("section", null, h("h2", null, _("Recommendations")), h("ol", null, brief.recommendations.map((item) => h("li", null, item.text)))) : null,
    evidenceList(brief.evidence),
  );
}

function evidenceList(items, onRemove) {
  if (!items.length) return null;
  return h(
    "section",
    { "aria-labelledby": "evidence-title" },
    h("h2", { id: "evidence-title" }, _("Evidence")),
    h(
      "ul",
      { class: "list", id: "evidence" },
      items.map((item) =>
        h(
          "li",
          { class: "card" },
          h("blockquote", { class: "post", dir: "auto" }, item.excerpt),
          h("p", { class: "meta" }, `${_(EVIDENCE_KINDS[item.kind])}: ${item.attribution}`),
          onRemove ? h("button", { type: "button", class: "secondary", onclick: () => onRemove(item) }, _("Take out")) : null,
        ),
      ),
    ),
  );
}

function documentLinks(brief) {
  const link = (format, text) => h("a", { href: `/api/v1/briefs/${brief.id}/document?format=${format}`, download: "", class: "button secondary" }, text);
  return h("div", { class: "actions" }, link("pdf", _("Download PDF")), link("docx", _("Download Word (DOCX)")));
}

// The editor

// The words of a brief as the editor's form holds them.
function wordsOf(brief) {
  return {
    title: brief.title,
    summary: brief.summary,
    sections: brief.sections.map((section) => ({ heading: section.heading, body: section.body })),
    recommendations: brief.recommendations.map((item) => ({ text: item.text })),
  };
}

function sectionFields(list, section, index) {
  const heading = h("input", { type: "text", name: "heading", maxlength: "300", value: section.heading, autocomplete: "off", dir: "auto" });
  const body = h("textarea", { name: "body", maxlength: "20000", rows: "6", dir: "auto" }, section.body);
  const item = h(
    "li",
    { class: "card stack", "data-section": "" },
    field(_("Heading of section {number}", { number: index + 1 }), heading),
    field(_("Text of section {number}", { number: index + 1 }), body),
    h("button", { type: "button", class: "secondary", onclick: () => item.remove() }, _("Remove this section")),
  );
  list.append(item);
}

function recommendationField(list, recommendation, index) {
  const text = h("textarea", { name: "recommendation", maxlength: "2000", rows: "3", dir: "auto" }, recommendation.text);
  const item = h(
    "li",
    { class: "stack", "data-recommendation": "" },
    field(_("Recommendation {number}", { number: index + 1 }), text),
    h("button", { type: "button", class: "secondary", onclick: () => item.remove() }, _("Remove this recommendation")),
  );
  list.append(item);
}

function editor(ctx, brief, original) {
  const title = h("input", { type: "text", name: "title", required: true, maxlength: "200", value: brief.title, autocomplete: "off", dir: "auto" });
  const summary = h("textarea", { name: "summary", maxlength: "10000", rows: "5", dir: "auto" }, brief.summary);
  const sections = h("ol", { class: "list", id: "sections" });
  brief.sections.forEach((section, index) => sectionFields(sections, section, index));
  const recommendations = h("ol", { class: "stack", id: "recommendations" });
  brief.recommendations.forEach((item, index) => recommendationField(recommendations, item, index));
  const upToDate =
    brief.out_of_date && original?.ok
      ? h("label", { class: "row" }, h("input", { type: "checkbox", name: "up_to_date", value: String(original.data.version) }), _("This translation now follows version {version} of the original", { version: original.data.version }))
      : null;
  const result = h("div", { "aria-live": "polite", id: "save-result" });
  const form = h(
    "form",
    { novalidate: true, class: "stack", id: "brief-editor", lang: brief.language, "aria-labelledby": "editor-title" },
    h("h2", { id: "editor-title" }, _("Edit the brief")),
    onlineOnlyNotice(),
    field(_("Title"), title),
    field(_("Summary"), summary),
    h("h3", null, _("Sections")),
    sections,
    h("button", { type: "button", class: "secondary", onclick: () => sectionFields(sections, { heading: "", body: "" }, sections.children.length) }, _("Add a section")),
    h("h3", null, _("Recommendations")),
    recommendations,
    h("button", { type: "button", class: "secondary", onclick: () => recommendationField(recommendations, { text: "" }, recommendations.children.length) }, _("Add a recommendation")),
    upToDate,
    h("button", { type: "submit" }, _("Save")),
    result,
  );
  const formWords = () => ({
    title: title.value.trim(),
    summary: summary.value,
    sections: [...sections.querySelectorAll("[data-section]")]
      .map((item) => ({ heading: item.querySelector("[name=heading]").value.trim(), body: item.querySelector("[name=body]").value }))
      .filter((section) => section.heading || section.body.trim()),
    recommendations: [...recommendations.querySelectorAll("[name=recommendation]")].map((text) => ({ text: text.value.trim() })).filter((item) => item.text),
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const words = formWords();
    const body = { ...words, base_version: brief.version };
    if (upToDate?.querySelector("input").checked) body.translated_from_version = Number(original.data.version);
    await save(ctx, brief, body, form, result);
  });
  return form;
}

async function save(ctx, brief, body, form, result) {
  const answer = await api("PUT", `/api/v1/briefs/${brief.id}`, body);
  if (form) markInvalid(form, answer);
  if (answer.status === 409 && answer.data?.brief) return result.replaceChildren(conflictView(ctx, brief, body, answer.data.brief, result));
  if (!answer.ok) return result.replaceChildren(problem(answer));
  announce(_("Saved as version {version}.", { version: answer.data.version }));
  ctx.refresh();
}

// The conflict view: for each field that differs, what is saved (theirs) beside what the
// person wrote (mine), to keep one, both, or (for the words) an edited merge; then it saves
// again over their version.
function conflictView(ctx, brief, mine, theirs, result) {
  const stored = wordsOf(theirs);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const show = {
    title: (value) => value,
    summary: (value) => value,
    sections: (value) => value.map((section) => `${section.heading}\n${section.body}`).join("\n\n"),
    recommendations: (value) => value.map((item, index) => `${index + 1}. ${item.text}`).join("\n"),
  };
  const labels = { title: _("Title"), summary: _("Summary"), sections: _("Sections"), recommendations: _("Recommendations") };
  const differing = Object.keys(labels).filter((name) => !same(stored[name], mine[name]));
  const choices = {};
  const fields = differing.map((name) => {
    const group = `pick-${name}`;
    const option = (value, text, checked) => h("label", { class: "row" }, h("input", { type: "radio", name: group, value, checked }), text);
    const textual = name === "title" || name === "summary";
    const merged = textual ? h("textarea", { name: `merged-${name}`, rows: name === "title" ? "2" : "5", maxlength: name === "title" ? "200" : "10000", dir: "auto" }, mine[name]) : null;
    choices[name] = () => {
      const picked = fieldset.querySelector(`input[name=${group}]:checked`).value;
      if (picked === "theirs") return stored[name];
      if (picked === "mine") return mine[name];
      if (picked === "merged") return name === "title" ? merged.value.trim() : merged.value;
      // Both lists: theirs, then what only mine has.
      const known = new Set(stored[name].map((item) => JSON.stringify(item)));
      return [...stored[name], ...mine[name].filter((item) => !known.has(JSON.stringify(item)))];
    };
    const fieldset = h(
      "fieldset",
      { class: "card", "data-conflict": name },
      h("legend", null, labels[name]),
      h(
        "div",
        { class: "compare" },
        h("dl", null, h("dt", null, _("Theirs (saved)")), h("dd", { class: "differs", dir: "auto", "data-theirs": name }, show[name](stored[name]))),
        h("dl", null, h("dt", null, _("Mine")), h("dd", { class: "differs", dir: "auto", "data-mine": name }, show[name](mine[name]))),
      ),
      h(
        "div",
        { role: "radiogroup", "aria-label": _("Keep for {field}", { field: labels[name] }) },
        option("mine", _("Keep mine"), true),
        option("theirs", _("Keep theirs"), false),
        textual ? option("merged", _("Keep my merge below"), false) : option("both", _("Keep both"), false),
      ),
      merged ? field(_("Merged {field}", { field: labels[name] }), merged) : null,
    );
    return fieldset;
  });
  const saving = h("div", { "aria-live": "polite" });
  const view = h(
    "section",
    { class: "notice gentle", id: "conflict", "aria-labelledby": "conflict-title" },
    h("h2", { id: "conflict-title", tabindex: "-1" }, _("Someone saved this brief while you edited it")),
    h("p", null, _("Version {version} is saved now. For each part that differs, keep theirs, yours, or both, then save again.", { version: theirs.version })),
    fields,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          id: "save-merged",
          onclick: async () => {
            const body = { ...mine, base_version: theirs.version };
            for (const name of differing) body[name] = choices[name]();
            await save(ctx, brief, body, null, saving);
          },
        },
        _("Save the merged version"),
      ),
      h("button", { type: "button", class: "secondary", onclick: () => ctx.refresh() }, _("Drop my changes")),
    ),
    saving,
  );
  queueMicrotask(() => view.querySelector("h2").focus());
  announce(_("Someone saved this brief while you edited it"));
  return view;
}

// Co-authors

function authorsSection(ctx, brief) {
  const person = h("input", { type: "text", name: "user_id", maxlength: "36", autocomplete: "off", spellcheck: "false" });
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "card", "aria-labelledby": "authors-title" },
    h("h2", { id: "authors-title" }, _("Authors")),
    h("ul", null, brief.authors.map((author) => h("li", { dir: "auto" }, author.name))),
    field(_("Add a co-author"), person, _("The account number of a researcher of the brief's platforms.")),
    h("button", { type: "submit", class: "secondary" }, _("Add")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await api("POST", `/api/v1/briefs/${brief.id}/authors`, { user_id: person.value.trim() });
    markInvalid(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(_("The co-author is added."));
    ctx.refresh();
  });
  return form;
}

// Evidence

function evidencePicker(ctx, brief) {
  const kind = h("select", { name: "kind" }, Object.entries(EVIDENCE_KINDS).map(([value, text]) => new Option(_(text), value)));
  const platform = h("select", { name: "platform" }, brief.platforms.map((code) => new Option(code, code)));
  const found = h("ul", { class: "list", id: "evidence-candidates", "aria-live": "polite" });
  const result = h("div", { "aria-live": "polite" });
  const quote = async (refId, excerpt) => {
    const body = { kind: kind.value, ref_id: refId };
    if (excerpt?.trim()) body.excerpt = excerpt.trim();
    const answer = await api("POST", `/api/v1/briefs/${brief.id}/evidence`, body);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(_("The quote is added."));
    ctx.refresh();
  };
  const candidate = (refId, text, meta) => {
    const excerpt = h("textarea", { name: "excerpt", rows: "2", maxlength: "5000", "aria-label": _("Passage to quote (optional)") });
    return h(
      "li",
      { class: "card stack" },
      h("p", { class: "post", dir: "auto" }, text.length > 400 ? `${text.slice(0, 400)}…` : text),
      meta ? h("p", { class: "meta" }, meta) : null,
      field(_("Passage to quote (optional)"), excerpt),
      h("button", { type: "button", class: "secondary", onclick: () => quote(refId, excerpt.value) }, _("Quote this")),
    );
  };
  const search = async (event) => {
    event.preventDefault();
    found.replaceChildren();
    const code = encodeURIComponent(platform.value);
    if (kind.value === "note") {
      const answer = await api("GET", `/api/v1/notes?status=approved&platform=${code}&limit=20`);
      if (!answer.ok) return result.replaceChildren(problem(answer));
      found.append(...answer.data.items.filter((note) => note.text.trim()).map((note) => candidate(note.id, note.text, formatDate(note.recorded_at))));
    } else if (kind.value === "event_outcome") {
      const events = await api("GET", `/api/v1/events?platform=${code}&limit=20`);
      if (!events.ok) return result.replaceChildren(problem(events));
      for (const item of events.data.items) {
        const outcomes = await api("GET", `/api/v1/events/${item.id}/outcomes`);
        const list = outcomes.ok ? outcomes.data.items || outcomes.data : [];
        found.append(...list.map((outcome) => candidate(outcome.id, outcome.text, item.title)));
      }
    } else {
      const studies = await api("GET", "/api/v1/delphi/studies?limit=20");
      if (!studies.ok) return result.replaceChildren(problem(studies));
      for (const study of studies.data.items.filter((item) => item.platforms.includes(platform.value) && item.closed_at !== undefined)) {
        const results = await api("GET", `/api/v1/delphi/studies/${study.id}/results`);
        const last = results.ok ? results.data.rounds.at(-1) : null;
        found.append(...(last?.statements || []).map((statement) => candidate(statement.id, statement.text, study.title)));
      }
    }
    if (!found.children.length) found.append(h("li", null, emptyText(_("Nothing to quote here yet."))));
  };
  return h(
    "form",
    { novalidate: true, class: "card stack", "aria-labelledby": "picker-title", onsubmit: search },
    evidenceList(brief.evidence, async (item) => {
      const answer = await api("DELETE", `/api/v1/briefs/${brief.id}/evidence/${item.id}`);
      if (!answer.ok) return result.replaceChildren(problem(answer));
      announce(_("The quote is taken out."));
      ctx.refresh();
    }),
    h("h2", { id: "picker-title" }, _("Add evidence")),
    h("p", { class: "meta" }, _("Quotes come redacted, their authors only as pseudonyms.")),
    h("div", { class: "filters" }, field(_("Kind"), kind), brief.platforms.length > 1 ? field(_("Platform"), platform) : null),
    h("button", { type: "submit", class: "secondary" }, _("Find evidence")),
    found,
    result,
  );
}

// Review and publishing

function reviewSection(ctx, brief, isAuthor) {
  const result = h("div", { "aria-live": "polite" });
  const act = (path, body, said) => async () => {
    const answer = await api("POST", `/api/v1/briefs/${brief.id}/${path}`, body);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    announce(said);
    ctx.refresh();
  };
  const admin = ctx.user.role === "admin";
  const approved = brief.approved_version === brief.version;
  const buttons = [];
  if (isAuthor && brief.status === "draft" && !brief.in_review && !approved) {
    buttons.push(h("button", { type: "button", onclick: act("review-request", { version: brief.version }, _("Review is requested.")) }, _("Ask for review")));
  }
  if (!isAuthor && !approved) {
    buttons.push(h("button", { type: "button", onclick: act("review", { decision: "approve", version: brief.version }, _("You approved this version.")) }, _("Approve version {version}", { version: brief.version })));
  }
  if ((isAuthor || admin) && approved && brief.published_version !== brief.version) {
    buttons.push(h("button", { type: "button", onclick: act("publish", undefined, _("The brief is published.")) }, _("Publish")));
  }
  if ((isAuthor || admin) && brief.status === "published") {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "danger",
          onclick: async () => {
            if (await confirmAction(_("Unpublish this brief?"), _("Its public page goes away and stakeholders no longer see it."), _("Unpublish"))) await act("unpublish", undefined, _("The brief is unpublished."))();
          },
        },
        _("Unpublish"),
      ),
    );
  }
  const state = approved ? _("Version {version} is approved for publishing.", { version: brief.version }) : brief.in_review ? _("Waiting for a researcher who is not an author to review it.") : _("Not reviewed yet.");
  return h(
    "section",
    { "aria-labelledby": "review-title" },
    h("h2", { id: "review-title" }, _("Review and publishing")),
    h("p", { class: "meta" }, state),
    buttons.length ? h("div", { class: "actions" }, buttons) : null,
    result,
  );
}

// Translations

function translationsSection(ctx, brief, translations, researcher) {
  if (brief.translation_of) return null;
  const items = translations.ok ? translations.data : [];
  const result = h("div", { "aria-live": "polite" });
  const language = h("select", { name: "language" }, languageOptions("", brief.language));
  const form = researcher
    ? h(
        "form",
        { novalidate: true, class: "stack", onsubmit: async (event) => {
          event.preventDefault();
          const answer = await api("POST", `/api/v1/briefs/${brief.id}/translations`, { language: language.value });
          if (!answer.ok) return result.replaceChildren(problem(answer));
          announce(_("The translation is started."));
          ctx.navigate(`#/briefs/${answer.data.id}`);
        } },
        field(_("Translate into"), language),
        h("button", { type: "submit", class: "secondary" }, _("Start a translation")),
        result,
      )
    : null;
  if (!items.length && !form) return null;
  return h(
    "section",
    { "aria-labelledby": "translations-title" },
    h("h2", { id: "translations-title" }, _("Translations")),
    translations.ok ? null : problem(translations),
    items.length
      ? h(
          "ul",
          { class: "list", id: "translations" },
          items.map((item) =>
            h(
              "li",
              { class: "card" },
              h(
                "a",
                { href: researcher ? `#/briefs/${item.id}` : item.url, class: "row" },
                h(
                  "span",
                  { class: "grow" },
                  h("span", { class: "title", lang: item.language, dir: "auto" }, item.title),
                  h("span", { class: "meta block" }, [languageName(item.language), _("from version {version}", { version: item.translated_from_version })].join(" · ")),
                  item.out_of_date ? h("span", { class: "state state-changes_requested", "data-out-of-date": "" }, _("Out of date")) : null,
                ),
              ),
            ),
          ),
        )
      : emptyText(_("No translation yet.")),
    form,
  );
}

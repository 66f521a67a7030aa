// Interview guides (researchers and admins): the guides of their platforms, a new one, and an
// edit, which the server keeps as a new version (notes keep the version they answered). Every
// text is written in each of the guide's languages; the preview draws the questions with the
// note editor's own code, so what is seen here is what peer researchers see in "New note".

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, N_, availableLocales, formatDate, languageName, locale, ngettext } from "../i18n.js";
import { backLink, emptyText, onlineOnlyNotice, problem } from "./common.js";
import { questionControl } from "./editor.js";

// The words for the server's question types (GET /api/v1/vocabularies, question_types).
const QUESTION_TYPES = {
  short_text: N_("Short answer"),
  long_text: N_("Long answer"),
  single_choice: N_("One choice"),
  multiple_choice: N_("Several choices"),
  scale: N_("Scale"),
  number: N_("Number"),
};
const CHOICE_TYPES = new Set(["single_choice", "multiple_choice"]);
const RANGED_TYPES = new Set(["scale", "number"]);

export async function render(ctx) {
  if (ctx.params.path === "guides") return renderList(ctx);
  return renderEditor(ctx);
}

// The server's rule (server/notes/guides.py): researchers edit their own platforms' guides, admins all.
function mayEdit(user, platform) {
  return user.role === "admin" || user.platforms.includes(platform);
}


async function renderList(ctx) {
  const answer = await api("GET", "/api/v1/guides");
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Interview guides"), problem(answer));
  const editable = answer.data.items.filter((guide) => mayEdit(ctx.user, guide.platform));
  const item = (guide) =>
    h(
      "li",
      { class: "card", "data-guide": guide.id },
      h(
        "a",
        { href: `#/guides/${guide.id}`, class: "row" },
        h(
          "span",
          { class: "grow" },
          h("span", { class: "title", dir: "auto" }, guide.title),
          h("span", { class: "meta block" }, _("Platform {platform}, version {version}", { platform: guide.platform, version: guide.version }), " · ", ngettext("{count} question", "{count} questions", guide.questions.length)),
        ),
        icon("forward"),
      ),
    );
  showScreen(
    _("Interview guides"),
    h("p", { class: "meta" }, _("The questions peer researchers answer in a new note. Saving a change makes a new version; notes keep the version they answered.")),
    h("div", { class: "actions" }, h("a", { href: "#/guides/new", class: "button" }, _("New guide"))),
    editable.length ? h("ul", { class: "list" }, editable.map(item)) : emptyText(_("Your platforms have no guides yet.")),
  );
}

function nextCode(prefix, taken) {
  let number = 1;
  while (taken.includes(`${prefix}${number}`)) number += 1;
  return `${prefix}${number}`;
}

function newQuestion(questions) {
  return { id: nextCode("q", questions.map((question) => question.id)), type: "short_text", prompt: {}, options: [], min: null, max: null, required: false };
}

function newOption(options) {
  return { code: nextCode("o", options.map((option) => option.code)), label: {} };
}

// The guide being edited, as the server keeps it (every text by language), plus its languages.
function fromVersion(history) {
  const latest = history.items[0];
  const languages = new Set([history.source_language]);
  const collect = (texts) => Object.keys(texts || {}).forEach((code) => languages.add(code));
  collect(latest.title);
  for (const question of latest.questions) {
    collect(question.prompt);
    for (const option of question.options) collect(option.label);
  }
  return {
    platform: history.platform,
    source_language: history.source_language,
    languages: [...languages],
    title: { ...latest.title },
    questions: latest.questions.map((question) => ({ ...question, prompt: { ...question.prompt }, options: question.options.map((option) => ({ ...option, label: { ...option.label } })) })),
  };
}

function numberOrNull(value) {
  if (value === null || value === undefined || String(value).trim() === "") return null;
  const number = Number(value);
  return Number.isNaN(number) ? null : number;
}

// Only the texts of the guide's languages that are written: an empty one is no translation.
function writtenTexts(texts, languages) {
  const written = {};
  for (const code of languages) {
    const text = (texts[code] || "").trim();
    if (text) written[code] = text;
  }
  return written;
}

function requestBody(guide) {
  const languages = guide.languages;
  return {
    platform: guide.platform,
    source_language: guide.source_language,
    title: writtenTexts(guide.title, languages),
    questions: guide.questions.map((question) => {
      const sent = { id: question.id.trim(), type: question.type, prompt: writtenTexts(question.prompt, languages), required: question.required };
      if (CHOICE_TYPES.has(question.type)) sent.options = question.options.map((option) => ({ code: option.code.trim(), label: writtenTexts(option.label, languages) }));
      if (RANGED_TYPES.has(question.type)) {
        sent.min = numberOrNull(question.min);
        sent.max = numberOrNull(question.max);
      }
      return sent;
    }),
  };
}

// A text in the reader's language, else in the guide's own: as the server localises a guide.
function localised(texts, language, source) {
  return texts?.[language] || texts?.[source] || Object.values(texts || {})[0] || "";
}

// The questions as the note editor draws them, in one language; a form of its own, so its
// answers never mix with another preview's.
function preview(questions, language, source, label) {
  const shown = questions.map((question) => ({
    id: question.id || "q",
    type: question.type,
    prompt: localised(question.prompt, language, source) || _("(no text yet)"),
    options: CHOICE_TYPES.has(question.type) ? question.options.map((option) => ({ code: option.code, label: localised(option.label, language, source) })) : [],
    min: numberOrNull(question.min),
    max: numberOrNull(question.max),
    required: Boolean(question.required),
  }));
  const form = h("form", { class: "editor preview", "aria-label": label, lang: language, dir: ["ar", "fa"].includes(language) ? "rtl" : "ltr" }, shown.map((question) => questionControl(question, null)));
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

async function renderEditor(ctx) {
  const id = ctx.params.id;
  const [history, platforms] = await Promise.all([id ? api("GET", `/api/v1/guides/${id}/versions`) : Promise.resolve(null), api("GET", "/api/v1/platforms")]);
  if (!ctx.isCurrent()) return;
  if (history && !history.ok) return showScreen(_("Interview guide"), backLink("#/guides", _("All guides")), problem(history));
  const source = locale();
  const guide = history
    ? fromVersion(history.data)
    : { platform: ctx.user.platforms[0] || "", source_language: source, languages: [source], title: {}, questions: [] };
  if (!history) guide.questions.push(newQuestion(guide.questions));
  const platformCodes = ctx.user.role === "admin" && platforms.ok ? platforms.data.items.map((platform) => platform.code) : ctx.user.platforms;
  if (!guide.platform) guide.platform = platformCodes[0] || "";

  const form = h("form", { novalidate: true, class: "guide-editor" });
  const result = h("div", { "aria-live": "polite" });
  const previewArea = h("div", { id: "guide-preview" });

  // Each control writes into `guide` as the person types; a change of shape (a question added,
  // moved, a language removed) draws the form again from it and puts the focus back.
  const redraw = (...focus) => {
    form.replaceChildren(...formParts());
    for (const selector of focus) {
      const target = form.querySelector(selector);
      if (target) return target.focus();
    }
  };
  const textInputs = (texts, path, multiline) =>
    guide.languages.map((code) => {
      const attributes = { name: `${path}.${code}`, lang: code, dir: "auto", maxlength: "2000", oninput: (event) => (texts[code] = event.target.value) };
      const control = multiline ? h("textarea", { ...attributes, rows: "2" }, texts[code] || "") : h("input", { ...attributes, type: "text", autocomplete: "off", value: texts[code] || "" });
      return field(code === guide.source_language ? _("{language} (the guide's own language)", { language: languageName(code) }) : languageName(code), control);
    });
  const textGroup = (legend, texts, path, multiline = false) => h("fieldset", { "data-field": path }, h("legend", null, legend), textInputs(texts, path, multiline));

  const languagesPart = () => {
    const sourceSelect = h(
      "select",
      { name: "source_language", onchange: () => {
        guide.source_language = sourceSelect.value;
        guide.languages = [sourceSelect.value, ...guide.languages.filter((code) => code !== sourceSelect.value)];
        redraw("[name=source_language]");
      } },
      availableLocales().map((item) => new Option(item.name, item.code, false, item.code === guide.source_language)),
    );
    const others = guide.languages.filter((code) => code !== guide.source_language);
    const missing = availableLocales().filter((item) => !guide.languages.includes(item.code));
    const adding = h("select", { name: "add_language" }, missing.map((item) => new Option(item.name, item.code)));
    return h(
      "fieldset",
      { "data-field": "source_language" },
      h("legend", null, _("Languages")),
      field(_("The guide's own language"), sourceSelect, _("Every text needs this language; whoever reads another language the guide lacks sees this one.")),
      others.map((code) =>
        h("div", { class: "actions", "data-language": code }, h("span", { lang: code }, languageName(code)), h("button", { type: "button", class: "secondary", "data-remove-language": code, onclick: () => {
          guide.languages = guide.languages.filter((item) => item !== code);
          redraw("[name=add_language]");
        } }, _("Remove {language}", { language: languageName(code) }))),
      ),
      missing.length
        ? h("div", { class: "stack" }, field(_("Another language"), adding), h("button", { type: "button", class: "secondary", onclick: () => {
            guide.languages.push(adding.value);
            redraw(`[data-remove-language="${adding.value}"]`);
          } }, _("Add the language")))
        : null,
    );
  };

  const questionPart = (question, index) => {
    const path = `questions[${index}]`;
    const count = guide.questions.length;
    const move = (step) => {
      const [moved] = guide.questions.splice(index, 1);
      guide.questions.splice(index + step, 0, moved);
      redraw(`[data-question="${index + step}"] [data-move="${step}"]:not(:disabled)`, `[data-question="${index + step}"] legend`);
    };
    const typeSelect = h(
      "select",
      { name: `${path}.type`, onchange: () => {
        question.type = typeSelect.value;
        if (CHOICE_TYPES.has(question.type)) while (question.options.length < 2) question.options.push(newOption(question.options));
        redraw(`[name="${path}.type"]`);
      } },
      Object.entries(QUESTION_TYPES).map(([code, words]) => new Option(_(words), code, false, code === question.type)),
    );
    const idInput = h("input", { type: "text", name: `${path}.id`, value: question.id, maxlength: "64", autocomplete: "off", autocapitalize: "none", spellcheck: "false", pattern: "[a-z0-9_]+", oninput: (event) => (question.id = event.target.value) });
    const rangeInput = (name, words) =>
      h("div", { "data-field": `${path}.${name}` }, field(words, h("input", { type: "number", name: `${path}.${name}`, step: question.type === "scale" ? "1" : "any", inputmode: question.type === "scale" ? "numeric" : "decimal", value: question[name] ?? "", oninput: (event) => (question[name] = numberOrNull(event.target.value)) })));
    const optionPart = (option, position) =>
      h(
        "fieldset",
        { "data-field": `${path}.options[${position}]` },
        h("legend", null, _("Option {number}", { number: position + 1 })),
        h("div", { "data-field": `${path}.options[${position}].code` }, field(_("Code"), h("input", { type: "text", name: `${path}.options[${position}].code`, value: option.code, maxlength: "40", autocomplete: "off", autocapitalize: "none", spellcheck: "false", oninput: (event) => (option.code = event.target.value) }))),
        textGroup(_("Label"), option.label, `${path}.options[${position}].label`),
        h("button", { type: "button", class: "secondary", disabled: question.options.length <= 2, onclick: () => {
          question.options.splice(position, 1);
          redraw(`[data-field="${path}.options"] [data-add-option]`);
        } }, _("Remove option {number}", { number: position + 1 })),
      );
    return h(
      "fieldset",
      { "data-field": path, "data-question": String(index) },
      h("legend", { tabindex: "-1" }, _("Question {number}", { number: index + 1 })),
      h("div", { "data-field": `${path}.type` }, field(_("Kind of answer"), typeSelect)),
      textGroup(_("Question text"), question.prompt, `${path}.prompt`, true),
      CHOICE_TYPES.has(question.type)
        ? h(
            "div",
            { class: "stack", "data-field": `${path}.options` },
            h("h3", null, _("Options")),
            question.options.map(optionPart),
            h("button", { type: "button", class: "secondary", "data-add-option": "", onclick: () => {
              question.options.push(newOption(question.options));
              redraw(`[name="${path}.options[${question.options.length - 1}].code"]`);
            } }, _("Add an option")),
          )
        : null,
      RANGED_TYPES.has(question.type)
        ? [
            rangeInput("min", question.type === "scale" ? _("Lowest point") : _("Smallest number (optional)")),
            rangeInput("max", question.type === "scale" ? _("Highest point") : _("Largest number (optional)")),
            question.type === "scale" ? h("p", { class: "hint" }, _("Whole numbers, at most 11 points.")) : null,
          ]
        : null,
      h("label", { class: "choice" }, h("input", { type: "checkbox", name: `${path}.required`, checked: question.required, onchange: (event) => (question.required = event.target.checked) }), h("span", null, _("An answer is required"))),
      h("div", { "data-field": `${path}.id` }, field(_("Code in exports"), idInput, _("Small letters, digits and _ only; exports name this question's answers with it."))),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", "data-move": "-1", disabled: index === 0, onclick: () => move(-1) }, _("Move up")),
        h("button", { type: "button", class: "secondary", "data-move": "1", disabled: index === count - 1, onclick: () => move(1) }, _("Move down")),
        h("button", { type: "button", class: "secondary", disabled: count === 1, onclick: () => {
          guide.questions.splice(index, 1);
          redraw(`[data-question="${Math.min(index, guide.questions.length - 1)}"] legend`);
        } }, _("Remove question {number}", { number: index + 1 })),
      ),
    );
  };

  const formParts = () => [
    onlineOnlyNotice(),
    history
      ? h("p", { class: "meta" }, _("Platform {platform}, version {version}", { platform: guide.platform, version: history.data.current_version }))
      : h("div", { "data-field": "platform" }, field(_("Platform"), h("select", { name: "platform", onchange: (event) => (guide.platform = event.target.value) }, platformCodes.map((code) => new Option(code, code, false, code === guide.platform))))),
    languagesPart(),
    textGroup(_("Title"), guide.title, "title"),
    h("h2", null, _("Questions")),
    h("div", { class: "stack", "data-field": "questions" }, guide.questions.map(questionPart)),
    h("button", { type: "button", class: "secondary", onclick: () => {
      guide.questions.push(newQuestion(guide.questions));
      redraw(`[data-question="${guide.questions.length - 1}"] legend`);
    } }, _("Add a question")),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, history ? _("Save as version {version}", { version: history.data.current_version + 1 }) : _("Save the guide")),
      h("button", { type: "button", class: "secondary", onclick: showPreview }, _("Preview")),
    ),
    result,
  ];

  const previewLanguage = h("select", { name: "preview_language" });
  function showPreview() {
    const likely = guide.languages.includes(locale()) ? locale() : guide.source_language;
    const chosen = guide.languages.includes(previewLanguage.value) ? previewLanguage.value : likely;
    previewLanguage.replaceChildren(...guide.languages.map((code) => new Option(languageName(code), code, false, code === chosen)));
    const heading = h("h2", { id: "preview-title", tabindex: "-1" }, _("Preview"));
    previewArea.replaceChildren(
      heading,
      h("p", { class: "meta" }, _("As peer researchers see these questions in “New note”. What you tick here is not kept.")),
      guide.languages.length > 1 ? field(_("Show the questions in"), previewLanguage) : null,
      preview(guide.questions, chosen, guide.source_language, _("Preview")),
    );
    heading.focus();
  }
  previewLanguage.addEventListener("change", showPreview);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = history ? await api("PUT", `/api/v1/guides/${id}`, requestBody(guide)) : await api("POST", "/api/v1/guides", requestBody(guide));
    showFieldErrors(form, answer);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    result.replaceChildren();
    announce(_("The guide is saved as version {version}.", { version: answer.data.version }));
    ctx.navigate(`#/guides/${answer.data.id}`);
  });
  redraw();

  const title = history ? localised(guide.title, locale(), guide.source_language) || _("Interview guide") : _("New guide");
  showScreen(title, backLink("#/guides", _("All guides")), form, previewArea, history ? versionsPart(history.data) : null);
}

// Every version kept, newest first; each shows its questions on request as they were asked then.
function versionsPart(history) {
  const items = history.items.map((version) => {
    const shown = h("div", { id: `version-${version.version}`, hidden: true });
    const button = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": shown.id }, _("Show version {version}", { version: version.version }));
    button.addEventListener("click", () => {
      if (!shown.childNodes.length) {
        const language = Object.keys(version.title).includes(locale()) ? locale() : history.source_language;
        shown.append(preview(version.questions, language, history.source_language, _("Version {version}", { version: version.version })));
      }
      shown.hidden = !shown.hidden;
      button.setAttribute("aria-expanded", String(!shown.hidden));
    });
    return h(
      "li",
      { class: "card", "data-version": String(version.version) },
      h("p", { class: "title", dir: "auto" }, localised(version.title, locale(), history.source_language)),
      h("p", { class: "meta" }, version.version === history.current_version ? _("Version {version}, the current one", { version: version.version }) : _("Version {version}", { version: version.version }), " · ", _("saved {when}", { when: formatDate(version.saved_at) })),
      button,
      shown,
    );
  });
  return h("section", { "aria-labelledby": "versions-title" }, h("h2", { id: "versions-title" }, _("Versions")), h("p", { class: "meta" }, _("Notes keep the version they answered.")), h("ul", { class: "list" }, items));
}

// "questions[1].options[0].label" → "questions[1].options[0]" → ... → "".
function enclosingPath(path) {
  const shorter = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
  return shorter === path ? "" : shorter;
}

// A refused guide: each of the server's messages goes next to the field it names
// ("questions[1].options[0].label"), or the nearest part of the form that holds it.
function showFieldErrors(form, answer) {
  for (const shown of form.querySelectorAll(".field-error")) shown.remove();
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    if (control.dataset.describedby) control.setAttribute("aria-describedby", control.dataset.describedby);
    else control.removeAttribute("aria-describedby");
  }
  let first = null;
  (answer.data?.errors || []).forEach((error, index) => {
    let path = String(error.field || "");
    let place = null;
    while (path && !(place = form.querySelector(`[data-field="${CSS.escape(path)}"]`))) path = enclosingPath(path);
    if (!place) return;
    const id = `field-error-${index}`;
    const legend = place.querySelector(":scope > legend");
    const text = h("p", { class: "error field-error", id }, error.message);
    if (legend) legend.after(text);
    else place.prepend(text);
    // A whole question's box is not one control: only what the message is about is marked.
    if (place.hasAttribute("data-question")) return;
    for (const control of place.querySelectorAll("input, select, textarea")) {
      const hint = control.getAttribute("aria-describedby");
      if (hint) control.dataset.describedby = hint;
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", hint ? `${id} ${hint}` : id);
      first ||= control;
    }
  });
  first?.focus();
}

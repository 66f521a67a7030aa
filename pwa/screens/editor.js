// The note editor for an interview guide: every question type, autosaved to the phone (encrypted)
// as the person types, sent through the outbox. A conflict is shown side by side and the person
// chooses which version to keep; nothing is overwritten without their say.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, N_, formatDate, locale } from "../i18n.js";
import { bodyFromServer, noteState } from "../outbox.js";
import { getNote, putNote } from "../store.js";
import { registerBackgroundSync, requestFlush } from "../sync.js";
import { KIND_LABELS, backLink, loadGuides, noteTitle, problem, stateBadge } from "./common.js";

const AUTOSAVE_MS = 800;
// Labels of the server's age bands (GET /api/v1/vocabularies), in their order.
const AGE_BAND_LABELS = {
  "under-14": N_("Under 14"), "14-15": N_("14 to 15"), "16-17": N_("16 to 17"), "18-21": N_("18 to 21"),
  "22-25": N_("22 to 25"), "26-29": N_("26 to 29"), "30-plus": N_("30 or older"),
};

// The screen's working state; one editor is open at a time.
const editing = { note: null, guide: null, guides: [], form: null, timer: null, badge: null };

function localDateTime(iso) {
  const date = iso ? new Date(iso) : new Date();
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

function newNote(user, guide) {
  return {
    id: crypto.randomUUID(),
    owner: user.id,
    version: 0,
    rev: 0,
    dirty: true,
    queued: false,
    conflict: null,
    error: null,
    errors: [],
    reviews: [],
    serverStatus: null,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    sentAt: null,
    body: {
      kind: "interview",
      platform: user.platforms[0] || "NET",
      language: locale(),
      recorded_at: new Date().toISOString(),
      interviewee_code: "",
      consent_confirmed: false,
      status: "draft",
      guide_id: guide?.id || null,
      guide_version: guide?.version || null,
      participants: null,
      answers: {},
      text: "",
      tags: [],
    },
  };
}

// A note only on the server (sent from another device, or forgotten here after sending).
function fromServer(user, stored) {
  return { ...newNote(user, null), id: stored.id, version: stored.version, dirty: false, serverStatus: stored.status, reviews: stored.reviews || [], sentAt: Date.now(), body: bodyFromServer(stored) };
}

// Also the guide editor's preview (guides.js): researchers see a question as peer researchers will.
export function questionControl(question, value) {
  const name = `q-${question.id}`;
  const required = question.required ? h("span", { class: "meta" }, " ", _("(required)")) : null;
  const choices = (type, selected) =>
    h(
      "fieldset",
      { "data-question": question.id },
      h("legend", null, question.prompt, required),
      question.options.map((option) =>
        h("label", { class: "choice" }, h("input", { type, name, value: option.code, checked: selected(option.code) }), h("span", null, option.label)),
      ),
    );
  switch (question.type) {
    case "long_text":
      return field(question.prompt, h("textarea", { name, "data-question": question.id, rows: "5" }, value || ""));
    case "single_choice":
      return choices("radio", (code) => value === code);
    case "multiple_choice":
      return choices("checkbox", (code) => Array.isArray(value) && value.includes(code));
    case "scale": {
      const min = question.min ?? 1;
      const max = question.max ?? 5;
      if (max - min <= 10) {
        const steps = [];
        for (let step = min; step <= max; step += 1) steps.push({ code: String(step), label: String(step) });
        return scaleFieldset(question, steps, value, required);
      }
      return field(question.prompt, h("input", { type: "number", name, "data-question": question.id, min: String(min), max: String(max), value: value ?? "", inputmode: "numeric" }));
    }
    case "number":
      return field(question.prompt, h("input", { type: "number", name, "data-question": question.id, step: "any", inputmode: "decimal", value: value ?? "" }));
    default:
      return field(question.prompt, h("input", { type: "text", name, "data-question": question.id, value: value ?? "", maxlength: "2000" }));
  }
}

function scaleFieldset(question, steps, value, required) {
  return h(
    "fieldset",
    { "data-question": question.id, class: "scale" },
    h("legend", null, question.prompt, required),
    h("div", { class: "actions" }, steps.map((step) => h("label", { class: "choice" }, h("input", { type: "radio", name: `q-${question.id}`, value: step.code, checked: String(value) === step.code }), h("span", null, step.label)))),
  );
}

function readAnswers(form, guide) {
  const answers = {};
  for (const question of guide?.questions || []) {
    const name = `q-${question.id}`;
    let value = null;
    if (question.type === "multiple_choice") {
      value = [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
      if (!value.length) value = null;
    } else if (question.type === "single_choice" || (question.type === "scale" && form.querySelector(`input[type=radio][name="${name}"]`))) {
      const checked = form.querySelector(`input[name="${name}"]:checked`);
      value = checked ? (question.type === "scale" ? Number(checked.value) : checked.value) : null;
    } else {
      const input = form.elements[name];
      const raw = input?.value.trim() ?? "";
      value = raw === "" ? null : question.type === "number" || question.type === "scale" ? Number(raw) : raw;
    }
    if (value !== null && !Number.isNaN(value)) answers[question.id] = value;
  }
  return answers;
}

function readForm(form) {
  const body = { ...editing.note.body };
  body.kind = form.elements.kind.value;
  body.platform = form.elements.platform.value;
  body.recorded_at = new Date(form.elements.recorded_at.value || Date.now()).toISOString();
  body.interviewee_code = form.elements.interviewee_code.value.trim();
  body.consent_confirmed = form.elements.consent_confirmed.checked;
  body.text = form.elements.text.value;
  body.tags = form.elements.tags.value.split(",").map((tag) => tag.trim()).filter(Boolean).slice(0, 30);
  body.answers = readAnswers(form, editing.guide);
  if (body.kind === "focus_group") {
    const count = Number(form.elements.participants_count.value) || 0;
    const bands = [...form.querySelectorAll('input[name="age_bands"]:checked')].map((input) => input.value);
    body.participants = count ? { count, age_bands: bands } : null;
  } else {
    body.participants = null;
  }
  return body;
}

// Saves what the form says to the phone, if it differs from what is kept; with queue, the note
// also goes into the outbox.
async function save({ queue = false } = {}) {
  clearTimeout(editing.timer);
  const form = editing.form;
  if (!form) return;
  const body = readForm(form);
  const stored = await getNote(editing.note.id);
  const note = stored || editing.note;
  if (queue) body.status = "submitted";
  if (stored && !queue && JSON.stringify(body) === JSON.stringify(stored.body)) return;
  note.body = body;
  note.rev = (note.rev || 0) + 1;
  note.updatedAt = Date.now();
  note.dirty = true;
  if (queue) {
    note.queued = true;
    note.error = null;
    note.errors = [];
  }
  editing.note = await putNote(note);
  if (!stored && editing.ctx?.isCurrent()) {
    // A new note gets its address once it is kept, so a reload finds it again.
    history.replaceState(null, "", `#/notes/${note.id}`);
  }
  updateBadge();
}

function updateBadge() {
  editing.badge?.replaceChildren(stateBadge(noteState(editing.note)));
}

// What must be true before a note can be sent (the server checks again).
function missing(body) {
  const problems = [];
  if (!body.interviewee_code) problems.push(_("Please write the interviewee's code."));
  if (!body.consent_confirmed) problems.push(_("Please confirm that the person agreed to the interview."));
  if (body.kind === "focus_group" && !(body.participants?.count >= 2)) problems.push(_("Please say how many people took part (at least 2)."));
  for (const question of editing.guide?.questions || []) {
    if (question.required && !(question.id in body.answers)) problems.push(_("Please answer: {question}", { question: question.prompt }));
  }
  return problems;
}

function comparison(mine, theirs) {
  const questions = editing.guide?.questions || [];
  const rows = [
    [_("Interviewee code"), (body) => body.interviewee_code],
    [_("Date and time"), (body) => formatDate(body.recorded_at)],
    ...questions.map((question) => [question.prompt, (body) => {
      const value = body.answers?.[question.id];
      const labels = Object.fromEntries(question.options.map((option) => [option.code, option.label]));
      return Array.isArray(value) ? value.map((code) => labels[code] || code).join(", ") : value == null ? "" : labels[value] || String(value);
    }]),
    [_("Notes"), (body) => body.text],
    [_("Tags"), (body) => (body.tags || []).join(", ")],
  ];
  const column = (title, body) =>
    h(
      "section",
      { class: "card", "aria-label": title },
      h("h3", null, title),
      h("dl", null, rows.map(([label, read]) => {
        const differs = read(mine) !== read(theirs);
        return [h("dt", null, label), h("dd", { class: differs ? "differs" : null }, read(body) || "—")];
      })),
    );
  return h("div", { class: "compare" }, column(_("On this phone"), mine), column(_("On the server"), theirs));
}

async function keepMine() {
  await save(); // "mine" is what the form says, to the last keystroke
  // The choice settles the note: the form on screen must not save over it afterwards.
  clearTimeout(editing.timer);
  editing.form = null;
  const note = await getNote(editing.note.id);
  note.version = note.conflict.version;
  note.conflict = null;
  note.body.status = "submitted";
  note.queued = true;
  note.dirty = true;
  note.rev = (note.rev || 0) + 1;
  note.updatedAt = Date.now();
  editing.note = await putNote(note);
  announce(_("Your version will be sent."));
  registerBackgroundSync();
  requestFlush();
  editing.ctx.refresh();
}

async function keepServers() {
  clearTimeout(editing.timer);
  editing.form = null;
  const note = await getNote(editing.note.id);
  const stored = note.conflict;
  note.body = bodyFromServer(stored);
  note.version = stored.version;
  note.serverStatus = stored.status;
  note.reviews = stored.reviews || note.reviews;
  note.conflict = null;
  note.queued = false;
  note.dirty = false;
  note.sentAt = Date.now();
  note.rev = (note.rev || 0) + 1;
  editing.note = await putNote(note);
  announce(_("The server's version is kept on this phone."));
  editing.ctx.refresh();
}

export async function render(ctx) {
  if (!ctx.inGroup("authors")) {
    const review = await import("./review.js");
    return review.renderNote(ctx, ctx.params.id);
  }
  await save(); // the editor being left: what was typed is kept
  editing.form = null;
  editing.ctx = ctx;
  editing.guides = await loadGuides(ctx.user);
  let note = null;
  let failure = null;
  if (ctx.params.id) {
    note = await getNote(ctx.params.id);
    if (!note) {
      const result = await api("GET", `/api/v1/notes/${ctx.params.id}`);
      if (result.ok) note = fromServer(ctx.user, result.data);
      else failure = result;
    }
  } else {
    const guideId = ctx.query.get("guide");
    // "?guide=" with no id is a note without a guide; no "guide" at all picks the only one there is.
    const guide = editing.guides.find((item) => item.id === guideId) || (!ctx.query.has("guide") && editing.guides.length === 1 ? editing.guides[0] : null);
    if (!guide && editing.guides.length > 1 && !ctx.query.has("guide")) {
      if (!ctx.isCurrent()) return;
      return showScreen(
        _("New note"),
        h("p", null, _("Choose the interview guide for this note.")),
        h("ul", { class: "list" }, editing.guides.map((item) => h("li", { class: "card" }, h("a", { class: "row", href: `#/notes/new?guide=${item.id}` }, item.title)))),
        h("p", null, h("a", { href: "#/notes/new?guide=" }, _("A note without a guide"))),
      );
    }
    note = newNote(ctx.user, guide);
  }
  if (!ctx.isCurrent()) return;
  if (!note) return showScreen(_("Note"), backLink("#/notes", _("Back to the list")), problem(failure));
  editing.note = note;
  editing.guide = editing.guides.find((item) => item.id === note.body.guide_id) || null;

  const body = note.body;
  editing.badge = h("p", { class: "state-line" });
  updateBadge();
  const parts = [backLink("#/notes", _("Back to the list")), editing.badge];

  if (note.conflict) {
    parts.push(
      h(
        "section",
        { class: "notice", "aria-labelledby": "conflict-title" },
        h("h2", { id: "conflict-title" }, _("This note was changed elsewhere")),
        h("p", null, _("Compare both versions and choose which one to keep. The other one is not kept.")),
        comparison(body, bodyFromServer(note.conflict)),
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: keepMine }, _("Keep mine")),
          h("button", { type: "button", class: "secondary", onclick: keepServers }, _("Keep the server's version")),
        ),
      ),
    );
  }
  for (const review of (note.reviews || []).filter((item) => item.decision === "request_changes" && item.comment)) {
    parts.push(h("div", { class: "notice gentle" }, h("p", null, _("Changes requested by the reviewer:")), h("p", { class: "post" }, review.comment)));
  }
  if (note.error) {
    parts.push(h("div", { class: "notice gentle", role: "alert" }, h("p", null, _("This note could not be sent: {reason}", { reason: note.error })), (note.errors || []).map((error) => h("p", { class: "error" }, error.message))));
  }

  const kinds = ctx.vocabularies?.note_kinds || Object.keys(KIND_LABELS);
  const kind = h("select", { name: "kind" }, kinds.map((code) => new Option(_(KIND_LABELS[code] || code), code, false, code === body.kind)));
  const platforms = ctx.user.platforms.length ? ctx.user.platforms : [body.platform];
  const platform = h("select", { name: "platform" }, platforms.map((code) => new Option(code, code, false, code === body.platform)));
  const participants = h(
    "fieldset",
    { hidden: body.kind !== "focus_group" },
    h("legend", null, _("Who took part")),
    field(_("Number of people"), h("input", { type: "number", name: "participants_count", min: "2", max: "50", inputmode: "numeric", value: body.participants?.count ?? "" })),
    h("p", { class: "hint" }, _("Age groups (no names)")),
    (ctx.vocabularies?.age_bands || Object.keys(AGE_BAND_LABELS)).map((band) => h("label", { class: "choice" }, h("input", { type: "checkbox", name: "age_bands", value: band, checked: Boolean(body.participants?.age_bands?.includes(band)) }), h("span", null, _(AGE_BAND_LABELS[band] || band)))),
  );
  kind.addEventListener("change", () => {
    participants.hidden = kind.value !== "focus_group";
  });
  const consent = h("input", { type: "checkbox", name: "consent_confirmed", id: "consent-confirmed", checked: body.consent_confirmed });
  const feedback = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, class: "editor" },
    field(_("Kind of note"), kind),
    platforms.length > 1 ? field(_("Platform"), platform) : h("input", { type: "hidden", name: "platform", value: platforms[0] }),
    field(_("Date and time"), h("input", { type: "datetime-local", name: "recorded_at", value: localDateTime(body.recorded_at) })),
    field(_("Interviewee code"), h("input", { type: "text", name: "interviewee_code", maxlength: "32", autocomplete: "off", value: body.interviewee_code }), _("A code you agreed on, never a name.")),
    participants,
    (editing.guide?.questions || []).map((question) => questionControl(question, body.answers?.[question.id])),
    field(_("Notes"), h("textarea", { name: "text", rows: "8", maxlength: "50000" }, body.text || ""), _("What was said, in your own words. Leave out names, addresses and phone numbers.")),
    field(_("Tags"), h("input", { type: "text", name: "tags", value: (body.tags || []).join(", "), autocomplete: "off" }), _("Separate tags with commas.")),
    h("label", { class: "choice", for: "consent-confirmed" }, consent, h("span", null, _("The person I talked with agreed to this interview and to my notes."))),
    feedback,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", name: "save", class: "secondary" }, _("Save")),
      h("button", { type: "button", name: "send", onclick: () => send(feedback) }, _("Send now")),
    ),
  );
  form.addEventListener("input", () => {
    clearTimeout(editing.timer);
    editing.timer = setTimeout(() => save(), AUTOSAVE_MS);
  });
  form.addEventListener("change", () => save());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await save();
    announce(_("Saved on this phone"));
  });
  editing.form = form;
  parts.push(form);
  showScreen(editing.guide ? editing.guide.title : noteTitle(body, editing.guides), parts);
}

async function send(feedback) {
  await save();
  const problems = missing(editing.note.body);
  feedback.replaceChildren(...problems.map((text) => h("p", { class: "error", role: "alert" }, text)));
  if (problems.length) return;
  await save({ queue: true });
  announce(navigator.onLine === false ? _("No connection: the note will be sent when you are online.") : _("Sending…"));
  registerBackgroundSync();
  requestFlush();
}

export async function onOutboxChange(ctx, outcome) {
  if (!editing.note || !editing.form) return;
  await save();
  const stored = await getNote(editing.note.id);
  if (!stored) return;
  const before = noteState(editing.note);
  editing.note = stored;
  const after = noteState(stored);
  if (before === after) return;
  updateBadge();
  if (after === "sent") announce(_("Sent"));
  // A conflict or a refusal changes what the screen must show: draw it again (the form is saved).
  if (after === "conflict" || stored.error) ctx.refresh();
  return outcome;
}

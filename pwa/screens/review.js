// Review (youth workers and researchers): submitted notes of their platforms, each read in full
// and approved or sent back with a comment for its author.

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, formatDate } from "../i18n.js";
import { KIND_LABELS, backLink, loadGuides, noteTitle, problem, stateBadge } from "./common.js";

const SERVER_STATES = { submitted: "sent", approved: "approved", changes_requested: "changes_requested", draft: "saved" };

export async function render(ctx) {
  const status = ctx.query.get("status") || "submitted";
  const [result, guides] = await Promise.all([api("GET", `/api/v1/notes?status=${encodeURIComponent(status)}&limit=100`), loadGuides(ctx.user)]);
  if (!ctx.isCurrent()) return;
  const filter = h("select", { id: "review-status" }, [
    new Option(_("Waiting for review"), "submitted", false, status === "submitted"),
    new Option(_("Changes requested"), "changes_requested", false, status === "changes_requested"),
    new Option(_("Approved"), "approved", false, status === "approved"),
  ]);
  filter.addEventListener("change", () => ctx.navigate(`#/review?status=${filter.value}`));
  const items = result.ok ? result.data.items : [];
  showScreen(
    _("Review notes"),
    field(_("Show"), filter),
    result.ok ? null : problem(result),
    items.length
      ? h("ul", { class: "list" }, items.map((note) =>
          h("li", { class: "card" },
            h("a", { href: `#/notes/${note.id}`, class: "row" }, h("span", { class: "grow" }, h("span", { class: "title" }, noteTitle(note, guides)), h("span", { class: "meta" }, `${note.platform} · ${formatDate(note.recorded_at)}`)), icon("forward")),
            stateBadge(SERVER_STATES[note.status] || "sent"))))
      : result.ok ? h("p", { class: "meta" }, _("No notes here.")) : null,
  );
}

function answerText(question, value) {
  if (value === undefined || value === null) return "—";
  const labels = Object.fromEntries((question?.options || []).map((option) => [option.code, option.label]));
  return Array.isArray(value) ? value.map((code) => labels[code] || code).join(", ") : labels[value] || String(value);
}

// One note, read-only, with the review form.
export async function renderNote(ctx, id) {
  const [result, guides] = await Promise.all([api("GET", `/api/v1/notes/${id}`), loadGuides(ctx.user)]);
  if (!ctx.isCurrent()) return;
  if (!result.ok) return showScreen(_("Note"), backLink("#/review", _("Back to the list")), problem(result));
  const note = result.data;
  const guide = guides.find((item) => item.id === note.guide_id);
  const questions = guide?.questions || [];
  const rows = [
    [_("Kind of note"), _(KIND_LABELS[note.kind] || note.kind)],
    [_("Platform"), note.platform],
    [_("Date and time"), formatDate(note.recorded_at)],
    [_("Interviewee code"), note.interviewee_code],
    ...Object.entries(note.answers || {}).map(([questionId, value]) => {
      const question = questions.find((item) => item.id === questionId);
      return [question?.prompt || questionId, answerText(question, value)];
    }),
    [_("Notes"), note.text || "—"],
    [_("Tags"), (note.tags || []).join(", ") || "—"],
  ];
  const comment = h("textarea", { name: "comment", rows: "4", maxlength: "5000" });
  const feedback = h("div", { "aria-live": "polite" });
  const decide = async (decision) => {
    const answer = await api("POST", `/api/v1/notes/${id}/review`, { decision, comment: comment.value });
    if (!answer.ok) return feedback.replaceChildren(problem(answer));
    announce(decision === "approve" ? _("The note is approved.") : _("The author is asked for changes."));
    ctx.navigate("#/review");
  };
  showScreen(
    noteTitle(note, guides),
    backLink("#/review", _("Back to the list")),
    h("p", null, stateBadge(SERVER_STATES[note.status] || "sent")),
    h("dl", { class: "card compare-single" }, rows.map(([label, value]) => [h("dt", null, label), h("dd", { class: "post" }, value)])),
    note.personal_information?.length
      ? h("p", { class: "notice gentle" }, _("Tessera marked possible personal information in this note; exports redact it."))
      : null,
    (note.reviews || []).length
      ? [h("h2", null, _("Earlier reviews")), h("ul", { class: "list" }, note.reviews.map((review) => h("li", { class: "card" }, h("span", { class: "meta" }, formatDate(review.created_at)), h("p", { class: "post" }, review.comment || "—"))))]
      : null,
    ["submitted", "changes_requested", "approved"].includes(note.status)
      ? h(
          "section",
          { "aria-labelledby": "review-title" },
          h("h2", { id: "review-title" }, _("Your review")),
          field(_("Comment for the author"), comment),
          feedback,
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", onclick: () => decide("approve") }, _("Approve")),
            h("button", { type: "button", class: "secondary", onclick: () => decide("request_changes") }, _("Request changes")),
          ),
        )
      : null,
  );
}

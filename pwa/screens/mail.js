// The e-mail outbox (admins): every e-mail Tessera sent, could not send, or keeps while no SMTP
// server is set. On the embedded default nothing is sent, so an admin opens a message here and
// hands it over (reads it out, copies it into their own e-mail). Every reading is audited.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, formatDate } from "../i18n.js";
import { backLink, emptyText, loadMoreButton, problem } from "./common.js";
import { MAIL_STATUSES, label, options, statusBadge } from "./labels.js";

function outboxPath(status, cursor) {
  const query = new URLSearchParams({ limit: "30" });
  if (status) query.set("status", status);
  if (cursor) query.set("cursor", cursor);
  return `/api/v1/mail/outbox?${query}`;
}

function recipient(message) {
  return message.to === null ? _("Recipient erased") : message.to;
}

// When it was queued, sent or given up, and how many attempts it took.
function facts(message) {
  const lines = [_("Queued {date}", { date: formatDate(message.created_at) })];
  if (message.sent_at) lines.push(_("Sent {date}", { date: formatDate(message.sent_at) }));
  if (message.failed_at) lines.push(_("Given up {date}", { date: formatDate(message.failed_at) }));
  if (message.attempts) lines.push(_("Attempts: {count}", { count: message.attempts }));
  return lines.join(" · ");
}

function messageItem(message) {
  return h(
    "li",
    { class: "card", "data-mail": message.id, "data-status": message.status },
    h("p", { class: "title" }, h("a", { href: `#/mail/${message.id}`, dir: "auto" }, message.subject || _("(no subject)"))),
    h("p", { class: message.to === null ? "meta" : "meta token", dir: "auto" }, recipient(message)),
    statusBadge(MAIL_STATUSES, message.status),
    h("p", { class: "meta" }, facts(message)),
    message.last_error ? h("p", { class: "meta", dir: "ltr" }, _("Last error: {error}", { error: message.last_error })) : null,
  );
}

async function listScreen(ctx) {
  const status = ctx.query.get("status") || "";
  const answer = await api("GET", outboxPath(status));
  if (!ctx.isCurrent()) return;
  const filter = h("select", { name: "status" }, options(ctx, "mail_statuses", MAIL_STATUSES, status, _("Every status")));
  filter.addEventListener("change", () => ctx.navigate(filter.value ? `#/mail?status=${filter.value}` : "#/mail"));
  const list = h("ul", { class: "list", "aria-label": _("E-mails") }, answer.ok ? answer.data.items.map(messageItem) : []);
  const more = answer.ok
    ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", outboxPath(status, cursor));
        return { result, nodes: result.ok ? result.data.items.map(messageItem) : [], next: result.ok ? result.data.next_cursor : null };
      })
    : null;
  const explanation = answer.ok && !answer.data.sending
    ? h("p", { class: "notice", "data-not-sending": "" }, _("No e-mail server is set up, so nothing is sent: messages wait here. Open one to hand it over yourself."))
    : h("p", null, _("What Tessera sent by e-mail, what it could not send, and what waits to be sent."));
  showScreen(
    _("E-mail outbox"),
    explanation,
    h("p", { class: "meta" }, _("Each time you open this list or a message, the audit log keeps it.")),
    field(_("Show"), filter),
    answer.ok ? null : problem(answer),
    answer.ok && !answer.data.items.length ? emptyText(_("No e-mails here.")) : null,
    list,
    more,
  );
}

const BODY_NOTES = {
  erased: () => _("The recipient was erased: the message is kept for the count, without their address or its text."),
  forgotten: () => _("This message held a private link. Tessera forgot its text once it was sent or given up."),
  withheld: () => _("This message holds a private link that is its recipient's alone: nobody else may read it, admins included."),
};

async function detailScreen(ctx) {
  const answer = await api("GET", `/api/v1/mail/outbox/${ctx.params.id}`);
  if (!ctx.isCurrent()) return;
  const back = backLink("#/mail", _("All e-mails"));
  if (!answer.ok) return showScreen(_("E-mail"), back, problem(answer));
  const message = answer.data;
  const feedback = h("div", { "aria-live": "polite" });
  const body = message.body === "shown"
    ? h("pre", { class: "mail-text", dir: "auto", lang: message.language, tabindex: "0", "aria-label": _("Text of the e-mail") }, message.text)
    : h("p", { class: "notice", "data-body": message.body }, BODY_NOTES[message.body]?.() || "");
  const copy = message.body === "shown" && navigator.clipboard
    ? h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          await navigator.clipboard.writeText(`${message.subject}\n\n${message.text}`);
          announce(_("The e-mail is copied."));
        } catch {
          announce(_("Copying is not possible here; select the text and copy it."));
        }
      } }, _("Copy the e-mail"))
    : null;
  const retry = message.status === "failed" && message.body === "shown"
    ? h("button", { type: "button", onclick: async (event) => {
        const result = await api("POST", `/api/v1/mail/outbox/${message.id}/retry`);
        if (!result.ok) return feedback.replaceChildren(problem(result));
        event.currentTarget?.remove?.();
        announce(_("The e-mail will be sent again."));
        ctx.refresh();
      } }, _("Send again"))
    : null;
  showScreen(
    message.subject || _("(no subject)"),
    back,
    h(
      "dl",
      { class: "details" },
      h("dt", null, _("To")),
      h("dd", { dir: "auto" }, recipient(message)),
      h("dt", null, _("Status")),
      h("dd", null, statusBadge(MAIL_STATUSES, message.status)),
      h("dt", null, _("When")),
      h("dd", null, facts(message)),
      message.last_error ? [h("dt", null, _("Last error")), h("dd", { dir: "ltr" }, message.last_error)] : null,
      message.attachments.length ? [h("dt", null, _("Attachments")), h("dd", null, message.attachments.map((item) => item.filename).join(", "))] : null,
    ),
    body,
    h("div", { class: "actions" }, copy, retry),
    feedback,
  );
}

export async function render(ctx) {
  return ctx.params.id ? detailScreen(ctx) : listScreen(ctx);
}

// Settings: the language switch (the app re-renders at once, right to left for Arabic and
// Persian), the name shown to others, the password, which events reach the person and how, the
// members they blocked in the forum, and the person's rights over their data: download it,
// withdraw (or give again) their consent, and erase the account.

import { api } from "../api.js";
import { announce, field, h, link, showScreen } from "../dom.js";
import { _, N_, formatDate } from "../i18n.js";
import { confirmAction, languageField, problem, problemText } from "./common.js";

// In the order shown; an event the server does not offer this person is left out.
const EVENT_LABELS = {
  topic_reply: N_("Someone replies in my topic"),
  post_reaction: N_("Someone reacts to my post"),
  post_approved: N_("My post is approved"),
  post_hidden: N_("My post is hidden"),
  note_reviewed: N_("My note is reviewed"),
  urgent_report: N_("Urgent report (youth workers)"),
  brief_quote_removed: N_("A quote leaves my policy brief"),
  brief_review_requested: N_("A policy brief waits for my review"),
};

function notificationsForm(ctx, result) {
  const section = h("section", { "aria-labelledby": "notification-choices-title" }, h("h2", { id: "notification-choices-title" }, _("Notifications")));
  if (!result.ok) {
    section.append(problem(result));
    return section;
  }
  // The server offers each person only the events their role can receive.
  const events = (result.data.events || []).filter((item) => item.event in EVENT_LABELS);
  const order = Object.keys(EVENT_LABELS);
  events.sort((a, b) => order.indexOf(a.event) - order.indexOf(b.event));
  const boxes = events.map((item) => ({
    event: item.event,
    inApp: h("input", { type: "checkbox", id: `notify-${item.event}-in-app`, checked: item.in_app }),
    push: h("input", { type: "checkbox", id: `notify-${item.event}-push`, checked: item.push }),
  }));
  const choice = (box, text) => h("div", { class: "choice" }, box, h("label", { for: box.id }, text));
  const feedback = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    h("p", { class: "hint" }, _("“On this phone” needs notifications turned on for this phone on the Notifications screen."), " ", link("#/notifications", _("Notifications"))),
    boxes.map((box) => h("fieldset", null, h("legend", null, _(EVENT_LABELS[box.event])), choice(box.inApp, _("In the app")), choice(box.push, _("On this phone")))),
    feedback,
    h("button", { type: "submit", class: "secondary" }, _("Save notification choices")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const events = boxes.map((box) => ({ event: box.event, in_app: box.inApp.checked, push: box.push.checked }));
    const saved = await api("PUT", "/api/v1/me/notification-settings", { events });
    if (!saved.ok) return feedback.replaceChildren(problem(saved));
    feedback.replaceChildren();
    announce(_("Your notification choices are saved."));
  });
  section.append(form);
  return section;
}

function blockedMembers(result) {
  const heading = h("h2", { id: "blocked-title", tabindex: "-1" }, _("Blocked members"));
  const section = h("section", { "aria-labelledby": "blocked-title" }, heading);
  if (!result.ok) {
    section.append(problem(result));
    return section;
  }
  const empty = h("p", { class: "meta" }, _("You have not blocked anyone."));
  const items = result.data.items || [];
  const list = h("ul", { class: "list" }, items.map((member) => {
    const nameId = `blocked-${member.user_id}`;
    const name = member.display_name || _("former member");
    const item = h(
      "li",
      { class: "card row", "data-blocked": member.user_id },
      h("span", { class: "grow" }, h("span", { class: "title", id: nameId }, name), h("span", { class: "meta" }, _("Blocked on {date}", { date: formatDate(member.blocked_at) }))),
      h("button", { type: "button", class: "secondary", "aria-describedby": nameId, onclick: async () => {
        const answer = await api("DELETE", `/api/v1/forum/blocks/${member.user_id}`);
        if (!answer.ok) return announce(problemText(answer));
        item.remove();
        announce(_("{name} is unblocked. You will see their posts again.", { name }));
        // Focus stays here: on the next "Unblock", or on the heading once nobody is left.
        const next = list.querySelector("button");
        if (next) return next.focus();
        list.replaceWith(empty);
        heading.focus();
      } }, _("Unblock")),
    );
    return item;
  }));
  section.append(h("p", null, _("You do not see the posts of members you blocked, and their replies do not reach you.")), items.length ? list : empty);
  return section;
}

// Fields the server names in its answer get their message beside them; the rest above the button.
function showProblem(feedback, result) {
  feedback.replaceChildren(problem(result));
}

function passwordInput(name, autocomplete) {
  return h("input", { type: "password", name, autocomplete, required: true, maxlength: "128" });
}

function passwordForm() {
  const current = passwordInput("current_password", "current-password");
  const fresh = passwordInput("new_password", "new-password");
  const feedback = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "password-title" },
    field(_("Current password"), current),
    field(_("New password"), fresh, _("At least 8 characters. A sentence in your own language is a good password.")),
    feedback,
    h("button", { type: "submit", class: "secondary" }, _("Change password")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("POST", "/api/v1/me/password", { current_password: current.value, new_password: fresh.value });
    current.value = "";
    if (!result.ok) return showProblem(feedback, result);
    fresh.value = "";
    feedback.replaceChildren();
    announce(_("Your password is changed. You stay signed in here; everywhere else you are signed out."));
  });
  return h("section", { "aria-labelledby": "password-title" }, h("h2", { id: "password-title" }, _("Password")), form);
}

// Staff and stakeholders may keep an e-mail address, to get a reset code by e-mail. A new address
// stays pending until the code e-mailed to it is entered here.
function emailSection(ctx, me) {
  const heading = h("h2", { id: "email-title", tabindex: "-1" }, _("E-mail address"));
  const section = h("section", { "aria-labelledby": "email-title", "data-email-section": "" }, heading);
  if (!me.ok) {
    section.append(problem(me));
    return section;
  }
  const { email: confirmed, pending_email: pending } = me.data;
  const after = (message) => {
    announce(message);
    ctx.refresh();
  };
  section.append(
    h("p", null, _("With a confirmed address, you can get a code by e-mail when you forget your password.")),
    h("p", { "data-email": confirmed || "" }, confirmed ? _("Confirmed address: {email}", { email: confirmed }) : _("No confirmed address yet.")),
  );
  if (pending) {
    // The link in the confirmation e-mail carries the code (in the fragment, never sent to a server).
    const code = h("input", { type: "text", name: "email_code", autocomplete: "one-time-code", required: true, maxlength: "64", autocapitalize: "characters", spellcheck: "false", value: ctx.query.get("email_code") || "" });
    const feedback = h("div", { "aria-live": "polite" });
    const confirmForm = h(
      "form",
      { novalidate: true, "aria-label": _("Confirm the address") },
      h("p", { "data-pending-email": pending }, _("Waiting for confirmation: {email}", { email: pending })),
      field(_("Confirmation code"), code, _("We e-mailed it to this address. It is valid for 60 minutes.")),
      feedback,
      h("button", { type: "submit", class: "primary" }, _("Confirm the address")),
    );
    confirmForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await api("POST", "/api/v1/me/email-confirmation", { code: code.value.trim() });
      if (!result.ok) return showProblem(feedback, result);
      after(_("Your e-mail address is confirmed."));
    });
    section.append(confirmForm);
  }
  const address = h("input", { type: "email", name: "email", autocomplete: "email", maxlength: "320", autocapitalize: "none", spellcheck: "false", inputmode: "email" });
  // Asked with a new address: a session left open must not be enough to take the account over.
  const password = passwordInput("email_current_password", "current-password");
  const feedback = h("div", { "aria-live": "polite" });
  const setForm = h(
    "form",
    { novalidate: true, "aria-label": confirmed || pending ? _("Change the address") : _("Add an address") },
    field(confirmed || pending ? _("New e-mail address") : _("Your e-mail address"), address, _("We send a code to it. Your address stays pending until you enter the code here.")),
    field(_("Current password"), password),
    feedback,
    h("button", { type: "submit", class: "secondary" }, _("Send the code")),
  );
  setForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!address.value.trim()) return feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write your e-mail address.")));
    const result = await api("PATCH", "/api/v1/me", { email: address.value.trim(), current_password: password.value });
    if (!result.ok) return showProblem(feedback, result);
    after(_("We sent a code to {email}. Enter it here to confirm the address.", { email: result.data.pending_email || address.value.trim() }));
  });
  section.append(setForm);
  if (confirmed || pending) {
    const remove = h("button", { type: "button", class: "danger" }, _("Remove my e-mail address"));
    const removeFeedback = h("div", { "aria-live": "polite" });
    remove.addEventListener("click", async () => {
      const sure = await confirmAction(_("Remove your e-mail address?"), _("You can then get a reset code only from a youth worker or an admin, in person."), _("Yes, remove"));
      if (!sure) return;
      const result = await api("PATCH", "/api/v1/me", { email: null });
      if (!result.ok) return showProblem(removeFeedback, result);
      after(_("Your e-mail address is removed."));
    });
    section.append(removeFeedback, h("div", { class: "actions" }, remove));
  }
  return section;
}

// Consent: withdrawing stops researchers from seeing the person's notes and stops new notes,
// until they consent again; it is not erasure.
function consentSection(ctx, history) {
  const section = h("section", { "aria-labelledby": "consent-title" }, h("h2", { id: "consent-title", tabindex: "-1" }, _("Your consent")));
  if (!history.ok) {
    section.append(problem(history));
    return section;
  }
  const { has_consent: given, current_version: version, items } = history.data;
  const feedback = h("div", { "aria-live": "polite" });
  const guardian = h("input", { type: "text", name: "guardian_name", maxlength: "100", autocomplete: "off" });
  const guardianField = field(_("Name of your parent or guardian"), guardian);
  guardianField.hidden = true;
  const change = h("button", { type: "button", class: given ? "secondary" : "primary" }, given ? _("Withdraw my consent") : items.length ? _("Give my consent again") : _("Give my consent"));
  change.addEventListener("click", async () => {
    const body = { version, accepted: !given };
    if (!given && guardian.value.trim()) body.guardian_name = guardian.value.trim();
    const result = await api("POST", "/api/v1/me/consent", body);
    if (!result.ok) {
      if (result.data?.errors?.some((error) => error.field === "guardian_name")) guardianField.hidden = false;
      return showProblem(feedback, result);
    }
    announce(given ? _("Your consent is withdrawn.") : _("Thank you. Your consent is given again."));
    ctx.refresh();
  });
  section.append(
    h(
      "p",
      { "data-consent": given ? "given" : items.length ? "withdrawn" : "none" },
      given ? _("You have given your consent to take part in the research.") : items.length ? _("You have withdrawn your consent.") : _("You have not given your consent to take part in the research."),
    ),
    h(
      "p",
      null,
      given
        ? _("If you withdraw it, researchers and youth workers stop seeing your notes, and you cannot send new ones. Your account, your notes and the forum stay yours. You can give your consent again at any time.")
        : _("Researchers and youth workers do not see your notes, and you cannot send new ones until you give your consent."),
    ),
    guardianField,
    feedback,
    h("div", { class: "actions" }, change),
  );
  return section;
}

// Erasure asks for the password (a phone left signed in is not enough) and, for those who
// write notes, what becomes of notes already approved for research.
function erasureSection(ctx) {
  const password = passwordInput("password", "current-password");
  const feedback = h("div", { "aria-live": "polite" });
  const choices = [
    ["delete", _("Delete them too")],
    ["keep_pseudonymised", _("Keep them for the research, without my name")],
  ];
  const radios = choices.map(([value, text]) => {
    const radio = h("input", { type: "radio", name: "approved_notes", value, id: `approved-notes-${value}`, checked: value === "delete" });
    return h("div", { class: "choice" }, radio, h("label", { for: radio.id }, text));
  });
  const writesNotes = ctx.inGroup("authors");
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "erase-title" },
    h("p", null, _("Deleting your account cannot be undone. Your name, your profile, your forum posts and everything on this phone are deleted, and you are signed out everywhere.")),
    writesNotes ? h("p", null, _("Your notes are deleted too. Notes already approved for research may be part of the researchers' work: you choose what happens to them.")) : null,
    writesNotes ? h("fieldset", null, h("legend", null, _("Notes already approved for research")), radios) : null,
    field(_("Your password, to confirm"), password),
    feedback,
    h("button", { type: "submit", class: "danger" }, _("Delete my account")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { password: password.value };
    if (writesNotes) body.approved_notes = form.querySelector("input[name=approved_notes]:checked").value;
    const result = await api("DELETE", "/api/v1/me", body);
    password.value = "";
    if (!result.ok) return showProblem(feedback, result);
    await ctx.accountErased();
  });
  return h("section", { "aria-labelledby": "erase-title" }, h("h2", { id: "erase-title" }, _("Delete my account")), form);
}

export async function render(ctx) {
  const { user } = ctx;
  const keepsEmail = ctx.inGroup("email_keepers");
  const [choices, blocks, consent, me] = await Promise.all([
    api("GET", "/api/v1/me/notification-settings"),
    api("GET", "/api/v1/forum/blocks"),
    ctx.inGroup("authors") ? api("GET", "/api/v1/me/consent") : null,
    keepsEmail ? api("GET", "/api/v1/me") : null,
  ]);
  if (!ctx.isCurrent()) return;
  const displayName = h("input", { type: "text", name: "display_name", maxlength: "64", value: user.display_name, autocomplete: "nickname" });
  const feedback = h("div", { "aria-live": "polite" });
  const nameForm = h(
    "form",
    { novalidate: true },
    field(_("Name shown to others"), displayName),
    h("button", { type: "submit", class: "secondary" }, _("Save name")),
    feedback,
  );
  nameForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("PATCH", "/api/v1/me", { display_name: displayName.value.trim() });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    ctx.setUser({ ...ctx.user, ...result.data });
    feedback.replaceChildren();
    announce(_("Your name is saved."));
  });

  const download = h("button", { type: "button", class: "secondary" }, _("Download my data"));
  download.addEventListener("click", async () => {
    const result = await api("GET", "/api/v1/me/data");
    if (!result.ok) return announce(problem(result).textContent);
    const blob = new Blob([JSON.stringify(result.data, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    h("a", { href: url, download: "tessera-my-data.json" }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });

  showScreen(
    _("Settings"),
    languageField(async (code) => {
      // The saved language follows the person to other devices and to messages from the server.
      const result = await api("PATCH", "/api/v1/me", { language: code });
      if (result.ok) ctx.setUser({ ...ctx.user, ...result.data });
      announce(_("The language is changed."));
    }),
    nameForm,
    passwordForm(),
    keepsEmail ? emailSection(ctx, me) : null,
    notificationsForm(ctx, choices),
    blockedMembers(blocks),
    h("h2", null, _("Your data")),
    h("p", null, _("You can download everything Tessera keeps about you.")),
    h("div", { class: "actions" }, download),
    h("h2", null, _("This phone")),
    h("p", null, _("Notes are kept on this phone, encrypted, until they are sent, and for a week after. Signing out deletes everything Tessera keeps on this phone.")),
    // Consent is to take part in the research with one's notes.
    ctx.inGroup("authors") ? consentSection(ctx, consent) : null,
    erasureSection(ctx),
  );
}

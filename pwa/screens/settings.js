// Settings: the language switch (the app re-renders at once, right to left for Arabic and
// Persian), the name shown to others, which events reach the person and how, the members they
// blocked in the forum, and the person's rights over their data.

import { api } from "../api.js";
import { announce, field, h, link, showScreen } from "../dom.js";
import { _, N_, formatDate } from "../i18n.js";
import { languageField, problem, problemText } from "./common.js";

// In the order shown; an event the server does not offer this person is left out.
const EVENT_LABELS = {
  topic_reply: N_("Someone replies in my topic"),
  post_approved: N_("My post is approved"),
  post_hidden: N_("My post is hidden"),
  note_reviewed: N_("My note is reviewed"),
  urgent_report: N_("Urgent report (youth workers)"),
};
const URGENT_REPORT_ROLES = ["youth_worker", "admin"];

function notificationsForm(ctx, result) {
  const section = h("section", { "aria-labelledby": "notification-choices-title" }, h("h2", { id: "notification-choices-title" }, _("Notifications")));
  if (!result.ok) {
    section.append(problem(result));
    return section;
  }
  const events = (result.data.events || []).filter(
    (item) => item.event in EVENT_LABELS && (item.event !== "urgent_report" || URGENT_REPORT_ROLES.includes(ctx.user.role)),
  );
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

export async function render(ctx) {
  const { user } = ctx;
  const [choices, blocks] = await Promise.all([api("GET", "/api/v1/me/notification-settings"), api("GET", "/api/v1/forum/blocks")]);
  if (!ctx.isCurrent()) return;
  const displayName = h("input", { name: "display_name", maxlength: "64", value: user.display_name, autocomplete: "nickname" });
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
    notificationsForm(ctx, choices),
    blockedMembers(blocks),
    h("h2", null, _("Your data")),
    h("p", null, _("You can download everything Tessera keeps about you. To withdraw your consent or delete your account, talk to your youth worker or write to the research team.")),
    h("div", { class: "actions" }, download),
    h("h2", null, _("This phone")),
    h("p", null, _("Notes are kept on this phone, encrypted, until they are sent, and for a week after. Signing out deletes everything Tessera keeps on this phone.")),
  );
}

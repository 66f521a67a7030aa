// Invites (youth workers, researchers, admins): a link that lets people of their platform join,
// shown once; and, for youth workers and admins, a one-time reset code for someone who forgot
// their password, handed over in person. An invite may also be e-mailed, in the language chosen.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, availableLocales, formatDate, locale } from "../i18n.js";
import { confirmAction, emptyText, loadMoreButton, problem } from "./common.js";
import { ROLE_LABELS } from "./labels.js";

// Whom each role may invite (the server decides; this only offers what it would accept).
const INVITABLE = { youth_worker: ["youth", "stakeholder"], researcher: ["stakeholder"] };

export async function render(ctx) {
  const platforms = ctx.user.platforms.length ? ctx.user.platforms : ["NET"];
  const platform = h("select", { name: "platform" }, platforms.map((code) => new Option(code, code)));
  const roles = INVITABLE[ctx.user.role] || ctx.vocabularies?.roles || ["youth"];
  const role = h("select", { name: "role" }, roles.map((code) => new Option(_(ROLE_LABELS[code] || code), code)));
  const uses = h("input", { type: "number", name: "max_uses", min: "1", max: "500", value: "1", inputmode: "numeric" });
  const days = h("input", { type: "number", name: "expires_in_days", min: "1", max: "90", value: "14", inputmode: "numeric" });
  const email = h("input", { type: "email", name: "email", autocomplete: "off", maxlength: "320", autocapitalize: "none", spellcheck: "false", inputmode: "email" });
  const locales = availableLocales().length ? availableLocales() : [{ code: locale(), name: locale() }];
  const language = h("select", { name: "invite_language" }, locales.map((item) => new Option(item.name, item.code, false, item.code === locale())));
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    field(_("Platform"), platform),
    field(_("Who joins with it"), role),
    field(_("How many people may join with it"), uses),
    field(_("Valid for how many days"), days),
    field(_("Their e-mail address (optional)"), email, _("We e-mail them the link too. The address is not kept.")),
    field(_("Language of the e-mail"), language),
    h("button", { type: "submit" }, _("Create invite")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { platform: platform.value, role: role.value, max_uses: Number(uses.value) || 1, expires_in_days: Number(days.value) || 14 };
    const address = email.value.trim();
    if (address) Object.assign(body, { email: address, language: language.value });
    const answer = await api("POST", "/api/v1/invites", body);
    if (!answer.ok) return result.replaceChildren(problem(answer));
    email.value = "";
    const invite = answer.data;
    const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await navigator.clipboard.writeText(invite.url);
        announce(_("The link is copied."));
      } catch {
        announce(_("Copying is not possible here; select the link and copy it."));
      }
    } }, _("Copy link"));
    const share = navigator.share ? h("button", { type: "button", class: "secondary", onclick: () => navigator.share({ title: "Tessera", url: invite.url }).catch(() => {}) }, _("Share link")) : null;
    result.replaceChildren(
      h("section", { class: "card", "aria-labelledby": "invite-title" },
        h("h2", { id: "invite-title" }, _("Invite created")),
        h("p", null, _("Code: {code}", { code: invite.code })),
        h("p", { class: "token" }, h("a", { href: invite.url, "data-invite-url": "" }, invite.url)),
        h("p", { class: "meta" }, _("Valid until {date}. This is shown only once.", { date: formatDate(invite.expires_at) })),
        address ? h("p", { "data-invite-emailed": "" }, _("The invite was also sent by e-mail to {email}.", { email: address })) : null,
        h("div", { class: "actions" }, copy, share)),
    );
    announce(_("Invite created"));
    invites.replaceWith((invites = await inviteListSection(ctx)));
  });
  let invites = await inviteListSection(ctx);
  if (!ctx.isCurrent()) return;
  showScreen(_("Invite people"), h("p", null, _("Give the link in person or through a channel you trust. Whoever has it can join until it runs out.")), form, invites, ctx.inGroup("moderators") ? resetCodeSection() : null);
}

// Whether an invite still lets people join, as its list shows it.
function inviteState(invite) {
  if (invite.uses >= invite.max_uses) return _("Used up");
  if (new Date(invite.expires_at) <= new Date()) return _("Expired");
  return _("Open");
}

function inviteItem(invite) {
  const item = h(
    "li",
    { class: "card", "data-invite": invite.id },
    h("p", { class: "title" }, _(ROLE_LABELS[invite.role] || invite.role), " · ", invite.platform),
    h("p", { class: "meta" }, inviteState(invite), " · ", _("{uses} of {max} used", { uses: invite.uses, max: invite.max_uses })),
    h("p", { class: "meta" }, _("Valid until {date}", { date: formatDate(invite.expires_at) }), invite.mine ? ` · ${_("made by you")}` : ""),
  );
  const revoke = h("button", { type: "button", class: "secondary", onclick: async () => {
    const sure = await confirmAction(_("Revoke this invite?"), _("Its link stops working at once. People who joined with it stay."), _("Yes, revoke"));
    if (!sure) return;
    const result = await api("DELETE", `/api/v1/invites/${invite.id}`);
    if (!result.ok && result.status !== 404) return item.append(problem(result));
    item.remove();
    announce(_("The invite is revoked."));
  } }, _("Revoke"));
  item.append(h("div", { class: "actions" }, revoke));
  return item;
}

// The invites the person may revoke: their platforms' invites for the roles they invite (admins: all).
async function inviteListSection() {
  const path = (cursor) => `/api/v1/invites?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  const answer = await api("GET", path());
  const list = h("ul", { class: "list", "aria-labelledby": "invites-title" }, answer.ok ? answer.data.items.map(inviteItem) : []);
  const more = answer.ok
    ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", path(cursor));
        return { result, nodes: result.ok ? result.data.items.map(inviteItem) : [], next: result.ok ? result.data.next_cursor : null };
      }, "invites-title")
    : null;
  return h(
    "section",
    { "aria-labelledby": "invites-title" },
    h("h2", { id: "invites-title" }, _("Invites")),
    answer.ok ? null : problem(answer),
    answer.ok && !answer.data.items.length ? emptyText(_("No invites yet.")) : null,
    list,
    more,
  );
}

function resetCodeSection() {
  const username = h("input", { type: "text", name: "reset_username", maxlength: "64", required: true, autocomplete: "off", autocapitalize: "none", spellcheck: "false" });
  const shown = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "reset-title" },
    h("p", null, _("Someone forgot their password? With them beside you, make a code they use to choose a new one. It works once, for 30 minutes.")),
    field(_("Their username"), username),
    h("button", { type: "submit", class: "secondary" }, _("Make a reset code")),
    shown,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await api("POST", "/api/v1/password-reset-codes", { username: username.value.trim() });
    if (!answer.ok) {
      const text = answer.status === 404 ? _("There is nobody with this username whose password you may reset.") : null;
      return shown.replaceChildren(text ? h("p", { class: "error", role: "alert" }, text) : problem(answer));
    }
    username.value = "";
    shown.replaceChildren(
      h(
        "div",
        { class: "card", "data-reset-code": "" },
        h("p", null, _("Reset code for {username}:", { username: answer.data.username })),
        h("p", { class: "token" }, answer.data.code),
        h("p", { class: "meta" }, _("Valid until {date}. This is shown only once: give it in person, never in a group chat.", { date: formatDate(answer.data.expires_at) })),
        h("p", { class: "meta" }, _("They open Tessera, choose “Forgot your password?” and write their username, this code and a new password.")),
      ),
    );
    announce(_("Reset code made"));
  });
  return h("section", { "aria-labelledby": "reset-title" }, h("h2", { id: "reset-title" }, _("Reset a password")), form);
}

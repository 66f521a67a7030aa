// Invites (youth workers): a link that lets young people of their platform join, shown once.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, formatDate } from "../i18n.js";
import { problem } from "./common.js";

export async function render(ctx) {
  const platforms = ctx.user.platforms.length ? ctx.user.platforms : ["NET"];
  const platform = h("select", { name: "platform" }, platforms.map((code) => new Option(code, code)));
  const uses = h("input", { type: "number", name: "max_uses", min: "1", max: "500", value: "1", inputmode: "numeric" });
  const days = h("input", { type: "number", name: "expires_in_days", min: "1", max: "90", value: "14", inputmode: "numeric" });
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    field(_("Platform"), platform),
    field(_("How many people may join with it"), uses),
    field(_("Valid for how many days"), days),
    h("button", { type: "submit" }, _("Create invite")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await api("POST", "/api/v1/invites", { platform: platform.value, role: "youth", max_uses: Number(uses.value) || 1, expires_in_days: Number(days.value) || 14 });
    if (!answer.ok) return result.replaceChildren(problem(answer));
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
        h("div", { class: "actions" }, copy, share)),
    );
    announce(_("Invite created"));
  });
  showScreen(_("Invite people"), h("p", null, _("Give the link in person or through a channel you trust. Whoever has it can join until it runs out.")), form);
}

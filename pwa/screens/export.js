// Export (researchers): download the approved notes of their platforms for analysis, and make
// the personal API token that scripts in R or Python use for the same download.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, formatDate } from "../i18n.js";
import { problem } from "./common.js";

const FORMATS = [["csv", "CSV"], ["xlsx", "Excel (XLSX)"], ["ndjson", "NDJSON"], ["qdpx", "REFI-QDA (NVivo, ATLAS.ti, MAXQDA)"]];

export async function render(ctx) {
  const format = h("select", { name: "format" }, FORMATS.map(([code, label]) => new Option(label, code)));
  const status = h("select", { name: "status" }, [new Option(_("Approved notes"), "approved"), new Option(_("All submitted notes"), "any")]);
  const platforms = ["", ...ctx.user.platforms];
  const platform = h("select", { name: "platform" }, platforms.map((code) => new Option(code || _("All my platforms"), code)));
  const download = h("a", { class: "button", download: "" }, _("Download"));
  const updateLink = () => {
    const query = new URLSearchParams({ format: format.value, status: status.value });
    if (platform.value) query.set("platform", platform.value);
    download.href = `/api/v1/exports/notes?${query}`;
  };
  for (const control of [format, status, platform]) control.addEventListener("change", updateLink);
  updateLink();

  const tokens = await api("GET", "/api/v1/tokens");
  if (!ctx.isCurrent()) return;
  const tokenName = h("input", { type: "text", name: "name", maxlength: "64", required: true, autocomplete: "off" });
  const shown = h("div", { "aria-live": "polite" });
  const tokenForm = h("form", { novalidate: true }, field(_("Name of the token (for example, the computer it is for)"), tokenName), h("button", { type: "submit", class: "secondary" }, _("Create token")), shown);
  tokenForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const created = await api("POST", "/api/v1/tokens", { name: tokenName.value.trim() || "token" });
    if (!created.ok) return shown.replaceChildren(problem(created));
    shown.replaceChildren(h("p", null, _("Copy it now: it is shown only once.")), h("p", { class: "token" }, created.data.token));
    announce(_("Token created"));
  });
  const revoke = async (id) => {
    const answer = await api("DELETE", `/api/v1/tokens/${id}`);
    announce(answer.ok ? _("Token revoked") : problem(answer).textContent);
    ctx.refresh();
  };
  const items = tokens.ok ? tokens.data.items.filter((token) => !token.revoked_at) : [];
  showScreen(
    _("Export notes"),
    h("form", { novalidate: true, class: "card" }, field(_("Format"), format), field(_("Which notes"), status), field(_("Platform"), platform), download),
    h("p", { class: "meta" }, _("Authors appear by a pseudonym, marked personal information is redacted, and every download is recorded.")),
    h("h2", null, _("Personal API tokens")),
    tokens.ok ? null : problem(tokens),
    h("ul", { class: "list" }, items.map((token) => h("li", { class: "card row" }, h("span", { class: "grow" }, h("span", { class: "title" }, token.name), h("span", { class: "meta" }, _("Valid until {date}", { date: formatDate(token.expires_at) }))), h("button", { type: "button", class: "secondary", onclick: () => revoke(token.id) }, _("Revoke"))))),
    tokenForm,
  );
}

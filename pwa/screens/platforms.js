// Platforms (admins): the country platforms and the network-wide space, each with the languages
// it works in and the age below which a guardian consents for a young person (GDPR Art. 8).
// A platform's name is its country's, in the reader's language: it is not edited here.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, availableLocales, formatNumber, languageName } from "../i18n.js";
import { changedFields, markInvalid, onlineOnlyNotice, problem } from "./common.js";

// GDPR Art. 8(1): member states set the age between 13 and 16.
const CONSENT_AGES = [13, 14, 15, 16];

export async function render(ctx) {
  const answer = await api("GET", "/api/v1/platforms");
  if (!ctx.isCurrent()) return;
  if (!answer.ok) return showScreen(_("Platforms"), problem(answer));
  showScreen(
    _("Platforms"),
    h("p", { class: "meta" }, _("The languages each platform works in, and the age below which a parent or guardian consents for a young person.")),
    h("ul", { class: "list" }, answer.data.items.map((platform) => platformItem(ctx, platform))),
  );
}


function platformItem(ctx, platform) {
  const feedback = h("div", { "aria-live": "polite" });
  const boxes = availableLocales().map((item) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "languages", value: item.code, checked: platform.languages.includes(item.code) }), h("span", { lang: item.code }, item.name)),
  );
  const age = h("select", { name: "digital_consent_age" }, CONSENT_AGES.map((years) => new Option(formatNumber(years), String(years), false, years === platform.digital_consent_age)));
  const formId = `platform-${platform.code}`;
  const form = h(
    "form",
    { novalidate: true, id: formId, hidden: true },
    onlineOnlyNotice(),
    h("fieldset", null, h("legend", null, _("Languages")), boxes),
    field(_("Age of digital consent"), age, _("Below this age a parent or guardian consents for the young person (GDPR Article 8: each country sets 13 to 16).")),
    h("button", { type: "submit" }, _("Save changes")),
    feedback,
  );
  const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": formId }, _("Change {name}", { name: platform.name }));
  toggle.addEventListener("click", () => {
    form.hidden = !form.hidden;
    toggle.setAttribute("aria-expanded", String(!form.hidden));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const checked = boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    // The platform's own order first (its first language leads), then those added.
    const languages = [...platform.languages.filter((code) => checked.includes(code)), ...checked.filter((code) => !platform.languages.includes(code))];
    if (!languages.length) return feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Choose at least one language.")));
    const changes = changedFields(platform, { languages, digital_consent_age: Number(age.value) });
    if (!Object.keys(changes).length) return feedback.replaceChildren(h("p", { role: "status" }, _("Nothing has changed.")));
    const answer = await api("PATCH", `/api/v1/platforms/${encodeURIComponent(platform.code)}`, changes);
    markInvalid(form, answer);
    if (!answer.ok) return feedback.replaceChildren(problem(answer));
    announce(_("{name} is saved.", { name: platform.name }));
    ctx.refresh();
  });
  return h(
    "li",
    { class: "card", "data-platform": platform.code },
    h("p", { class: "title" }, platform.name, " ", h("span", { class: "meta" }, `(${platform.code})`)),
    h("p", { class: "meta", "data-languages": "" }, _("Languages: {names}", { names: platform.languages.map(languageName).join(", ") })),
    h("p", { class: "meta", "data-consent-age": "" }, _("Age of digital consent: {age}", { age: formatNumber(platform.digital_consent_age) })),
    toggle,
    form,
  );
}

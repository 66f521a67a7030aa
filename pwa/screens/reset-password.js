// Forgot the password: with the one-time code a youth worker handed over in person, the person
// chooses a new one (many young people have no e-mail to reset it with).

import { api } from "../api.js";
import { field, h, showScreen } from "../dom.js";
import { _ } from "../i18n.js";
import { languageField, problem } from "./common.js";

// Kept across the re-render that a language switch causes (never stored; never the password).
const draft = { username: "", code: "" };

export async function render(ctx) {
  // The link in a reset e-mail carries the username and the code (in the fragment, never sent to a server).
  if (ctx.query.has("code")) Object.assign(draft, { username: ctx.query.get("username") || draft.username, code: ctx.query.get("code") || "" });
  const username = h("input", { type: "text", name: "username", autocomplete: "username", required: true, maxlength: "64", autocapitalize: "none", spellcheck: "false", value: draft.username });
  const code = h("input", { type: "text", name: "code", autocomplete: "one-time-code", required: true, maxlength: "64", autocapitalize: "characters", spellcheck: "false", value: draft.code });
  username.addEventListener("input", () => {
    draft.username = username.value;
  });
  code.addEventListener("input", () => {
    draft.code = code.value;
  });
  const password = h("input", { type: "password", name: "new_password", autocomplete: "new-password", required: true, maxlength: "128" });
  const feedback = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, _("Choose the new password"));
  const form = h(
    "form",
    { novalidate: true },
    field(_("Username"), username),
    field(_("Reset code"), code, _("Your youth worker gives it to you in person. It works once, for 30 minutes.")),
    field(_("New password"), password, _("At least 8 characters. A sentence in your own language is a good password.")),
    feedback,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const result = await api("POST", "/api/v1/auth/password-reset", { username: username.value.trim(), code: code.value.trim(), new_password: password.value });
    submit.disabled = false;
    if (!result.ok) return feedback.replaceChildren(problem(result));
    password.value = "";
    Object.assign(draft, { username: "", code: "" });
    ctx.navigate("#/sign-in?reset=1");
  });
  showScreen(_("Forgot your password?"), languageField(), form, h("p", null, h("a", { href: "#/sign-in" }, _("Back to signing in"))));
}

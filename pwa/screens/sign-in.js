// Sign in: username, password and the language switch, for a phone that may be shared.

import { api, setCsrfToken } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _ } from "../i18n.js";
import { languageField, problem } from "./common.js";

// Kept across the re-render that a language switch causes (never stored).
const draft = { language: null, username: "" };

export async function render(ctx) {
  const username = h("input", { type: "text", name: "username", autocomplete: "username", required: true, maxlength: "64", autocapitalize: "none", spellcheck: "false", value: draft.username });
  username.addEventListener("input", () => {
    draft.username = username.value;
  });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: "1024" });
  const feedback = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, _("Sign in"));
  const form = h("form", { novalidate: true }, field(_("Username"), username), field(_("Password"), password), submit, feedback);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    feedback.replaceChildren();
    if (!username.value.trim() || !password.value) {
      feedback.append(h("p", { class: "error", role: "alert" }, _("Please write your username and password.")));
      return;
    }
    submit.disabled = true;
    const result = await api("POST", "/api/v1/auth/login", { username: username.value.trim(), password: password.value });
    password.value = "";
    submit.disabled = false;
    if (!result.ok) {
      feedback.append(problem(result));
      return;
    }
    let user = result.data.user;
    const chosenLanguage = draft.language;
    Object.assign(draft, { language: null, username: "" });
    if (chosenLanguage && chosenLanguage !== user.language) {
      // The language chosen here becomes the person's own, on every device.
      setCsrfToken(result.data.csrf_token);
      const saved = await api("PATCH", "/api/v1/me", { language: chosenLanguage });
      if (saved.ok) user = saved.data;
    }
    await ctx.signedIn(user, result.data.csrf_token);
    announce(_("Welcome, {name}", { name: result.data.user.display_name }));
    ctx.navigate("#/home");
  });

  const languages = languageField((code) => {
    draft.language = code;
  });
  showScreen(
    _("Sign in"),
    languages,
    form,
    h("p", null, h("a", { href: "#/reset-password", class: "block" }, _("Forgot your password? Get a code by e-mail"))),
    h("p", { class: "meta" }, _("New here? Your youth worker gives you an invite link to join.")),
  );
  if (ctx.query.get("signed-out")) announce(_("You are signed out. This phone no longer keeps your notes."));
  if (ctx.query.get("reset")) announce(_("Your password is changed. Sign in with the new one."));
  if (ctx.query.get("erased")) announce(_("Your account is deleted. Tessera keeps nothing about you on this phone."));
}

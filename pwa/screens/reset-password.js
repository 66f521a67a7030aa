// Forgot the password: with the one-time code a youth worker handed over in person, or (staff
// and stakeholders) one asked for here by e-mail, the person chooses a new one (many young
// people have no e-mail to reset it with).

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
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
    field(_("Reset code"), code, _("From your youth worker, in person, or from the e-mail we sent you. It works once, for 30 minutes.")),
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
  showScreen(
    _("Forgot your password?"),
    languageField(),
    h("p", null, _("Young people: ask your youth worker for a reset code. They give it to you in person.")),
    emailRequestSection(username),
    h("h2", { id: "reset-form-title", tabindex: "-1" }, _("Choose a new password")),
    form,
    h("p", null, h("a", { href: "#/sign-in" }, _("Back to signing in"))),
  );
}

// Staff and stakeholders with a confirmed address ask for the code by e-mail. The answer is the
// same whether or not an account has the address, so nobody is found out.
function emailRequestSection(username) {
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, maxlength: "320", autocapitalize: "none", spellcheck: "false", inputmode: "email" });
  const feedback = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "secondary" }, _("Send me a code"));
  const form = h("form", { novalidate: true, "aria-labelledby": "reset-email-title" }, field(_("E-mail address"), email), feedback, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!email.value.trim()) {
      return feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write your e-mail address.")));
    }
    submit.disabled = true;
    const result = await api("POST", "/api/v1/auth/password-reset-request", { email: email.value.trim() });
    submit.disabled = false;
    if (!result.ok) return feedback.replaceChildren(problem(result));
    email.value = "";
    const sent = _("If an account has this address, we sent it a code. It is valid for 30 minutes.");
    feedback.replaceChildren(h("p", { "data-reset-requested": "" }, sent));
    announce(sent);
    username.focus();
  });
  return h(
    "section",
    { "aria-labelledby": "reset-email-title" },
    h("h2", { id: "reset-email-title" }, _("Get a code by e-mail")),
    h("p", { class: "meta" }, _("For staff and stakeholders with a confirmed e-mail address in Tessera.")),
    form,
  );
}

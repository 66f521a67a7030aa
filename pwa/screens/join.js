// Join with an invite link (#/join?code=...): the consent text in the person's language, and the
// guardian's agreement for those below the platform's age of digital consent (GDPR Art. 8).

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, locale } from "../i18n.js";
import { languageField, problem } from "./common.js";

// The highest age of digital consent in the programme's countries: below it, the guardian step
// shows; the server, which knows the invite's platform, decides whether it is required.
const HIGHEST_CONSENT_AGE = 16;

// Kept across re-renders, so switching language mid-form loses nothing (never stored).
const draft = { code: "", username: "", display_name: "", password: "", birth_year: "", guardian_name: "", accepted: false };

function mayBeMinor(birthYear) {
  const year = Number(birthYear);
  return Boolean(year) && new Date().getFullYear() - year - 1 < HIGHEST_CONSENT_AGE;
}

function bound(name, attributes) {
  const input = h("input", { type: "text", name, value: draft[name], ...attributes });
  input.addEventListener("input", () => {
    draft[name] = input.value;
  });
  return input;
}

export async function render(ctx) {
  draft.code = ctx.params.code || ctx.query.get("code") || draft.code;
  if (ctx.params.code) {
    // The server's invite links read #/join/CODE; one address for the screen keeps tests and links simple.
    history.replaceState(null, "", `#/join?code=${encodeURIComponent(draft.code)}`);
  }
  const consent = await api("GET", "/api/v1/consent");
  if (!ctx.isCurrent()) return;

  const code = bound("code", { autocomplete: "off", required: true, maxlength: "64", autocapitalize: "characters" });
  const username = bound("username", { autocomplete: "username", required: true, maxlength: "32", autocapitalize: "none" });
  const displayName = bound("display_name", { autocomplete: "nickname", maxlength: "64" });
  const password = bound("password", { type: "password", autocomplete: "new-password", required: true, minlength: "8", maxlength: "128" });
  const birthYear = bound("birth_year", { type: "number", inputmode: "numeric", min: "1900", max: String(new Date().getFullYear()), required: true });
  const guardian = bound("guardian_name", { autocomplete: "off", maxlength: "100" });
  const accepted = h("input", { type: "checkbox", name: "accepted", id: "consent-accepted", checked: draft.accepted });
  accepted.addEventListener("change", () => {
    draft.accepted = accepted.checked;
  });

  const consentText = consent.ok ? consent.data : null;
  const guardianStep = h(
    "div",
    { class: "stack", hidden: !mayBeMinor(draft.birth_year) },
    h("p", { class: "hint" }, consentText?.guardian_note || ""),
    field(_("Name of your parent or guardian"), guardian),
  );
  birthYear.addEventListener("input", () => {
    guardianStep.hidden = !mayBeMinor(birthYear.value);
  });

  const feedback = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, _("Join Tessera"));
  const form = h(
    "form",
    { novalidate: true },
    field(_("Invite code"), code),
    field(_("Username"), username, _("3 to 32 letters or digits. Others see it in the forum; do not use your full name.")),
    field(_("Name shown to others (optional)"), displayName),
    field(_("Password"), password, _("At least 8 characters. A few words you remember work well.")),
    field(_("Year of birth"), birthYear),
    consentText
      ? h(
          "section",
          { class: "card", "aria-labelledby": "consent-title" },
          h("h2", { id: "consent-title" }, consentText.title),
          consentText.paragraphs.map((paragraph) => h("p", null, paragraph)),
          h("label", { class: "choice", for: "consent-accepted" }, accepted, h("span", null, _("I have read this and I agree to take part."))),
        )
      : problem(consent),
    guardianStep,
    submit,
    feedback,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    feedback.replaceChildren();
    if (!draft.accepted) {
      feedback.append(h("p", { class: "error", role: "alert" }, _("To join, please read the text about taking part and agree to it.")));
      return;
    }
    submit.disabled = true;
    const consentBody = { version: consentText?.version || "", accepted: true };
    if (mayBeMinor(draft.birth_year) && draft.guardian_name.trim()) consentBody.guardian_name = draft.guardian_name.trim();
    const body = {
      invite_code: draft.code.trim(),
      username: draft.username.trim(),
      password: draft.password,
      language: locale(),
      birth_year: Number(draft.birth_year) || 0,
      consent: consentBody,
    };
    if (draft.display_name.trim()) body.display_name = draft.display_name.trim();
    const result = await api("POST", "/api/v1/auth/register", body);
    if (!result.ok) {
      submit.disabled = false;
      if (result.data?.errors?.some((error) => error.field === "consent.guardian_name")) guardianStep.hidden = false;
      feedback.append(problem(result));
      return;
    }
    const login = await api("POST", "/api/v1/auth/login", { username: body.username, password: body.password });
    Object.assign(draft, { code: "", username: "", display_name: "", password: "", birth_year: "", guardian_name: "", accepted: false });
    if (!login.ok) return ctx.navigate("#/sign-in");
    await ctx.signedIn(login.data.user, login.data.csrf_token);
    announce(_("Welcome, {name}", { name: login.data.user.display_name }));
    ctx.navigate("#/home");
  });

  showScreen(_("Join Tessera"), languageField(), form);
}

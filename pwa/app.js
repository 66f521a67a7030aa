// The Tessera app shell: sign in, language switch (right to left for Arabic and Persian).
// The CSRF token lives in memory only: nothing secret goes to local storage.

const state = { locale: "en", messages: {}, csrfToken: null, user: null };

function _(text) {
  return state.messages[text] || text;
}

// Marks a text for `tessera i18n extract` without translating it yet.
function N_(text) {
  return text;
}

// The texts of the page's data-i18n elements, named here so that extraction finds them.
export const PAGE_TEXTS = [N_("Language"), N_("Username"), N_("Password"), N_("Sign in"), N_("Sign out")];

async function api(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": state.locale };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.csrfToken && method !== "GET") headers["X-CSRF-Token"] = state.csrfToken;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json();
  return { ok: response.ok, status: response.status, data };
}

async function useLocale(locale) {
  const catalogue = await api("GET", `/api/v1/i18n/${locale}`);
  if (!catalogue.ok) return;
  state.locale = locale;
  state.messages = catalogue.data.messages;
  document.documentElement.lang = locale;
  document.documentElement.dir = catalogue.data.direction;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = _(element.dataset.i18n);
  }
  render();
}

function announce(text) {
  document.getElementById("status").textContent = text;
}

function render() {
  document.getElementById("sign-in").hidden = Boolean(state.user);
  document.getElementById("home").hidden = !state.user;
  if (state.user) {
    document.getElementById("welcome").textContent = _("Welcome, {name}").replace("{name}", state.user.display_name);
  }
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const result = await api("POST", "/api/v1/auth/login", {
    username: form.username.value, password: form.password.value,
  });
  form.password.value = "";
  if (!result.ok) {
    announce(result.data.detail);
    return;
  }
  state.csrfToken = result.data.csrf_token;
  state.user = result.data.user;
  announce("");
  await useLocale(state.user.language);
}

async function signOut() {
  await api("POST", "/api/v1/auth/logout");
  state.csrfToken = null;
  state.user = null;
  render();
  announce(_("You are signed out."));
}

async function start() {
  const locales = await api("GET", "/api/v1/i18n");
  const select = document.getElementById("language");
  for (const item of locales.data.items) {
    select.append(new Option(item.name, item.code));
  }
  const preferred = (navigator.languages || ["en"]).map((tag) => tag.split("-")[0]);
  const initial = preferred.find((code) => locales.data.items.some((item) => item.code === code)) || "en";
  select.value = initial;
  select.addEventListener("change", () => useLocale(select.value));
  document.getElementById("sign-in-form").addEventListener("submit", signIn);
  document.getElementById("sign-out").addEventListener("click", signOut);
  await useLocale(initial);
}

start();

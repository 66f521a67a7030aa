// Every text a person reads comes from the server's gettext catalogues (GET /api/v1/i18n/{locale});
// the service worker keeps them, so the app speaks the person's language offline too.
// Strings are wrapped in _() / N_() / ngettext() so that `tessera i18n extract` finds them.

import { bootData } from "./dom.js";

const FALLBACK = "en";
const STORAGE_KEY = "tessera.locale"; // only the language code: nothing personal

const current = { locale: FALLBACK, direction: "ltr", messages: {}, plurals: {}, available: [] };
const listeners = new Set();

function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// Translates a message; {name} placeholders are filled from params (never concatenate sentences).
export function _(text, params) {
  return fill(current.messages[text] || text, params);
}

// Marks a message for extraction; translate it later with _(value).
export function N_(text) {
  return text;
}

// A message with plural forms; the catalogue gives them by CLDR category ("one", "few", ...).
export function ngettext(singular, plural, count, params) {
  const forms = current.plurals[singular];
  const category = formatter("plural", (code) => new Intl.PluralRules(code)).select(count);
  const text = forms ? forms[category] || forms.other : count === 1 ? singular : plural;
  return fill(text, { count: formatNumber(count), ...params });
}

// Making an Intl formatter costs far more than using one (about a millisecond on a cheap phone,
// so 500 dates in a list took half a second): one of each per language, made when first needed.
const formatters = new Map();

function formatter(kind, make) {
  const key = `${kind}:${current.locale}`;
  if (!formatters.has(key)) formatters.set(key, make(current.locale));
  return formatters.get(key);
}

export function formatNumber(value) {
  return formatter("number", (code) => new Intl.NumberFormat(code)).format(value);
}

export function formatDate(value) {
  if (!value) return "";
  return formatter("date", (code) => new Intl.DateTimeFormat(code, { dateStyle: "medium", timeStyle: "short" })).format(new Date(value));
}

// A calendar day ("2030-06-01", or the day of a UTC time): the same day wherever it is read.
export function formatDay(value) {
  if (!value) return "";
  const day = new Date(`${String(value).slice(0, 10)}T00:00:00Z`);
  return formatter("day", (code) => new Intl.DateTimeFormat(code, { dateStyle: "medium", timeZone: "UTC" })).format(day);
}

// An event's time as people there keep it: in the event's own time zone (named, so a reader
// elsewhere is not misled), in the reader's language and way of writing dates.
export function formatEventTime(start, end, timeZone) {
  const make = (code) => {
    try {
      return new Intl.DateTimeFormat(code, { dateStyle: "full", timeStyle: "short", timeZone });
    } catch {
      return new Intl.DateTimeFormat(code, { dateStyle: "full", timeStyle: "short" });
    }
  };
  const format = formatter(`event:${timeZone}`, make);
  const time = format.formatRange(new Date(start), new Date(end));
  return timeZone ? _("{time} ({zone})", { time, zone: timeZone.replace(/_/g, " ") }) : time;
}

export function locale() {
  return current.locale;
}

export function direction() {
  return current.direction;
}

export function availableLocales() {
  return current.available;
}

// A language's name in the reader's language, as the server lists them.
export function languageName(code) {
  return availableLocales().find((item) => item.code === code)?.name || code;
}

export function onLocaleChange(listener) {
  listeners.add(listener);
}

export function savedLocale() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

// The language the app will most likely use, before the list of Tessera's languages is known:
// the one chosen last on this phone, or the browser's first. Its catalogue can then be asked for
// beside the list and the session, rather than after them.
export function likelyLocale() {
  const tag = savedLocale() || (navigator.languages || [])[0] || FALLBACK;
  return tag.split("-")[0].toLowerCase();
}

// The browser's preferred language among Tessera's, or English.
export function preferredLocale(codes) {
  const saved = savedLocale();
  if (saved && codes.includes(saved)) return saved;
  for (const tag of navigator.languages || []) {
    const code = tag.split("-")[0].toLowerCase();
    if (codes.includes(code)) return code;
  }
  return FALLBACK;
}

export async function loadLocaleList() {
  const written = bootData("locales");
  if (written?.items) {
    current.available = written.items;
    return current.available;
  }
  try {
    const response = await fetch("/api/v1/i18n", { headers: { Accept: "application/json" } });
    if (response.ok) current.available = (await response.json()).items;
  } catch {
    // Offline and never cached: the switch offers nothing but the current language.
  }
  return current.available;
}

// Loads a catalogue, sets lang and dir on the document, and tells every listener to re-render.
export async function useLocale(code) {
  let catalogue;
  try {
    const response = await fetch(`/api/v1/i18n/${encodeURIComponent(code)}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return false;
    catalogue = await response.json();
  } catch {
    return false;
  }
  current.locale = catalogue.locale;
  current.direction = catalogue.direction;
  current.messages = catalogue.messages;
  current.plurals = catalogue.plurals;
  document.documentElement.lang = catalogue.locale;
  document.documentElement.dir = catalogue.direction;
  try {
    localStorage.setItem(STORAGE_KEY, catalogue.locale);
  } catch {
    // Storage may be off: the language is then asked again next time.
  }
  for (const listener of listeners) listener(catalogue.locale);
  return true;
}

// The offline page in the person's language, from the catalogue the service worker cached.
import { N_, _, savedLocale, useLocale } from "./i18n.js";

// The page's texts, named here so that `tessera i18n extract` finds them.
export const OFFLINE_TEXTS = [
  N_("You are offline"),
  N_("This page needs a connection. Your notes are safe on this phone, and the app works offline."),
  N_("Back to Tessera"),
];

if (await useLocale(savedLocale() || "en")) {
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = _(element.dataset.i18n);
}

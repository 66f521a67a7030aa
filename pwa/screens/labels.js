// The words the app shows for the server's vocabularies of events and the stakeholder directory
// (the codes themselves come from GET /api/v1/vocabularies), and a badge for a status.

import { h } from "../dom.js";
import { _, N_ } from "../i18n.js";

export const EVENT_KINDS = { workshop: N_("Workshop"), focus_group: N_("Focus group"), conference: N_("Conference"), meeting: N_("Meeting") };
export const REGISTRATION_STATUSES = { confirmed: N_("Confirmed"), waitlisted: N_("On the waiting list") };
export const OUTCOME_KINDS = { finding: N_("Finding"), recommendation: N_("Recommendation"), action: N_("Action") };
// The words for the server's roles.
export const ROLE_LABELS = {
  youth: N_("Young person"),
  stakeholder: N_("Stakeholder (a partner organisation)"),
  youth_worker: N_("Youth worker"),
  researcher: N_("Researcher"),
  admin: N_("Admin"),
};
export const MAIL_STATUSES = { queued: N_("Waiting to be sent"), sent: N_("Sent"), failed: N_("Not sent") };
export const ACTION_STATUSES = { planned: N_("Planned"), in_progress: N_("In progress"), done: N_("Done") };
export const SECTORS = {
  public_authority: N_("Public authority"),
  ngo: N_("NGO"),
  education: N_("Education"),
  youth_organisation: N_("Youth organisation"),
  employer: N_("Employer"),
  migrant_led: N_("Migrant-led organisation"),
  research: N_("Research"),
  health: N_("Health"),
  faith: N_("Faith organisation"),
  other: N_("Other"),
};
export const LEVELS = { local: N_("Local"), regional: N_("Regional"), national: N_("National"), international: N_("International") };
export const CONTACT_BASES = { consent: N_("Consent"), legitimate_interest: N_("Legitimate interest") };
export const ENGAGEMENT_KINDS = {
  mapping: N_("Mapping of services"),
  interview: N_("Interview"),
  focus_group: N_("Focus group"),
  delphi: N_("Delphi panel"),
  workshop: N_("Workshop"),
  conference: N_("Conference"),
  follow_up: N_("Follow-up"),
  other: N_("Other"),
};

export function label(words, code) {
  return words[code] ? _(words[code]) : code;
}

// The codes of a vocabulary as the server lists them, or (offline and never kept) ours.
export function codes(ctx, name, words) {
  return ctx.vocabularies?.[name] || Object.keys(words);
}

export function options(ctx, name, words, chosen, blank) {
  const list = codes(ctx, name, words).map((code) => new Option(label(words, code), code, false, code === chosen));
  return blank === undefined ? list : [new Option(blank, "", false, !chosen), ...list];
}

export function statusBadge(words, code) {
  return h("span", { class: `state state-${code}`, "data-status": code }, label(words, code));
}

// Writing to the stakeholder directory: a new entry or a change to one, and importing a
// platform's mapping file (CSV or XLSX). The server decides what is a duplicate (409 with the
// stored entry) and what is stale (409 with the entry as it is now); the person's typing stays
// in the form through every answer. An import is checked first (a dry run that lists every bad
// row and field) and only then written, all or nothing.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, ngettext } from "../i18n.js";
import { backLink, changedFields, markInvalid, onlineOnlyNotice, platformControl, problem, problemText, splitList } from "./common.js";
import { entryDetails, entryName } from "./directory.js";
import { CONTACT_BASES, LEVELS, SECTORS, options } from "./labels.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export async function render(ctx) {
  if (ctx.params.path === "directory/import") return renderImport(ctx);
  return renderForm(ctx);
}

const TEXT_FIELDS = [
  ["organisation", () => _("Organisation"), { required: true, autocomplete: "off" }],
  ["person_name", () => _("Person (optional)"), { autocomplete: "off" }],
  ["role_title", () => _("Their role (optional)"), { autocomplete: "off" }],
  ["email", () => _("E-mail (optional)"), { type: "email", inputmode: "email", autocomplete: "off", maxlength: "320" }],
  ["phone", () => _("Phone (optional)"), { type: "tel", inputmode: "tel", autocomplete: "off", maxlength: "40" }],
  ["locality", () => _("Town or area (optional)"), { autocomplete: "off" }],
];

async function renderForm(ctx) {
  const id = ctx.params.id;
  let stored = null;
  if (id) {
    const answer = await api("GET", `/api/v1/stakeholders/${id}`);
    if (!ctx.isCurrent()) return;
    if (!answer.ok) return showScreen(_("Change the entry"), backLink("#/directory", _("Directory")), problem(answer));
    stored = answer.data;
  }
  const entry = stored || { sector: "ngo", level: "local", contact_basis: "legitimate_interest", languages: [], services: [] };
  const controls = {};
  const fields = TEXT_FIELDS.map(([name, text, attributes]) => {
    controls[name] = h("input", { type: "text", name, maxlength: "200", value: entry[name] || "", ...attributes });
    return field(text(), controls[name], name === "phone" ? _("With the country code, for example +39 06 1234 5678.") : null);
  });
  controls.sector = h("select", { name: "sector" }, options(ctx, "stakeholder_sectors", SECTORS, entry.sector));
  controls.level = h("select", { name: "level" }, options(ctx, "stakeholder_levels", LEVELS, entry.level));
  controls.contact_basis = h("select", { name: "contact_basis" }, options(ctx, "contact_bases", CONTACT_BASES, entry.contact_basis));
  controls.languages = h("input", { type: "text", name: "languages", value: entry.languages.join(", "), autocomplete: "off", autocapitalize: "none", spellcheck: "false" });
  controls.services = h("textarea", { name: "services" }, entry.services.join("; "));
  const platform = platformControl(ctx.user);
  let version = stored?.version;
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    onlineOnlyNotice(),
    stored ? null : field(_("Platform"), platform),
    fields,
    field(_("Sector"), controls.sector),
    field(_("Level"), controls.level),
    field(_("Languages they speak"), controls.languages, _("Language codes separated by commas, for example it, ar, en.")),
    field(_("Services they offer"), controls.services, _("Separated by semicolons.")),
    field(_("Why we may contact them"), controls.contact_basis, _("Consent: they agreed. Legitimate interest: an organisation's public contact.")),
    h("button", { type: "submit" }, stored ? _("Save changes") : _("Add to the directory")),
    result,
  );
  const body = () => {
    const fields = {};
    for (const [name] of TEXT_FIELDS) fields[name] = controls[name].value.trim() || null;
    fields.organisation = controls.organisation.value.trim();
    fields.sector = controls.sector.value;
    fields.level = controls.level.value;
    fields.contact_basis = controls.contact_basis.value;
    fields.languages = splitList(controls.languages.value.toLowerCase());
    fields.services = splitList(controls.services.value.replace(/\n/g, ";"));
    return stored ? { ...changedFields(stored, fields), version } : { ...fields, platform: platform.value.trim() };
  };
  const submit = async () => {
    const answer = stored ? await api("PATCH", `/api/v1/stakeholders/${id}`, body()) : await api("POST", "/api/v1/stakeholders", body());
    markInvalid(form, answer);
    if (answer.ok) {
      announce(stored ? _("The entry is saved.") : _("The entry is added."));
      return ctx.navigate(`#/directory/${answer.data.id}`);
    }
    const current = answer.status === 409 ? answer.data?.entry : null;
    if (current && !stored) return result.replaceChildren(duplicateNotice(current));
    if (current) {
      return result.replaceChildren(
        storedNotice(current, _("Someone else changed this entry while you were editing. This is what is saved now:"), [
          h("button", { type: "button", onclick: () => {
            version = current.version;
            submit();
          } }, _("Apply my changes again")),
          h("a", { href: `#/directory/${current.id}`, class: "button secondary" }, _("Keep what is saved")),
        ]),
      );
    }
    result.replaceChildren(problem(answer));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  showScreen(stored ? _("Change the entry") : _("New entry"), backLink(stored ? `#/directory/${id}` : "#/directory", stored ? entryName(stored) : _("Directory")), form);
}

function storedNotice(entry, text, actions) {
  return h("div", { class: "notice gentle", role: "alert", "data-stored-entry": entry.id }, h("p", null, text), h("p", { class: "title" }, entryName(entry)), entryDetails(entry), h("div", { class: "actions" }, actions));
}

function duplicateNotice(entry) {
  return storedNotice(entry, _("This is already in the directory:"), [h("a", { href: `#/directory/${entry.id}`, class: "button" }, _("Open the stored entry"))]);
}

function mediaType(file) {
  if (/\.xlsx$/i.test(file.name) || file.type === XLSX) return XLSX;
  return "text/csv";
}

async function renderImport(ctx) {
  const platform = platformControl(ctx.user);
  const file = h("input", { type: "file", name: "file", accept: ".csv,.xlsx,text/csv," + XLSX, required: true });
  const outcome = h("div", { "aria-live": "polite", id: "import-outcome" });
  const importButton = h("button", { type: "button", disabled: true }, _("Import"));
  let checked = null; // the file and platform of the last clean dry run
  const send = async (dryRun) => {
    const chosen = file.files[0];
    if (!chosen) return outcome.replaceChildren(h("p", { class: "error", role: "alert" }, _("Choose a file first.")));
    const path = `/api/v1/stakeholders/import?platform=${encodeURIComponent(platform.value.trim())}&dry_run=${dryRun}`;
    return api("POST", path, chosen, mediaType(chosen));
  };
  const counts = (data) =>
    h(
      "ul",
      null,
      h("li", null, ngettext("{count} new entry", "{count} new entries", data.created)),
      h("li", null, ngettext("{count} entry changed", "{count} entries changed", data.updated)),
      h("li", null, ngettext("{count} entry unchanged", "{count} entries unchanged", data.unchanged)),
    );
  const check = h("button", { type: "submit" }, _("Check the file"));
  const form = h(
    "form",
    { novalidate: true },
    onlineOnlyNotice(),
    field(_("Platform"), platform),
    field(_("File (CSV or Excel)"), file, _("One row per entry, with a header row of field names; languages and services separated by semicolons. Nothing is written until you import.")),
    h("div", { class: "actions" }, check, importButton),
    outcome,
  );
  const reset = () => {
    checked = null;
    importButton.disabled = true;
  };
  file.addEventListener("change", reset);
  platform.addEventListener("change", reset);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    reset();
    const answer = await send(true);
    if (!answer) return;
    if (answer.ok) {
      checked = true;
      importButton.disabled = false;
      outcome.replaceChildren(h("p", null, _("The file is fine. Importing it would make:")), counts(answer.data));
      return announce(_("The file is fine."));
    }
    if (answer.status === 422 && answer.data?.errors?.some((error) => error.row)) {
      outcome.replaceChildren(badRows(answer.data.errors));
      return announce(ngettext("{count} problem in the file.", "{count} problems in the file.", answer.data.errors.length));
    }
    outcome.replaceChildren(problem(answer));
  });
  importButton.addEventListener("click", async () => {
    if (!checked) return;
    importButton.disabled = true;
    const answer = await send(false);
    if (!answer) return;
    if (!answer.ok) {
      outcome.replaceChildren(answer.status === 422 && answer.data?.errors?.some((error) => error.row) ? badRows(answer.data.errors) : problem(answer));
      return announce(problemText(answer));
    }
    outcome.replaceChildren(h("p", null, _("Imported:")), counts(answer.data), h("p", null, h("a", { href: "#/directory" }, _("Open the directory"))));
    announce(_("The file is imported."));
  });
  showScreen(_("Import a file"), backLink("#/directory", _("Directory")), form);
}

// Every bad row and field the server found, as a table a person corrects their file from.
function badRows(errors) {
  return h(
    "div",
    { class: "stack", role: "alert" },
    h("p", { class: "error" }, _("Nothing was imported. Correct these rows in the file and check it again:")),
    h(
      "div",
      { class: "table-scroll", tabindex: "0", role: "region", "aria-label": _("Problems in the file") },
      h(
        "table",
        { class: "bad-rows", "data-bad-rows": "" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, _("Row")), h("th", { scope: "col" }, _("Field")), h("th", { scope: "col" }, _("Problem")))),
        h("tbody", null, errors.map((error) => h("tr", { "data-row": error.row }, h("td", null, String(error.row ?? "")), h("td", null, error.field || ""), h("td", null, error.message || "")))),
      ),
    ),
  );
}

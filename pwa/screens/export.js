// Export (researchers): download the approved notes of their platforms for analysis, and make
// the personal API token that scripts in R or Python use for the same download.

import { answerOf, api, fetchStream } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, formatDate, formatNumber, locale, ngettext } from "../i18n.js";
import { problem, problemText } from "./common.js";

const FORMATS = [["csv", "CSV"], ["xlsx", "Excel (XLSX)"], ["ndjson", "NDJSON"], ["qdpx", "REFI-QDA (NVivo, ATLAS.ti, MAXQDA)"]];

export async function render(ctx) {
  const format = h("select", { name: "format" }, FORMATS.map(([code, label]) => new Option(label, code)));
  const status = h("select", { name: "status" }, [new Option(_("Approved notes"), "approved"), new Option(_("All submitted notes"), "any")]);
  const platforms = ["", ...ctx.user.platforms];
  const platform = h("select", { name: "platform" }, platforms.map((code) => new Option(code || _("All my platforms"), code)));
  const download = h("button", { type: "submit" }, _("Download"));
  const progress = h("div", { class: "export-progress" });
  const exportForm = h("form", { novalidate: true, class: "card" }, field(_("Format"), format), field(_("Which notes"), status), field(_("Platform"), platform), download, progress);
  // A download goes on while the person looks at other screens: coming back shows it again.
  const showActive = () => {
    download.disabled = Boolean(active);
    progress.replaceChildren(...(active ? [active.view] : lastView ? [lastView] : []));
    active?.done.then(() => ctx.isCurrent() && showActive());
  };
  exportForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (active) return;
    const query = new URLSearchParams({ format: format.value, status: status.value });
    if (platform.value) query.set("platform", platform.value);
    startDownload(`/api/v1/exports/notes?${query}`, format.value, download);
    showActive();
    active.view.querySelector("button")?.focus();
  });
  showActive();

  const tokens = await api("GET", "/api/v1/tokens");
  if (!ctx.isCurrent()) return;
  const tokenName = h("input", { type: "text", name: "name", maxlength: "64", required: true, autocomplete: "off" });
  const shown = h("div", { "aria-live": "polite" });
  const tokenForm = h("form", { novalidate: true }, field(_("Name of the token (for example, the computer it is for)"), tokenName), h("button", { type: "submit", class: "secondary" }, _("Create token")), shown);
  tokenForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const created = await api("POST", "/api/v1/tokens", { name: tokenName.value.trim() || "token" });
    if (!created.ok) return shown.replaceChildren(problem(created));
    shown.replaceChildren(h("p", null, _("Copy it now: it is shown only once.")), h("p", { class: "token" }, created.data.token));
    announce(_("Token created"));
  });
  const revoke = async (id) => {
    const answer = await api("DELETE", `/api/v1/tokens/${id}`);
    announce(answer.ok ? _("Token revoked") : problem(answer).textContent);
    ctx.refresh();
  };
  const items = tokens.ok ? tokens.data.items.filter((token) => !token.revoked_at) : [];
  showScreen(
    _("Export notes"),
    exportForm,
    h("p", { class: "meta" }, _("Authors appear by a pseudonym, marked personal information is redacted, and every download is recorded.")),
    h("h2", null, _("Personal API tokens")),
    tokens.ok ? null : problem(tokens),
    h("ul", { class: "list" }, items.map((token) => h("li", { class: "card row" }, h("span", { class: "grow" }, h("span", { class: "title" }, token.name), h("span", { class: "meta" }, _("Valid until {date}", { date: formatDate(token.expires_at) }))), h("button", { type: "button", class: "secondary", onclick: () => revoke(token.id) }, _("Revoke"))))),
    tokenForm,
  );
}

// A large export takes minutes: it is read as it arrives, with its progress shown (bytes, and
// notes for CSV and NDJSON, whose records can be counted as they come) and a button to cancel
// it. When the connection drops, the rest is asked for with Range and If-Range: the same
// filters over the same data give the same bytes, and if the data changed meanwhile the server
// sends the whole new file instead, which replaces what had arrived. What arrived is kept in
// Blobs of a few megabytes, which the browser may keep on disk, not in the page's memory.
const RESUME_TRIES = 5;
const RESTARTS = 3;
const SHOW_EVERY_MS = 500;
const BLOB_BYTES = 8 * 1024 * 1024;

let active = null; // {view, done}: the download on its way, if any
let lastView = null; // how the last one ended, shown until the next

class Restart extends Error {}
class Stopped extends Error {}

function startDownload(url, format, download) {
  const controller = new AbortController();
  const said = h("p", { class: "meta", id: "export-progress" }, _("Preparing the export…"));
  const bar = h("progress", { max: "1", "aria-labelledby": "export-progress" });
  const cancel = h("button", { type: "button", class: "secondary", onclick: () => controller.abort() }, _("Cancel"));
  const view = h("div", null, bar, said, cancel);
  announce(said.textContent);
  const finish = (message, failed) => {
    const hadFocus = view.contains(document.activeElement);
    // A failure is an alert, read out as it appears; the rest goes through the status line.
    view.replaceChildren(h("p", failed ? { class: "error", role: "alert" } : { class: "meta" }, message));
    if (!failed) announce(message);
    lastView = view;
    active = null;
    if (hadFocus && download.isConnected) {
      download.disabled = false;
      download.focus();
    }
  };
  active = { view, done: null };
  active.done = downloadExport(url, format, controller.signal, { bar, said }).then(
    (message) => finish(message, false),
    (failure) => finish(failure.message, !(failure instanceof Stopped)),
  );
}

// Resolves with what to say when the file is saved; rejects with an Error whose message says
// why not (a Stopped one when the person cancelled).
async function downloadExport(url, format, signal, view) {
  // What has arrived of the file: a restart (the data changed) begins it afresh.
  const fresh = () => ({ parts: [], pending: [], pendingBytes: 0, bytes: 0, records: 0, count: recordCounter(format) });
  let got = fresh();
  const keep = (value) => {
    got.pending.push(value);
    got.pendingBytes += value.length;
    if (got.pendingBytes >= BLOB_BYTES) {
      got.parts.push(new Blob(got.pending));
      got.pending = [];
      got.pendingBytes = 0;
    }
  };
  let first = null;
  let tries = 0;
  let restarts = 0;
  let shownAt = 0;
  for (;;) {
    const resume = first?.etag && got.bytes ? { Range: `bytes=${got.bytes}-`, "If-Range": first.etag } : {};
    try {
      const response = await fetchStream(url, resume, signal);
      if (response.status === 416 && first && rangeSize(response) === got.bytes) break; // all had arrived
      if (response.status !== 200 && response.status !== 206) throw new Error(problemText(await answerOf(response)));
      if (response.status === 206 && (rangeStart(response) !== got.bytes || response.headers.get("ETag") !== first.etag)) {
        // Not the rest of the same file: ask for the whole file again.
        response.body.cancel();
        first = null;
        throw new Restart();
      }
      if (response.status === 200) {
        // A first answer, or the whole file again (the data changed): what had arrived goes.
        if (first && (restarts += 1) > RESTARTS) throw new Error(_("The download could not be finished. Check the connection and try again."));
        got = fresh();
        first = {
          etag: response.headers.get("ETag"),
          notes: Number(response.headers.get("X-Export-Count") || 0),
          type: response.headers.get("Content-Type") || "application/octet-stream",
          name: fileName(response.headers.get("Content-Disposition"), format),
        };
      }
      tries = 0;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        keep(value);
        got.bytes += value.length;
        if (got.count) got.records += got.count(value);
        if (Date.now() - shownAt > SHOW_EVERY_MS) {
          shownAt = Date.now();
          showProgress(view, got, first, format);
        }
      }
      break;
    } catch (error) {
      if (signal.aborted) throw new Stopped(_("Download cancelled."));
      // Only a dropped connection (fetch's TypeError) is resumed; anything else ends here.
      if (!(error instanceof TypeError || error instanceof Restart)) throw error;
      if (!got.bytes && !first) throw new Error(problemText({ offline: true }));
      if ((tries += 1) > RESUME_TRIES) throw new Error(_("The download could not be finished. Check the connection and try again."));
      view.said.textContent = _("The connection was lost: resuming the download…");
      announce(view.said.textContent);
      await pause(Math.min(1000 * 2 ** tries, 15000), signal);
      if (signal.aborted) throw new Stopped(_("Download cancelled."));
    }
  }
  const file = URL.createObjectURL(new Blob([...got.parts, ...got.pending], { type: first.type }));
  const save = h("a", { href: file, download: first.name, hidden: true });
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(file), 60000);
  // CSV and NDJSON say how many notes the file holds as counted; a zip file, as the server said.
  const notes = got.count ? countedNotes(got, format) : first.notes;
  return ngettext("Download complete: {count} note, {size}.", "Download complete: {count} notes, {size}.", notes, { size: fileSize(got.bytes) });
}

function countedNotes(got, format) {
  return Math.max(0, got.records - (format === "csv" ? 1 : 0)); // a CSV's first record is its header
}

function showProgress({ bar, said }, got, first, format) {
  const size = fileSize(got.bytes);
  if (got.count && first.notes) {
    const notes = Math.min(first.notes, countedNotes(got, format));
    bar.value = notes / first.notes;
    said.textContent = _("{done} of {total} notes, {size}", { done: formatNumber(notes), total: formatNumber(first.notes), size });
  } else {
    bar.removeAttribute("value"); // a zip file's notes cannot be counted as it arrives
    said.textContent = ngettext("{size} of an export of {count} note", "{size} of an export of {count} notes", first.notes, { size });
  }
}

// Records end at a line break: in NDJSON every one, in CSV one outside quotes (every field is
// quoted, and a quote inside one is doubled, so counting quotes tells inside from outside).
function recordCounter(format) {
  if (format === "ndjson") return (bytes) => bytes.reduce((count, byte) => count + (byte === 10), 0);
  if (format !== "csv") return null;
  let quoted = false;
  return (bytes) => {
    let count = 0;
    for (const byte of bytes) {
      if (byte === 34) quoted = !quoted;
      else if (byte === 10 && !quoted) count += 1;
    }
    return count;
  };
}

function rangeStart(response) {
  return Number((response.headers.get("Content-Range") || "").split(/[ -]/)[1]);
}

function rangeSize(response) {
  return Number((response.headers.get("Content-Range") || "").split("/")[1]);
}

function fileName(disposition, format) {
  const quoted = (disposition || "").split('filename="')[1];
  return quoted ? quoted.split('"')[0] : `tessera-notes.${format}`;
}

function fileSize(bytes) {
  const [unit, value] = bytes >= 1e6 ? ["megabyte", bytes / 1e6] : ["kilobyte", bytes / 1e3];
  return new Intl.NumberFormat(locale(), { style: "unit", unit, maximumFractionDigits: bytes >= 1e6 ? 1 : 0 }).format(value);
}

function pause(milliseconds, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

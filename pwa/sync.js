// When the page sends the outbox: at start, on reconnect, when the page comes back into view,
// after each queued note, and periodically with exponential backoff after failures; and through
// Background Sync where the browser has it, so the service worker sends even with the app closed.
// <html data-outbox="idle|sending|waiting"> tells tests (and styles) what the outbox is doing.

import { recoverSession } from "./api.js";
import { flushOutbox } from "./outbox.js";
import { countUnsent, queuedNotes } from "./store.js";

const PERIOD_MS = 5 * 60 * 1000; // also fetches reviews that arrived meanwhile
const FIRST_RETRY_MS = 5 * 1000;
const LONGEST_RETRY_MS = 5 * 60 * 1000;
const SYNC_TAG = "tessera-outbox";
// The server's type for a lost or stale CSRF token (docs/contract.md, "Problem types").
const CSRF_TOKEN_INVALID = "urn:tessera:problem:csrf-token-invalid";

const outbox = { owner: null, running: false, again: false, failures: 0, timer: null, listeners: new Set() };

function setOutboxState(value) {
  document.documentElement.dataset.outbox = value;
}

async function settleState() {
  if (!outbox.owner) return setOutboxState("idle");
  const queued = (await queuedNotes(outbox.owner)).length;
  setOutboxState(queued ? "waiting" : "idle");
  return queued;
}

function schedule(delay) {
  clearTimeout(outbox.timer);
  outbox.timer = setTimeout(requestFlush, delay);
}

function retryDelay() {
  const base = Math.min(FIRST_RETRY_MS * 2 ** outbox.failures, LONGEST_RETRY_MS);
  return base / 2 + Math.random() * (base / 2);
}

// Tells the screens that notes changed (sent, reviewed, in conflict), with the outcome.
export function onOutboxChange(listener) {
  outbox.listeners.add(listener);
}

function notify(outcome) {
  for (const listener of outbox.listeners) listener(outcome);
}

export async function requestFlush() {
  if (!outbox.owner) return;
  if (outbox.running) {
    outbox.again = true;
    return;
  }
  if (navigator.onLine === false) {
    await settleState();
    return;
  }
  outbox.running = true;
  setOutboxState("sending");
  let outcome;
  try {
    outcome = await flushOutbox(outbox.owner);
    if (outcome.problem === CSRF_TOKEN_INVALID) {
      // The CSRF token was lost (a reload while offline): recover it once and try again.
      if ((await recoverSession()).ok) outcome = await flushOutbox(outbox.owner);
    }
  } catch {
    outcome = { status: 0, sent: 0, conflicts: 0, problems: 0 };
  } finally {
    outbox.running = false;
  }
  const queued = await settleState();
  if (outcome.status === 200) {
    outbox.failures = 0;
    schedule(PERIOD_MS);
  } else {
    outbox.failures += 1;
    if (queued) schedule(retryDelay());
  }
  notify(outcome);
  if (outbox.again) {
    outbox.again = false;
    requestFlush();
  }
}

export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register(SYNC_TAG);
  } catch {
    // No Background Sync (Firefox, Safari): the page's own retries carry the outbox.
  }
}

export function startOutbox(owner) {
  outbox.owner = owner;
  outbox.failures = 0;
  requestFlush();
}

export function stopOutbox() {
  outbox.owner = null;
  clearTimeout(outbox.timer);
  setOutboxState("idle");
}

// Every unsent note on the phone, whoever wrote it: signing out deletes them all.
export function unsentCount() {
  return countUnsent();
}

addEventListener("online", () => {
  outbox.failures = 0;
  requestFlush();
});
addEventListener("offline", () => settleState());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") requestFlush();
});
navigator.serviceWorker?.addEventListener("message", (event) => {
  if (event.data?.type === "outbox-changed") {
    settleState();
    notify(event.data.outcome || { status: 200, sent: 0, conflicts: 0, problems: 0 });
  }
});

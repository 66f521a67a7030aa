// The outbox: notes are written to the phone first and always; this sends the queued ones
// through POST /api/v1/sync and applies each item's result. The page and the service worker
// (Background Sync) both run it; a Web Lock keeps them from sending the same batch twice,
// and a replay would do no harm anyway: the server answers "unchanged", never a duplicate.
//
// Nothing is ever silently overwritten: a note changed both here and on the server becomes a
// conflict that the person settles by choosing a version.

import { api } from "./api.js";
import { getMeta, getNote, listNotes, putNote, queuedNotes, setMeta } from "./store.js";

const BATCH = 100; // the most /sync takes at once

// The states a person sees, in this order of urgency.
export const STATES = ["conflict", "waiting", "saved", "changes_requested", "sent", "approved"];

export function noteState(note) {
  if (note.conflict) return "conflict";
  if (note.queued) return "waiting";
  if (note.dirty || !note.version) return "saved";
  if (note.serverStatus === "approved") return "approved";
  if (note.serverStatus === "changes_requested") return "changes_requested";
  if (note.serverStatus === "draft") return "saved";
  return "sent";
}

// What goes over the wire for one note: its content and the server version it was based on.
export function wireBody(note) {
  const body = { ...note.body, id: note.id, base_version: note.version || 0 };
  if (body.kind !== "focus_group") delete body.participants;
  if (!body.guide_id) {
    delete body.guide_id;
    delete body.guide_version;
  }
  return body;
}

// A note as the server stores it, made into the body a device sends (for a settled conflict).
export function bodyFromServer(stored) {
  const body = {
    kind: stored.kind,
    platform: stored.platform,
    language: stored.language,
    recorded_at: stored.recorded_at,
    interviewee_code: stored.interviewee_code,
    consent_confirmed: stored.consent_confirmed,
    status: stored.status === "draft" ? "draft" : "submitted",
    guide_id: stored.guide_id,
    guide_version: stored.guide_version,
    answers: stored.answers || {},
    text: stored.text || "",
    tags: stored.tags || [],
  };
  if (stored.participants) body.participants = stored.participants;
  return body;
}

function withLock(work) {
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request("tessera-outbox", work) : work();
}

function applyResult(note, sentRev, result, now) {
  const unchangedSince = note.rev === sentRev;
  switch (result.status) {
    case "created":
    case "updated":
    case "unchanged":
      note.version = result.version ?? note.version;
      note.error = null;
      note.errors = [];
      if (unchangedSince) {
        note.queued = false;
        note.dirty = false;
        note.sentAt = now;
        note.serverStatus = note.body.status;
      }
      break;
    case "conflict":
      note.queued = false;
      note.conflict = result.note || null;
      break;
    default:
      // invalid or forbidden: sending again will not help; the person sees why and edits.
      note.queued = false;
      note.error = result.error || null;
      note.errors = result.errors || [];
  }
  return note;
}

// A note changed on the server (a review, an edit from another device) since the last sync.
async function applyChange(stored) {
  const note = await getNote(stored.id);
  if (!note) return;
  note.reviews = stored.reviews || [];
  if (stored.version <= (note.version || 0)) {
    note.serverStatus = stored.status;
  } else if (note.dirty || note.queued) {
    note.queued = false;
    note.conflict = stored;
  } else {
    note.body = bodyFromServer(stored);
    note.version = stored.version;
    note.serverStatus = stored.status;
  }
  await putNote(note);
}

// Sends every queued note of the owner. Answers {sent, conflicts, problems, status, problem}:
// status 0 when offline, 401 when the session has ended, 200 when all went through; problem
// is the type of the server's problem document when the batch was refused.
export async function flushOutbox(owner) {
  return withLock(async () => {
    const outcome = { sent: 0, conflicts: 0, problems: 0, status: 200 };
    const queued = await queuedNotes(owner);
    const sinceKey = `since:${owner}`;
    let since = await getMeta(sinceKey);
    const batches = [];
    for (let start = 0; start < queued.length; start += BATCH) batches.push(queued.slice(start, start + BATCH));
    if (!batches.length) batches.push([]); // still ask what changed on the server
    for (const batch of batches) {
      const sentRevs = new Map(batch.map((note) => [note.id, note.rev]));
      const response = await api("POST", "/api/v1/sync", { notes: batch.map(wireBody), ...(since ? { since } : {}) });
      if (!response.ok) {
        outcome.status = response.status;
        outcome.problem = response.data?.type || null;
        return outcome;
      }
      const now = Date.now();
      for (const result of response.data.results) {
        // Reread: the person may have edited the note while it was on its way.
        const note = await getNote(result.id);
        if (!note) continue;
        await putNote(applyResult(note, sentRevs.get(result.id), result, now));
        if (result.status === "conflict") outcome.conflicts += 1;
        else if (result.status === "invalid" || result.status === "forbidden") outcome.problems += 1;
        else outcome.sent += 1;
      }
      for (const stored of response.data.changes || []) await applyChange(stored);
      since = response.data.server_time;
      await setMeta(sinceKey, since);
    }
    return outcome;
  });
}

export async function localNotes(owner) {
  return listNotes(owner);
}

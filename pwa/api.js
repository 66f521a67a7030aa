// Talking to the Tessera API from the page and from the service worker alike (no DOM here).
// The CSRF token lives in this module's memory only, never in storage: after a reload it is
// recovered from GET /api/v1/auth/session, which only a same-origin page can read.

import { deleteMeta, getMeta, setMeta } from "./store.js";

const session = { csrfToken: null, locale: "en" };
const connectivityListeners = new Set();
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function setCsrfToken(token) {
  session.csrfToken = token;
}

export function setRequestLocale(code) {
  session.locale = code;
}

export function onConnectivity(listener) {
  connectivityListeners.add(listener);
}

function reportConnectivity(online) {
  for (const listener of connectivityListeners) listener(online);
}

// Answers {ok, status, data}; a network failure answers {ok: false, status: 0, offline: true}.
// A 404 from an API that is not there yet is an ordinary answer the screens handle.
// With a contentType, body is sent as it is (a file to import), not as JSON.
export async function api(method, path, body, contentType) {
  if ((await sendQueuedSignOut()) === "waiting") {
    reportConnectivity(false);
    return { ok: false, status: 0, offline: true, data: null };
  }
  // After a reload the token is gone: fetch it before the first unsafe request needs it.
  if (UNSAFE.has(method) && !session.csrfToken && path !== "/api/v1/auth/login" && path !== "/api/v1/auth/register") {
    const recovered = await recoverSession();
    if (recovered.offline) return recovered;
  }
  const headers = { Accept: "application/json", "Accept-Language": session.locale };
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  if (UNSAFE.has(method) && session.csrfToken) headers["X-CSRF-Token"] = session.csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined || contentType ? body : JSON.stringify(body),
    });
  } catch {
    reportConnectivity(false);
    return { ok: false, status: 0, offline: true, data: null };
  }
  reportConnectivity(true);
  return answerOf(response);
}

// An answer as the screens take it: {ok, status, data}, data its JSON or null (none, or not JSON).
export async function answerOf(response) {
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  return { ok: response.ok, status: response.status, data };
}

// A GET whose body is read as it arrives (a large export), in the person's language; headers
// such as Range resume it. Network failures are thrown, for the caller to resume.
export function fetchStream(path, headers, signal) {
  return fetch(path, { headers: { "Accept-Language": session.locale, ...headers }, credentials: "same-origin", cache: "no-store", signal });
}

// Recovers the signed-in person and the CSRF token from the session cookie, if it is still valid.
// Nobody signed in is a 200 {user: null} (no console error on every visit); to the callers it
// is no session, as a 401 would be: ok only with a user.
export async function recoverSession() {
  const result = await api("GET", "/api/v1/auth/session");
  if (!result.ok || !result.data?.user) return result.offline ? result : { ...result, ok: false };
  setCsrfToken(result.data.csrf_token);
  return result;
}

// Signing out offline wipes the phone at once, but the session cookie is HttpOnly: only the
// server can end the session. So the sign-out waits on the phone (a flag that says nothing about
// the person) and every API request, from the page or the service worker, sends it first: until
// it has reached the server nothing goes out on the old session, and the next person on a shared
// phone never finds the last one still signed in.
const SIGN_OUT_QUEUED = "sign-out-queued";

export function queueSignOut() {
  return setMeta(SIGN_OUT_QUEUED, true);
}

// Answers "none" (nothing was queued), "sent" (the session has ended now) or "waiting" (offline).
export async function sendQueuedSignOut() {
  if (!(await isSignOutQueued())) return "none";
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request("tessera-sign-out", endQueuedSession) : endQueuedSession();
}

async function isSignOutQueued() {
  return Boolean(await getMeta(SIGN_OUT_QUEUED).catch(() => null));
}

async function endQueuedSession() {
  if (!(await isSignOutQueued())) return "sent"; // by another tab or the service worker meanwhile
  const request = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
  try {
    // The CSRF token went with the wipe: the session itself gives it back, once.
    const current = await fetch("/api/v1/auth/session", request);
    if (current.status >= 500) return "waiting";
    const answer = current.ok ? await current.json() : null;
    if (answer?.user) {
      const headers = { ...request.headers, "X-CSRF-Token": answer.csrf_token };
      const ended = await fetch("/api/v1/auth/logout", { ...request, method: "POST", headers });
      // Only a server in trouble is asked again: any other answer will not change by repeating it.
      if (ended.status >= 500) return "waiting";
    }
  } catch {
    return "waiting";
  }
  // The server's Clear-Site-Data has usually deleted the flag with everything else already.
  await deleteMeta(SIGN_OUT_QUEUED).catch(() => {});
  return "sent";
}

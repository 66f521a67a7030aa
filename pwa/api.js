// Talking to the Tessera API from the page and from the service worker alike (no DOM here).
// The CSRF token lives in this module's memory only, never in storage: after a reload it is
// recovered from GET /api/v1/auth/session, which only a same-origin page can read.

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
export async function api(method, path, body) {
  // After a reload the token is gone: fetch it before the first unsafe request needs it.
  if (UNSAFE.has(method) && !session.csrfToken && path !== "/api/v1/auth/login" && path !== "/api/v1/auth/register") {
    const recovered = await recoverSession();
    if (recovered.offline) return recovered;
  }
  const headers = { Accept: "application/json", "Accept-Language": session.locale };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method) && session.csrfToken) headers["X-CSRF-Token"] = session.csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    reportConnectivity(false);
    return { ok: false, status: 0, offline: true, data: null };
  }
  reportConnectivity(true);
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

// Recovers the signed-in person and the CSRF token from the session cookie, if it is still valid.
export async function recoverSession() {
  const result = await api("GET", "/api/v1/auth/session");
  if (result.ok) setCsrfToken(result.data.csrf_token);
  return result;
}

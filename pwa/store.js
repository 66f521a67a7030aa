// What Tessera keeps on the phone, in IndexedDB, for the page and the service worker alike.
//
// Notes are sensitive and OWASP ASVS asks for no sensitive data in browser storage; an app that
// must work offline for days cannot avoid it, so it compensates: every note (and the signed-in
// person's profile) is encrypted with AES-GCM under a non-extractable WebCrypto key that lives
// in this same database and can never be read out as bytes, a copy is kept only while it serves
// the person (unsent, or sent recently), and sign-out deletes the whole database.

const DB_NAME = "tessera";
const DB_VERSION = 1;
const KEY_NAME = "note-key";
let opening = null;
// The note key once read, for this opening of the database: reading it for every note cost an
// IndexedDB transaction each (500 for a list of 500 notes).
let keyReading = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function openDatabase() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("keys");
        db.createObjectStore("meta");
        const notes = db.createObjectStore("notes", { keyPath: "id" });
        notes.createIndex("owner", "owner");
      };
      request.onsuccess = () => {
        const db = request.result;
        // Sign-out in another tab deletes the database: let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
          keyReading = null;
        };
        // The browser closed it (Clear-Site-Data from a sign-out): reopen next time.
        db.onclose = () => {
          opening = null;
          keyReading = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

async function run(storeName, mode, work) {
  const db = await openDatabase();
  const transaction = db.transaction(storeName, mode);
  const result = await work(transaction.objectStore(storeName));
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
  return result;
}

function noteKey() {
  if (!keyReading) {
    keyReading = readOrMakeNoteKey().catch((error) => {
      keyReading = null;
      throw error;
    });
  }
  return keyReading;
}

async function readOrMakeNoteKey() {
  const existing = await run("keys", "readonly", (store) => promised(store.get(KEY_NAME)));
  if (existing) return existing;
  // extractable: false: script can use the key but never export it.
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  // add() rather than put(): if another context made a key meanwhile, theirs wins and we reread it.
  try {
    await run("keys", "readwrite", (store) => promised(store.add(key, KEY_NAME)));
    return key;
  } catch {
    return run("keys", "readonly", (store) => promised(store.get(KEY_NAME)));
  }
}

async function seal(value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await noteKey(), plain);
  return { iv, data };
}

async function unseal(sealed) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, await noteKey(), sealed.data);
  return JSON.parse(new TextDecoder().decode(plain));
}

// A local note: {id, owner, body, version, serverStatus, dirty, queued, conflict, error, errors,
// reviews, rev, createdAt, updatedAt, sentAt}. Only the flags the outbox needs to find its work
// stay readable; everything said in the note is sealed.
export async function putNote(note) {
  const sealed = await seal(note);
  const record = {
    id: note.id,
    owner: note.owner,
    queued: Boolean(note.queued),
    unsent: Boolean(note.dirty || note.queued || note.conflict),
    updatedAt: note.updatedAt,
    sentAt: note.sentAt || null,
    ...sealed,
  };
  await run("notes", "readwrite", (store) => promised(store.put(record)));
  return note;
}

export async function getNote(id) {
  const record = await run("notes", "readonly", (store) => promised(store.get(id)));
  return record ? unseal(record) : null;
}

// Read a slice at a time: one read of 500 notes held a cheap phone's main thread for 150 ms.
const READ_SLICE = 50;

export async function listNotes(owner) {
  const ids = await run("notes", "readonly", (store) => promised(store.index("owner").getAllKeys(owner)));
  ids.sort();
  const notes = [];
  for (let start = 0; start < ids.length; start += READ_SLICE) {
    const range = IDBKeyRange.bound(ids[start], ids[Math.min(start + READ_SLICE, ids.length) - 1]);
    // The range may hold another person's notes too (a shared phone): only the owner's are opened.
    const records = await run("notes", "readonly", (store) => promised(store.getAll(range)));
    notes.push(...(await Promise.all(records.filter((record) => record.owner === owner).map(unseal))));
  }
  return notes;
}

export async function deleteNote(id) {
  await run("notes", "readwrite", (store) => promised(store.delete(id)));
}

// Sent notes are forgotten after this long: the server has them, the phone need not.
const KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

export async function forgetOldSentNotes(now = Date.now()) {
  await run("notes", "readwrite", async (store) => {
    const records = await promised(store.getAll());
    for (const record of records) {
      if (!record.unsent && record.sentAt && now - record.sentAt > KEEP_SENT_MS) store.delete(record.id);
    }
  });
}

// How many notes (of one person, or of anyone on this phone) are not on the server yet,
// without decrypting them.
export async function countUnsent(owner) {
  const records = await run("notes", "readonly", (store) => promised(owner ? store.index("owner").getAll(owner) : store.getAll()));
  return records.filter((record) => record.unsent).length;
}

export async function queuedNotes(owner) {
  const records = await run("notes", "readonly", (store) => promised(store.index("owner").getAll(owner)));
  return Promise.all(records.filter((record) => record.queued).map(unseal));
}

export async function getMeta(name, { secret = false } = {}) {
  const value = await run("meta", "readonly", (store) => promised(store.get(name)));
  if (value === undefined) return null;
  return secret ? unseal(value) : value;
}

export async function setMeta(name, value, { secret = false } = {}) {
  const stored = secret ? await seal(value) : value;
  await run("meta", "readwrite", (store) => promised(store.put(stored, name)));
}

export async function deleteMeta(name) {
  await run("meta", "readwrite", (store) => promised(store.delete(name)));
}

// Deletes everything the app keeps on this phone: the database (notes, key), caches of
// catalogues and pages, and local storage. Clear-Site-Data from the server does the same
// again when sign-out reaches it; this covers a sign-out made offline.
export async function wipeEverything() {
  if (opening) {
    const db = await opening.catch(() => null);
    db?.close();
    opening = null;
  }
  keyReading = null;
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  if (globalThis.caches) {
    for (const name of await caches.keys()) {
      if (!name.startsWith("tessera-shell-")) await caches.delete(name);
    }
  }
  try {
    globalThis.localStorage?.clear();
    globalThis.sessionStorage?.clear();
  } catch {
    // Storage may be disabled; there is then nothing in it either.
  }
}

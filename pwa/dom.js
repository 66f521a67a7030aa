// Small DOM helpers: elements built with textContent (never innerHTML, so no markup injection),
// icons drawn as inline SVG, and the one live region that announces status changes.

const SVG = "http://www.w3.org/2000/svg";

// What the server wrote into the page for the first screen (server/system/app_shell.py): the
// languages and the vocabularies, as their API routes answer them. Undefined when absent.
export function bootData(name) {
  try {
    return JSON.parse(document.getElementById("boot")?.textContent || "{}")[name];
  } catch {
    return undefined;
  }
}

// h("button", {class: "primary", onclick: f}, "Save"): attributes, then children.
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Paths on a 24-unit grid. Arrows carry the class "directional" and are mirrored right to left.
const ICONS = {
  phone: ["M7 2h10a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm0 3v13h10V5zm4 14h2v1.5h-2z"],
  clock: ["M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm-1 3v6l5 3 1-1.7-4-2.3V7z"],
  check: ["M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z"],
  approved: ["M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm-2 14.5-4-4 1.4-1.4 2.6 2.6 6.6-6.6L18 8.5z"],
  edit: ["M3 17.3V21h3.7l11-11-3.7-3.7zM20.7 7a1 1 0 0 0 0-1.4l-2.3-2.3a1 1 0 0 0-1.4 0l-1.8 1.8 3.7 3.7z"],
  conflict: ["M1 21h22L12 2zm12-3h-2v-2h2zm0-4h-2v-4h2z"],
  back: ["M20 11H7.8l5.6-5.6L12 4l-8 8 8 8 1.4-1.4L7.8 13H20z"],
  forward: ["M4 11h12.2l-5.6-5.6L12 4l8 8-8 8-1.4-1.4 5.6-5.6H4z"],
  home: ["M10 20v-6h4v6h5v-8h3L12 3 2 12h3v8z"],
  notes: ["M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm-1 7V3.5L18.5 9zM8 13h8v2H8zm0 4h8v2H8z"],
  forum: ["M21 6h-2v9H6v2a1 1 0 0 0 1 1h11l4 4V7a1 1 0 0 0-1-1zm-4 6V3a1 1 0 0 0-1-1H3a1 1 0 0 0-1 1v14l4-4h10a1 1 0 0 0 1-1z"],
  bell: ["M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6v-5c0-3.1-1.6-5.6-4.5-6.3V4a1.5 1.5 0 0 0-3 0v.7C7.6 5.4 6 7.9 6 11v5l-2 2v1h16v-1z"],
  settings: ["M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7 7 0 0 0-1.7-1L15 3h-4l-.4 2.9a7 7 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7 7 0 0 0 1.7 1L11 21h4l.4-2.9a7 7 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z"],
  calendar: ["M7 2v2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2h-2V2h-2v2H9V2zM5 9h14v11H5zm2 2v2h2v-2zm4 0v2h2v-2zm4 0v2h2v-2zm-8 4v2h2v-2zm4 0v2h2v-2z"],
  directory: ["M16 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm-8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm0 2c-2.3 0-7 1.2-7 3.5V19h14v-2.5C15 14.2 10.3 13 8 13zm8 0c-.3 0-.6 0-1 .1 1.2.8 2 2 2 3.4V19h6v-2.5c0-2.3-4.7-3.5-7-3.5z"],
  chart: ["M4 20V10h3v10zm6.5 0V4h3v16zM17 20v-7h3v7zM2 21h20v1H2z"],
  more: ["M6 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4z"],
  offline: ["M23.6 7A17.8 17.8 0 0 0 12 3c-1.3 0-2.6.1-3.8.4L18.7 14zM3.3 2 2 3.3l2 2.1A17.7 17.7 0 0 0 .4 7L12 21.5l3.9-4.9 3.8 3.8 1.3-1.3z"],
};

export function icon(name, extraClass) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon${name === "back" || name === "forward" ? " directional" : ""}${extraClass ? ` ${extraClass}` : ""}`);
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

// Announces a status change to screen readers (and shows it) through the one role="status" region.
// A message belongs to the screen it was said on: it goes when the person moves on (see
// dismissStatus), unless it is the outcome that moved them ("Your topic is published.").
const SHOWN_MS = 6000;
const OUTCOME_MS = 1500;
let clearing = null;
let announcedAt = -Infinity;
let carriedOver = true;
export function announce(text) {
  const region = document.getElementById("status");
  region.textContent = "";
  clearTimeout(clearing);
  announcedAt = performance.now();
  carriedOver = false;
  // A fresh text node after clearing makes screen readers repeat an identical message.
  requestAnimationFrame(() => {
    region.textContent = text;
    clearing = setTimeout(() => {
      region.textContent = "";
    }, SHOWN_MS);
  });
}

// Called as a new screen opens: a message of the screen before does not follow the person.
export function dismissStatus() {
  if (!carriedOver && performance.now() - announcedAt < OUTCOME_MS) {
    carriedOver = true; // to the one screen it led to, no further
    return;
  }
  clearTimeout(clearing);
  document.getElementById("status").textContent = "";
}

// Puts a screen into <main>: one h1 first, focus moved to it so screen readers start there.
// A long list drawn in slices, so the phone's main thread is never held for long: the first
// screenful at once, the rest a slice per task, yielding to taps and scrolling in between.
// make(entry) builds one item; isCurrent() false (the person has moved on) stops the drawing.
const FIRST_SLICE = 25;
const SLICE = 40;

export function appendInSlices(list, entries, make, isCurrent = () => true) {
  list.append(...entries.slice(0, FIRST_SLICE).map(make));
  let next = FIRST_SLICE;
  const drawn = new Promise((resolve) => {
    const step = () => {
      if (next >= entries.length || !isCurrent() || !list.isConnected) return resolve();
      list.append(...entries.slice(next, next + SLICE).map(make));
      next += SLICE;
      setTimeout(step, 0);
    };
    setTimeout(step, 0);
  });
  list.dataset.drawn = entries.length <= FIRST_SLICE ? "all" : "part";
  drawn.then(() => {
    if (next >= entries.length) list.dataset.drawn = "all";
  });
  return list;
}

export function showScreen(title, ...content) {
  const main = document.getElementById("main");
  const heading = h("h1", { tabindex: "-1" }, title);
  main.replaceChildren(heading, ...content.flat(Infinity).filter(Boolean));
  document.title = `${title} · Tessera`;
  return heading;
}

// A labelled form field: the label is visible and tied to its control.
let fieldCounter = 0;
export function field(labelText, control, hint) {
  const id = control.id || `field-${++fieldCounter}`;
  control.id = id;
  const parts = [h("label", { for: id }, labelText)];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  parts.push(control);
  return h("div", { class: "field" }, parts);
}

export function link(href, ...children) {
  return h("a", { href }, ...children);
}

export function errorText(message) {
  return h("p", { class: "error", role: "alert" }, message);
}

// A Delphi panellist's ballot, opened from the private link in their e-mail with no account:
// each answer is sent as it is given; an answer the network did not take waits on this phone
// (under a hash of the link, never the link itself) and goes when the phone is online again.
// The link is the only credential: it stays in the address and in this module's memory, is
// never written to storage or the console, and no session cookie goes with its requests.

import { answerOf } from "../api.js";
import { formatNumber, _, N_, locale, ngettext, useLocale } from "../i18n.js";
import { announce, h, icon, showScreen } from "../dom.js";
import { problem, problemText } from "./common.js";
import { distributionChart } from "./distribution.js";

const PENDING_PREFIX = "tessera.ballot.";
// The ballot on screen: its link, the key of its waiting answers, and each statement's row.
let shown = null;
// The screen last opened, so a ballot that could not be read offline is read once online.
let opened = null;

addEventListener("online", () => {
  if (shown?.isCurrent()) {
    sendWaiting(shown);
    if (shown.proposalBox && waitingProposals(shown)) sendProposals(shown);
  }
  else if (opened?.isCurrent()) opened.refresh();
});

// A request of the link alone: "omit" keeps the session cookie of a signed-in person out of it
// (their session is neither needed nor used), and no CSRF token is needed without one.
async function ballotRequest(method, token, body) {
  let response;
  try {
    response = await fetch(`/api/v1/delphi/ballots/${encodeURIComponent(token)}`, {
      method,
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      headers: { Accept: "application/json", "Accept-Language": locale(), ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    return { ok: false, status: 0, offline: true, data: null };
  }
  return answerOf(response);
}

// The key of this link's waiting answers: a SHA-256 of the link, so storage never holds it.
async function pendingKey(token) {
  if (!crypto?.subtle) return null; // not a secure context: answers are then sent at once only
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`tessera-ballot:${token}`));
  return PENDING_PREFIX + Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function readPending(key) {
  if (!key) return {};
  try {
    return JSON.parse(localStorage.getItem(key) || "{}") || {};
  } catch {
    return {};
  }
}

function writePending(key, pending) {
  if (!key) return;
  try {
    if (Object.keys(pending).length) localStorage.setItem(key, JSON.stringify(pending));
    else localStorage.removeItem(key);
  } catch {
    // Storage off or full: the answer is still sent while online.
  }
}

export async function render(ctx) {
  const token = ctx.params.token;
  opened = ctx;
  showScreen(_("Your ballot"));
  const [key, result] = await Promise.all([pendingKey(token), ballotRequest("GET", token)]);
  if (!ctx.isCurrent()) return;
  if (result.status === 404) {
    shown = null;
    writePending(key, {}); // a revoked link's answers can never be sent
    return showScreen(_("This link does not work"), h("p", null, _("Please ask the people who invited you for a new link.")));
  }
  if (!result.ok) {
    shown = null;
    const waiting = Object.keys(readPending(key)).length;
    return showScreen(
      _("Your ballot"),
      problem(result),
      waiting ? h("p", { class: "notice" }, ngettext("{count} answer is saved on this phone and will be sent.", "{count} answers are saved on this phone and will be sent.", waiting)) : null,
    );
  }
  const ballot = result.data;
  // The page speaks the panellist's language (and runs right to left in Arabic and Persian);
  // switching re-renders this screen.
  if (ballot.language && ballot.language !== locale() && (await useLocale(ballot.language))) return;
  drawBallot(ctx, token, key, ballot);
}

function drawBallot(ctx, token, key, ballot) {
  const round = ballot.round;
  const title = ballot.study.title;
  if (!round) {
    shown = null;
    return showScreen(title, h("p", { class: "notice" }, _("There is no round to answer yet. You will get an e-mail when the first round opens.")));
  }
  const state = { ctx, token, key, ballot, rows: new Map(), open: round.open, isCurrent: ctx.isCurrent };
  shown = state;
  // A closed round takes nothing more, and a statement the round no longer asks neither.
  const asked = new Set(ballot.statements.map((statement) => statement.id));
  const pending = round.open ? Object.fromEntries(Object.entries(readPending(key)).filter(([id]) => asked.has(id))) : {};
  writePending(key, pending);
  const intro = [
    h("p", { class: "meta", "data-round": String(round.number) }, _("Round {number}", { number: formatNumber(round.number) })),
    round.open
      ? h("p", null, _("Rate each statement from {min} (do not agree at all) to {max} (fully agree). Each answer is saved as you give it.", { min: formatNumber(ballot.study.scale.min), max: formatNumber(ballot.study.scale.max) }))
      : h("p", { class: "notice", "data-closed": "true" }, _("This round is closed")),
    scaleLegend(ballot.study),
    h("p", { class: "meta", "data-rule": ballot.study.consensus.kind }, consensusRule(ballot.study.consensus)),
  ];
  const themes = new Map();
  for (const statement of ballot.statements) {
    const theme = statement.theme || "";
    if (!themes.has(theme)) themes.set(theme, []);
    themes.get(theme).push(statement);
  }
  const sections = [];
  for (const [theme, statements] of themes) {
    sections.push(
      h(
        "section",
        { class: "ballot-theme" },
        theme ? h("h2", null, theme) : null,
        h("ol", { class: "list" }, statements.map((statement) => statementRow(state, statement, pending[statement.id]))),
      ),
    );
  }
  const proposing = proposalBox(state);
  showScreen(title, intro, sections.length ? sections : h("p", { class: "meta" }, _("This round asks no statements.")), proposing);
  if (round.open) sendWaiting(state);
}

// What each point of the scale means, in the panellist's language, when the study says.
function scaleLegend(study) {
  const labels = study.scale_labels || [];
  if (!labels.length) return null;
  return h(
    "dl",
    { class: "scale-legend", "aria-label": _("What the points of the scale mean") },
    labels.map((label, index) => [h("dt", null, formatNumber(study.scale.min + index)), h("dd", null, label)]),
  );
}

// The consensus rule, fixed before the first round, in words: the panel knows when it agrees.
function consensusRule(rule) {
  const numbers = Object.fromEntries(Object.entries(rule).filter(([name]) => name !== "kind").map(([name, value]) => [name, formatNumber(value)]));
  if (rule.kind === "percent") {
    return _("The panel agrees on a statement when at least {threshold} % rate it {agree_from} or higher and fewer than {max_opposite} % rate it {disagree_to} or lower; it disagrees the other way round. A statement the panel agrees or disagrees on leaves the next rounds.", numbers);
  }
  return _("The panel agrees on a statement when the middle half of the ratings lies within {max_iqr} points and the median is {agree_from} or higher; it disagrees when the median is {disagree_to} or lower. A statement the panel agrees or disagrees on leaves the next rounds.", numbers);
}

function statementRow(state, statement, waiting) {
  const { min, max } = state.ballot.study.scale;
  const answer = {
    rating: waiting ? waiting.rating : statement.my_rating,
    comment: waiting ? (waiting.comment ?? statement.my_comment ?? "") : statement.my_comment ?? "",
  };
  const textId = `statement-${statement.id}`;
  const status = h("p", { class: "ballot-status", "aria-live": "polite" });
  const feedback = h("div");
  const buttons = [];
  for (let point = min; point <= max; point++) {
    const button = h(
      "button",
      {
        type: "button",
        class: "scale-point",
        "aria-pressed": String(answer.rating === point),
        "aria-label": pointLabel(state.ballot.study, point),
        disabled: !state.open,
        onclick: () => give(state, row, { ...row.answer, rating: point }),
      },
      formatNumber(point),
    );
    buttons.push(button);
  }
  const takeBack = h("button", { type: "button", class: "secondary", hidden: !state.open || answer.rating == null, onclick: () => give(state, row, { ...row.answer, rating: null }) }, _("Take my rating back"));
  const comment = h("textarea", { rows: "2", maxlength: "4000", disabled: !state.open }, answer.comment);
  comment.addEventListener("change", () => give(state, row, { ...row.answer, comment: comment.value }));
  const commentId = `comment-${statement.id}`;
  comment.id = commentId;
  const text = h("p", { class: "ballot-text", id: textId, lang: statement.text_language, dir: "auto" }, statement.text);
  const element = h(
    "li",
    { class: "card ballot-statement", "data-statement": statement.id },
    text,
    statement.fallback ? h("p", { class: "meta" }, _("Not translated yet")) : null,
    statement.previous ? previousRound(state, statement.previous) : null,
    h("div", { class: "scale", role: "group", "aria-labelledby": textId }, buttons),
    h("div", { class: "split" }, status, takeBack),
    h("div", { class: "field" }, h("label", { for: commentId }, _("Your comment (optional)")), comment),
    feedback,
  );
  const row = { statement, answer, buttons, takeBack, status, feedback, element };
  state.rows.set(statement.id, row);
  showState(row, waiting ? "waiting" : answer.rating != null || answer.comment ? "saved" : "none");
  return element;
}

function pointLabel(study, point) {
  const label = (study.scale_labels || [])[point - study.scale.min];
  const name = _("{point} of {max}", { point: formatNumber(point), max: formatNumber(study.scale.max) });
  return label ? `${name}: ${label}` : name;
}

// The group's answers in the round before: a bar per point of the scale, the median and the
// quartiles, the panellist's own rating marked, and the others' comments without names.
function previousRound(state, previous) {
  const figures =
    previous.median == null
      ? _("Nobody rated this statement in the last round.")
      : ngettext("{count} answer: median {median}, middle half from {q1} to {q3}.", "{count} answers: median {median}, middle half from {q1} to {q3}.", previous.n, {
          median: formatNumber(previous.median),
          q1: formatNumber(previous.q1),
          q3: formatNumber(previous.q3),
        });
  return h(
    "details",
    { class: "previous", open: true },
    h("summary", null, _("What the group answered last round")),
    h("p", { "data-figures": "true" }, figures),
    distributionChart(state.ballot.study.scale, previous.distribution, previous.my_rating),
    previous.comments.length
      ? [h("h3", null, _("Comments of others")), h("ul", { class: "comments" }, previous.comments.map((text) => h("li", { class: "post", dir: "auto" }, text)))]
      : null,
  );
}

function showState(row, kind) {
  row.status.dataset.state = kind;
  if (kind === "saved") row.status.replaceChildren(icon("check"), h("span", null, _("Saved")));
  else if (kind === "waiting") row.status.replaceChildren(icon("phone"), h("span", null, _("Saved on this phone, will be sent")));
  else if (kind === "sending") row.status.replaceChildren(icon("clock"), h("span", null, _("Sending…")));
  else row.status.replaceChildren();
}

// An answer given: kept on the phone first, then sent; the phone's copy goes once the server has it.
function give(state, row, answer) {
  if (!state.open) return;
  row.answer = answer;
  row.buttons.forEach((button, index) => button.setAttribute("aria-pressed", String(state.ballot.study.scale.min + index === answer.rating)));
  row.takeBack.hidden = answer.rating == null;
  const pending = readPending(state.key);
  pending[row.statement.id] = answer;
  writePending(state.key, pending);
  send(state, row.statement.id);
}

// One request at a time for each thing sent (a statement's answer, the list of proposals): two
// on their way together may reach the server in either order, and the older answer, taken last,
// would undo the newer one (a comment typed just after a rating was lost so). A call made while
// one is on its way sends once more after it, with what is newest then.
function oneAtATime(holder, sendNewest) {
  if (holder.sending) {
    holder.again = true;
    return holder.sending;
  }
  holder.sending = (async () => {
    try {
      do {
        holder.again = false;
        await sendNewest();
      } while (holder.again);
    } finally {
      holder.sending = null;
    }
  })();
  return holder.sending;
}

function send(state, statementId) {
  const row = state.rows.get(statementId);
  showState(row, "sending");
  row.feedback.replaceChildren();
  return oneAtATime(row, () => sendAnswer(state, row));
}

async function sendAnswer(state, row) {
  const statementId = row.statement.id;
  const answer = row.answer;
  const result = await ballotRequest("PUT", state.token, { ratings: [{ statement_id: statementId, rating: answer.rating, comment: answer.comment }] });
  if (shown !== state) return;
  if (result.offline || result.status >= 500 || result.status === 429) {
    showState(row, "waiting");
    return;
  }
  const pending = readPending(state.key);
  if (result.ok || result.status === 422) {
    // Only this answer leaves the phone: a newer one given meanwhile still waits.
    if (pending[statementId] === undefined || JSON.stringify(pending[statementId]) === JSON.stringify(answer)) {
      delete pending[statementId];
      writePending(state.key, pending);
    }
  }
  if (result.ok) {
    if (row.answer === answer) showState(row, "saved");
    return;
  }
  if (result.status === 409) {
    writePending(state.key, {});
    announce(_("This round is closed"));
    return state.ctx.refresh();
  }
  if (result.status === 404) return state.ctx.refresh();
  showState(row, "none");
  row.feedback.replaceChildren(problem(result));
  announce(problemText(result));
}

// Every answer still on the phone, one after the other (on open and when the phone is back online).
async function sendWaiting(state) {
  for (const statementId of Object.keys(readPending(state.key))) {
    if (shown !== state || !state.rows.has(statementId)) continue;
    await send(state, statementId);
  }
}

// The first round's open question: statements the panellist proposes, kept with their ballot
// as their ratings are (nobody sees who proposed what). The whole list is sent each time, so a
// retry changes nothing; a list not sent waits on the phone like an answer.
function proposalsKey(state) {
  return state.key ? `${state.key}.proposals` : null;
}

function waitingProposals(state) {
  const key = proposalsKey(state);
  if (!key) return null;
  try {
    const stored = JSON.parse(localStorage.getItem(key) || "null");
    return Array.isArray(stored) ? stored : null;
  } catch {
    return null;
  }
}

function keepProposals(state, list) {
  const key = proposalsKey(state);
  if (!key) return;
  try {
    if (list) localStorage.setItem(key, JSON.stringify(list));
    else localStorage.removeItem(key);
  } catch {
    // Storage off or full: the list is still sent while online.
  }
}

const PROPOSAL_STATUSES = { pending: N_("Waiting for the facilitators"), accepted: N_("Added to the next round"), dismissed: N_("Not taken up") };

function proposalBox(state) {
  const { proposals } = state.ballot;
  if (!proposals || (!proposals.open && !proposals.mine.length)) return null;
  const open = proposals.open && state.open;
  if (!open) keepProposals(state, null);
  const waiting = open ? waitingProposals(state) : null;
  const decided = proposals.mine.filter((item) => item.status !== "pending");
  state.proposals = waiting || proposals.mine.filter((item) => item.status === "pending").map(({ text, comment }) => ({ text, comment }));
  const list = h("ul", { class: "list proposals" });
  const status = h("p", { class: "ballot-status", "aria-live": "polite" });
  const feedback = h("div");
  const box = { list, status, feedback, decided };
  state.proposalBox = box;
  const text = h("textarea", { id: "proposal-text", rows: "3", maxlength: "2000", required: true });
  const comment = h("textarea", { id: "proposal-comment", rows: "2", maxlength: "4000" });
  const form = open
    ? h(
        "form",
        {
          class: "card",
          onsubmit: (event) => {
            event.preventDefault();
            const proposed = text.value.trim();
            if (!proposed) return text.focus();
            if (state.proposals.length >= 10) {
              feedback.replaceChildren(h("p", { class: "notice" }, _("You can propose up to {count} statements.", { count: formatNumber(10) })));
              return;
            }
            state.proposals = [...state.proposals.filter((item) => item.text !== proposed), { text: proposed, comment: comment.value.trim() || null }];
            text.value = "";
            comment.value = "";
            sendProposals(state);
          },
        },
        h("div", { class: "field" }, h("label", { for: "proposal-text" }, _("A statement you propose")), text),
        h("div", { class: "field" }, h("label", { for: "proposal-comment" }, _("Why (optional)")), comment),
        h("button", { type: "submit" }, _("Propose")),
      )
    : null;
  drawProposals(state, open);
  if (waiting) sendProposals(state);
  return h(
    "section",
    { class: "ballot-proposals", "aria-labelledby": "proposals-heading" },
    h("h2", { id: "proposals-heading" }, _("Propose a statement")),
    open ? h("p", null, _("In this first round you can propose statements for the panel to rate. The facilitators may add them to the next round. Nobody sees who proposed them.")) : null,
    list,
    h("div", { class: "split" }, status),
    feedback,
    form,
  );
}

function drawProposals(state, open) {
  const box = state.proposalBox;
  const pending = state.proposals.map((item) =>
    h(
      "li",
      { class: "card", "data-proposal": "pending" },
      h("p", { dir: "auto" }, item.text),
      item.comment ? h("p", { class: "meta", dir: "auto" }, item.comment) : null,
      h("p", { class: "meta" }, _(PROPOSAL_STATUSES.pending)),
      open
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                state.proposals = state.proposals.filter((other) => other !== item);
                sendProposals(state);
              },
            },
            _("Take it back"),
          )
        : null,
    ),
  );
  const decided = box.decided.map((item) =>
    h("li", { class: "card", "data-proposal": item.status }, h("p", { dir: "auto" }, item.text), h("p", { class: "meta" }, _(PROPOSAL_STATUSES[item.status]))),
  );
  box.list.replaceChildren(...pending, ...decided);
}

function sendProposals(state) {
  const box = state.proposalBox;
  keepProposals(state, state.proposals);
  drawProposals(state, true);
  box.feedback.replaceChildren();
  box.status.replaceChildren(icon("clock"), h("span", null, _("Sending…")));
  return oneAtATime(box, () => putProposals(state, box));
}

async function putProposals(state, box) {
  const sent = state.proposals;
  const result = await ballotRequest("PUT", state.token, { ratings: [], proposals: sent });
  if (shown !== state) return;
  if (result.offline || result.status >= 500 || result.status === 429) {
    box.status.replaceChildren(icon("phone"), h("span", null, _("Saved on this phone, will be sent")));
    return;
  }
  if (state.proposals === sent) keepProposals(state, null);
  if (result.ok) {
    if (state.proposals === sent) box.status.replaceChildren(icon("check"), h("span", null, _("Saved")));
    return;
  }
  box.status.replaceChildren();
  if (result.status === 409 || result.status === 404) return state.ctx.refresh();
  box.feedback.replaceChildren(problem(result));
  announce(problemText(result));
}

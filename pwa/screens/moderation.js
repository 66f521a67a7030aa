// The moderation screen (youth workers, admins): the queue of posts waiting for approval and of
// reported posts, urgent ones (someone may be in danger) first; decisions on the post, its author
// and its topic, each with a reason the log keeps; and the moderation log itself.

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, N_, formatDate, ngettext } from "../i18n.js";
import { confirmAction, loadMoreButton, problem, problemText } from "./common.js";
import { postBody } from "./forum.js";

const REASON_LABELS = {
  bullying: N_("Bullying or threats"),
  hate: N_("Hate or discrimination"),
  safety: N_("Someone may be in danger"),
  personal_information: N_("Shares personal information"),
  spam: N_("Spam or advertising"),
};

// Every action the log holds, as the filter offers them.
const ACTION_LABELS = {
  approve: N_("Approved"),
  hide: N_("Hidden"),
  restore: N_("Restored"),
  pin: N_("Pinned"),
  unpin: N_("Unpinned"),
  lock: N_("Locked"),
  unlock: N_("Unlocked"),
  mute: N_("Muted"),
  suspend: N_("Suspended"),
  reinstate: N_("Reinstated"),
};

const TOPIC_DONE = {
  pin: N_("The topic is pinned."),
  unpin: N_("The topic is no longer pinned."),
  lock: N_("The topic is locked."),
  unlock: N_("The topic is open again."),
};

function byline(post) {
  const name = post.author?.display_name || _("former member");
  return _("{name} · {date}", { name, date: formatDate(post.created_at) });
}

function reasonText(code) {
  return REASON_LABELS[code] ? _(REASON_LABELS[code]) : code;
}

function actionText(code) {
  return ACTION_LABELS[code] ? _(ACTION_LABELS[code]) : code;
}

// A row of buttons with a visible name, so each group is announced for what it acts on.
function actionGroup(id, label, buttons) {
  return h("div", { role: "group", "aria-labelledby": id }, h("p", { class: "meta", id }, label), buttons);
}

// Pin and lock act on the topic: offered on its first post only, in the state the topic is in now.
function topicActions(item, topic) {
  const { post } = item;
  const state = { pinned: topic.is_pinned, locked: topic.is_locked };
  const pin = h("button", { type: "button", class: "secondary" });
  const lock = h("button", { type: "button", class: "secondary" });
  const show = () => {
    pin.textContent = state.pinned ? _("Unpin") : _("Pin");
    lock.textContent = state.locked ? _("Unlock") : _("Lock");
  };
  const decide = async (action) => {
    const result = await api("POST", `/api/v1/moderation/topics/${post.topic_id}`, { action });
    if (!result.ok) return announce(problemText(result));
    state.pinned = result.data.is_pinned;
    state.locked = result.data.is_locked;
    show();
    announce(_(TOPIC_DONE[action]));
  };
  pin.addEventListener("click", () => decide(state.pinned ? "unpin" : "pin"));
  lock.addEventListener("click", () => decide(state.locked ? "unlock" : "lock"));
  show();
  return actionGroup(`topic-actions-${post.id}`, _("The topic"), h("div", { class: "actions" }, pin, lock));
}

function queueItem(ctx, item, topic) {
  const { post } = item;
  const reason = h("textarea", { name: "reason", rows: "2", maxlength: "1000" });
  const feedback = h("div", { "aria-live": "polite" });
  const needsReason = () => {
    if (reason.value.trim()) return false;
    feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write the reason first: the member and the moderation log see it.")));
    reason.focus();
    return true;
  };
  const decide = async (action) => {
    if (action === "hide" && needsReason()) return;
    const result = await api("POST", `/api/v1/moderation/posts/${post.id}`, { action, reason: reason.value.trim() });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    announce(action === "approve" ? _("The post is approved.") : _("The post is hidden."));
    ctx.refresh();
  };
  const decideOnMember = async (action) => {
    if (needsReason()) return;
    const result = await api("POST", `/api/v1/moderation/users/${post.author.id}`, { action, reason: reason.value.trim() });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    feedback.replaceChildren();
    const name = post.author.display_name || _("former member");
    announce(action === "mute" ? _("{name} is muted for 24 hours.", { name }) : _("{name} is suspended and signed out.", { name }));
    ctx.refresh();
  };
  // A suspension signs the member out at once: one more press, so a slip of the thumb does not.
  const memberButtons = h("div", { class: "actions" });
  const offerMemberActions = () =>
    memberButtons.replaceChildren(
      h("button", { type: "button", class: "secondary", onclick: () => decideOnMember("mute") }, _("Mute for 24 hours")),
      h("button", { type: "button", class: "secondary", onclick: () => {
        if (needsReason()) return;
        const confirm = h("button", { type: "button", class: "danger", onclick: () => decideOnMember("suspend") }, _("Yes, suspend"));
        memberButtons.replaceChildren(
          h("p", null, _("Suspend {name}? They are signed out at once and cannot sign in until reinstated.", { name: post.author.display_name || _("former member") })),
          confirm,
          h("button", { type: "button", class: "secondary", onclick: () => { offerMemberActions(); memberButtons.lastElementChild.focus(); } }, _("Cancel")),
        );
        confirm.focus();
      } }, _("Suspend")),
    );
  offerMemberActions();
  const isOwn = post.author?.id === ctx.user.id;
  const reports = item.reports || [];
  return h(
    "li",
    { class: item.urgent ? "card urgent" : "card", "data-post": post.id, "data-urgent": item.urgent ? "true" : null },
    item.urgent ? h("p", { class: "error urgent-label" }, icon("conflict"), h("span", null, _("Urgent: someone may need help."))) : null,
    h("p", { class: "title" }, item.topic_title),
    h("p", { class: "meta" }, byline(post)),
    post.status === "pending" ? h("p", { class: "meta" }, _("Waiting for a youth worker's approval.")) : null,
    postBody(post),
    reports.map((report) =>
      h("p", { class: "meta", "data-reason": report.reason }, ngettext("Reported {count} time: {reason}", "Reported {count} times: {reason}", report.count, { reason: reasonText(report.reason) }))),
    field(_("Reason (shown in the moderation log)"), reason, _("Needed to hide, mute or suspend; the member sees it too.")),
    feedback,
    actionGroup(`post-actions-${post.id}`, _("The post"), h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => decide("approve") }, _("Approve")),
      h("button", { type: "button", class: "danger", onclick: () => decide("hide") }, _("Hide")))),
    post.author?.id && !isOwn ? actionGroup(`member-actions-${post.id}`, _("The member"), memberButtons) : null,
    topic?.posts?.items?.[0]?.id === post.id ? topicActions(item, topic) : null,
  );
}

// The topics of a page of the queue, read once each, to know which item opens its topic.
async function topicsOf(items) {
  const ids = [...new Set(items.map((item) => item.post.topic_id))];
  const answers = await Promise.all(ids.map((id) => api("GET", `/api/v1/forum/topics/${id}?limit=1`)));
  return new Map(ids.map((id, index) => [id, answers[index].ok ? answers[index].data : null]));
}

const QUEUE = "/api/v1/moderation/queue";
const URGENT_QUEUE = `${QUEUE}?urgent=true&limit=100`;

async function queueSection(ctx) {
  // Urgent reports first, in full; then the whole queue, without what is already shown.
  const [urgent, all] = await Promise.all([api("GET", URGENT_QUEUE), api("GET", QUEUE)]);
  const shown = new Set();
  const fresh = (items, isUrgent) =>
    items
      .filter((item) => {
        if (shown.has(item.post.id)) return false;
        shown.add(item.post.id);
        return true;
      })
      .map((item) => (isUrgent ? { ...item, urgent: true } : item));
  const urgentItems = urgent.ok ? fresh(urgent.data.items, true) : [];
  const otherItems = all.ok ? fresh(all.data.items, false) : [];
  const topics = await topicsOf([...urgentItems, ...otherItems]);
  const draw = (items, pageTopics) => items.map((item) => queueItem(ctx, item, pageTopics.get(item.post.topic_id)));
  // One list of the queue with its own "Load more", which skips what another list shows.
  const queueList = (labelledBy, items, cursor, path, isUrgent) => {
    const list = h("ul", { class: "list", "aria-labelledby": labelledBy }, draw(items, topics));
    const more = loadMoreButton(list, cursor, async (after) => {
      const result = await api("GET", `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(after)}`);
      if (!result.ok) return { result };
      const page = fresh(result.data.items, isUrgent);
      return { result, nodes: draw(page, await topicsOf(page)), next: result.data.next_cursor };
    }, labelledBy);
    return [list, more];
  };
  const hasMore = all.ok && all.data.next_cursor;
  return h(
    "section",
    { "aria-labelledby": "queue-title" },
    h("h2", { id: "queue-title" }, _("Waiting for you")),
    urgent.ok ? null : problem(urgent),
    all.ok ? null : problem(all),
    urgentItems.length
      ? [
          h("h3", { id: "urgent-title", class: "urgent-label" }, icon("conflict"), h("span", null, ngettext("{count} urgent report", "{count} urgent reports", urgentItems.length))),
          queueList("urgent-title", urgentItems, urgent.data.next_cursor, URGENT_QUEUE, true),
        ]
      : null,
    otherItems.length || hasMore
      ? [
          urgentItems.length ? h("h3", { id: "others-title" }, _("Waiting and reported")) : null,
          queueList(urgentItems.length ? "others-title" : "queue-title", otherItems, all.data.next_cursor, QUEUE, false),
        ]
      : null,
    !urgentItems.length && !otherItems.length && !hasMore && urgent.ok && all.ok ? h("p", { class: "meta" }, _("Nothing waits for you. Thank you!")) : null,
  );
}

function logEntry(entry) {
  const who = entry.moderator_name || _("former member");
  const restore = async (event) => {
    const button = event.currentTarget;
    const result = await api("POST", `/api/v1/moderation/posts/${entry.post_id}`, { action: "restore", reason: "" });
    if (!result.ok) return announce(problemText(result));
    button.remove();
    announce(_("The post is visible again."));
  };
  return h(
    "li",
    { class: "card", "data-action": entry.action },
    h("p", { class: "title" }, _("{action} by {name}", { action: actionText(entry.action), name: who })),
    h("p", { class: "meta" }, h("time", { datetime: entry.created_at }, formatDate(entry.created_at))),
    entry.until ? h("p", { class: "meta" }, _("Until {date}", { date: formatDate(entry.until) })) : null,
    h("p", { class: "post", dir: "auto" }, entry.reason ? _("Why: {reason}", { reason: entry.reason }) : _("No reason given.")),
    entry.action === "hide" && entry.post_id ? h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: restore }, _("Restore the post"))) : null,
    (entry.action === "mute" || entry.action === "suspend") && entry.member_id ? h("div", { class: "actions" }, liftButton(entry)) : null,
  );
}

// Lifting a mute or a suspension early: "reinstate" ends both, confirmed first.
function liftButton(entry) {
  const muted = entry.action === "mute";
  const lift = async (event) => {
    const button = event.currentTarget;
    const sure = await confirmAction(
      muted ? _("Unmute this member?") : _("Reinstate this member?"),
      muted ? _("They can post again at once.") : _("They can sign in again at once."),
      muted ? _("Yes, unmute") : _("Yes, reinstate"),
    );
    if (!sure) return;
    const result = await api("POST", `/api/v1/moderation/users/${entry.member_id}`, { action: "reinstate", reason: "" });
    if (!result.ok) return announce(problemText(result));
    button.remove();
    announce(muted ? _("The member can post again.") : _("The member can sign in again."));
  };
  return h("button", { type: "button", class: "secondary", onclick: lift }, muted ? _("Unmute") : _("Reinstate"));
}

async function logSection() {
  const filter = h("select", { name: "action" }, new Option(_("All actions"), ""), Object.keys(ACTION_LABELS).map((code) => new Option(actionText(code), code)));
  const results = h("div");
  const url = (cursor) => {
    const query = new URLSearchParams();
    if (filter.value) query.set("action", filter.value);
    if (cursor) query.set("cursor", cursor);
    return `/api/v1/moderation/log?${query}`;
  };
  const show = async (event) => {
    const result = await api("GET", url());
    if (!result.ok) return results.replaceChildren(problem(result));
    const items = result.data.items || [];
    // A new filter: say how many are listed rather than reading the whole list out.
    if (event) announce(ngettext("{count} decision listed.", "{count} decisions listed.", items.length));
    if (!items.length) return results.replaceChildren(h("p", { class: "meta" }, _("No decisions yet.")));
    const list = h("ul", { class: "list" }, items.map((entry) => logEntry(entry)));
    const more = loadMoreButton(list, result.data.next_cursor, async (cursor) => {
      const page = await api("GET", url(cursor));
      return page.ok ? { result: page, nodes: page.data.items.map((entry) => logEntry(entry)), next: page.data.next_cursor } : { result: page };
    }, "log-title");
    results.replaceChildren(...[list, more].filter(Boolean));
  };
  filter.addEventListener("change", show);
  await show();
  return h("section", { "aria-labelledby": "log-title" }, h("h2", { id: "log-title" }, _("Moderation log")), field(_("Filter by action"), filter), results);
}

export async function render(ctx) {
  const [queue, log] = await Promise.all([queueSection(ctx), logSection()]);
  if (!ctx.isCurrent()) return;
  showScreen(_("Moderation queue"), queue, log);
}

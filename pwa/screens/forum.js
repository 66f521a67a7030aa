// The Migrant Youth Network forum: categories, a category's topics, and a topic with its posts,
// where a member can react, reply (the box at the end of the topic), and, from a post's menu,
// edit their own post for a while, report a post to the youth workers, or block someone. Long
// lists come a page at a time ("Load more" follows next_cursor).

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, N_, formatDate, formatNumber, locale, ngettext } from "../i18n.js";
import { backLink, loadMoreButton, problem, problemText } from "./common.js";

// Labels of the server's report reasons, in the order the form offers them.
const REPORT_REASONS = {
  bullying: N_("Bullying or threats"),
  hate: N_("Hate or discrimination"),
  safety: N_("Someone may be in danger"),
  personal_information: N_("Shares personal information"),
  spam: N_("Spam or advertising"),
};

// The reactions the server knows, in its order, with the symbol drawn for each (on a 24-unit grid,
// as the app's icons: an emoji would depend on the phone's fonts).
const REACTIONS = {
  thumbs_up: { path: "M1 21h4V9H1zm22-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.4-1L14.2 1 7.6 7.6A2 2 0 0 0 7 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7z", label: N_("Thumbs up") },
  heart: { path: "M12 21.4l-1.5-1.3C5.4 15.4 2 12.3 2 8.5 2 5.4 4.4 3 7.5 3c1.7 0 3.4.8 4.5 2.1C13.1 3.8 14.8 3 16.5 3 19.6 3 22 5.4 22 8.5c0 3.8-3.4 6.9-8.5 11.5z", label: N_("Heart") },
};

function reactionSymbol(path) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "icon");
  const shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}

// "5 min ago" in the reader's language (CLDR's own plural rules, through Intl), the exact time
// in the title and in datetime for assistive technology and for copying.
const AGO_UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

export function timeAgo(value, now = Date.now()) {
  // A phone whose clock is a little behind the server's says "now", not "in 1 minute".
  const seconds = Math.min(0, (new Date(value) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: "auto", style: "short" });
  for (const [unit, size] of AGO_UNITS) {
    if (-seconds >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, "second");
}

function when(value) {
  return h("time", { datetime: value, title: formatDate(value) }, timeAgo(value));
}

// A translated line with a node in the place of {date}: the words stay the translator's, in their order.
const SLOT = "\uE000";
function withTime(template, params, value) {
  const [before, after = ""] = _(template, { ...params, date: SLOT }).split(SLOT);
  return [before, when(value), after];
}

// Who started a topic, when it last moved, and how many replies it has.
function topicMeta(topic) {
  const replies = ngettext("{count} reply", "{count} replies", topic.reply_count || 0);
  return withTime("{name} · {date} · {replies}", { name: authorName(topic.author), replies }, topic.last_post_at);
}

// What the reader has not read yet: a topic never opened, or the replies since their last visit.
function unreadMarker(topic) {
  if (topic.last_read_at === null) return h("span", { class: "unread" }, _("Unread"));
  if (topic.unread_replies > 0) return h("span", { class: "unread" }, ngettext("{count} new reply", "{count} new replies", topic.unread_replies));
  return null;
}

function authorName(author) {
  return author?.display_name || _("former member");
}

// body_html is cleaned by the server (nh3) to these elements; it is still never given to
// innerHTML: the parsed tree is walked and only these are made again, links checked once more.
const POST_ELEMENTS = new Set(["P", "BR", "A", "UL", "OL", "LI", "EM", "STRONG"]);
const DROPPED_WITH_CONTENT = new Set(["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT"]);
const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
const LINK_REL = "nofollow ugc noopener noreferrer";

function linkTarget(href) {
  try {
    const url = new URL(href || ""); // relative addresses throw: only absolute ones are links
    return LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function rebuild(node) {
  if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE || DROPPED_WITH_CONTENT.has(node.tagName)) return null;
  const children = [...node.childNodes].map(rebuild);
  // Anything outside the allow-list keeps its text but loses its element.
  if (!POST_ELEMENTS.has(node.tagName)) return children;
  if (node.tagName === "A") {
    const href = linkTarget(node.getAttribute("href"));
    return href ? h("a", { href, rel: LINK_REL, target: "_blank" }, children) : children;
  }
  return h(node.tagName.toLowerCase(), null, children);
}

// The post as its author formatted it: also the moderation queue shows it this way.
export function postBody(post) {
  const attributes = { lang: post.language || null, dir: "auto" };
  if (!post.body_html || typeof DOMParser === "undefined") return h("p", { class: "post", ...attributes }, post.body);
  // A parsed document is inert: its scripts never run and its images never load.
  const parsed = new DOMParser().parseFromString(post.body_html, "text/html");
  return h("div", { class: "post rich", ...attributes }, [...parsed.body.childNodes].map(rebuild));
}

export async function render(ctx) {
  const { path } = ctx.params;
  if (path.startsWith("forum/c/")) return renderCategory(ctx, ctx.params.id);
  if (path.startsWith("forum/t/")) return renderTopic(ctx, ctx.params.id);
  return renderCategories(ctx);
}

async function renderCategories(ctx) {
  const result = await api("GET", "/api/v1/forum/categories");
  if (!ctx.isCurrent()) return;
  const items = result.ok ? result.data.items || [] : [];
  // Where several platforms show (an admin sees every country's "Meet and talk"), each category says whose it is.
  const labelled = new Set(items.map((category) => category.platform)).size > 1;
  showScreen(
    _("Forum"),
    h("p", null, _("The Migrant Youth Network: talk with young people in your country and across Europe. Youth workers keep it safe.")),
    result.ok ? null : problem(result),
    items.length
      ? h("ul", { class: "list" }, items.map((category) =>
          h("li", { class: "card" }, h("a", { href: `#/forum/c/${category.id}`, class: "row" }, h("span", { class: "grow" }, h("span", { class: "title" }, category.name), labelled ? h("span", { class: "platform-label" }, category.platform_name) : null, h("span", { class: "meta" }, category.description)), icon("forward")))))
      : result.ok ? h("p", { class: "meta" }, _("No categories yet.")) : null,
  );
}

async function renderCategory(ctx, categoryId) {
  const [categories, topics] = await Promise.all([
    api("GET", "/api/v1/forum/categories"),
    api("GET", `/api/v1/forum/topics?category=${encodeURIComponent(categoryId)}`),
  ]);
  if (!ctx.isCurrent()) return;
  const category = categories.ok ? (categories.data.items || []).find((item) => item.id === categoryId) : null;
  const title = h("input", { type: "text", name: "title", maxlength: "200", required: true });
  const body = h("textarea", { name: "body", rows: "5", maxlength: "10000", required: true });
  const feedback = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "new-topic-title" },
    h("h2", { id: "new-topic-title" }, _("Start a new topic")),
    field(_("Title"), title),
    field(_("Message"), body, _("Be kind. Do not share addresses, phone numbers or where you live.")),
    feedback,
    h("button", { type: "submit" }, _("New topic")),
  );
  // One id per topic, kept across retries: if the answer was lost, the server sees the same id
  // and returns the topic it already stored instead of making a second one.
  let topicId = crypto.randomUUID();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!title.value.trim() || !body.value.trim()) {
      feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write a title and a message.")));
      return;
    }
    const result = await api("POST", "/api/v1/forum/topics", { id: topicId, category_id: categoryId, title: title.value.trim(), body: body.value, language: locale() });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    if (result.data.status === "pending") {
      announce(_("Thank you. A youth worker will look at your topic before others see it."));
      title.value = body.value = "";
      topicId = crypto.randomUUID(); // the form is empty again: the next topic is a new one
      return;
    }
    announce(_("Your topic is published."));
    ctx.navigate(`#/forum/t/${result.data.id}`);
  });
  const items = topics.ok ? topics.data.items || [] : [];
  const list = h("ul", { class: "list" }, items.map(topicItem));
  const topicsUrl = `/api/v1/forum/topics?category=${encodeURIComponent(categoryId)}`;
  const more = loadMoreButton(list, topics.ok ? topics.data.next_cursor : null, async (cursor) => {
    const result = await api("GET", `${topicsUrl}&cursor=${encodeURIComponent(cursor)}`);
    return result.ok ? { result, nodes: result.data.items.map(topicItem), next: result.data.next_cursor } : { result };
  });
  showScreen(
    category ? category.name : _("Forum"),
    backLink("#/forum", _("All categories")),
    category?.platform_name ? h("p", { class: "platform-label" }, category.platform_name) : null,
    category?.description ? h("p", null, category.description) : null,
    topics.ok ? null : problem(topics),
    items.length ? [list, more] : topics.ok ? h("p", { class: "meta" }, _("No topics yet. Start the first one.")) : null,
    form,
  );
}

function topicItem(topic) {
  const unread = unreadMarker(topic);
  return h("li", { class: unread ? "card has-unread" : "card" }, h("a", { href: `#/forum/t/${topic.id}`, class: "row" }, h("span", { class: "grow" },
    h("span", { class: "title" }, topic.title),
    h("span", { class: "meta" }, topicMeta(topic)), unread), icon("forward")));
}

function block(authorId) {
  return api("POST", "/api/v1/forum/blocks", { user_id: authorId });
}

function reportForm(ctx, post, onDone) {
  // The reasons the server takes (every one we have a label for when it is not known offline).
  const known = ctx.vocabularies?.report_reasons;
  const reasons = Object.entries(REPORT_REASONS).filter(([code]) => !known || known.includes(code));
  const reason = h("select", { name: "reason" }, reasons.map(([code, label]) => new Option(_(label), code)));
  const comment = h("textarea", { name: "comment", rows: "3", maxlength: "1000" });
  const feedback = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card", novalidate: true },
    field(_("What is wrong?"), reason),
    field(_("Anything the youth workers should know (optional)"), comment),
    feedback,
    h("div", { class: "actions" }, h("button", { type: "submit" }, _("Send report")), h("button", { type: "button", class: "secondary", onclick: () => onDone(false) }, _("Cancel"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("POST", `/api/v1/forum/posts/${post.id}/flags`, { reason: reason.value, comment: comment.value });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    announce(_("Thank you. The youth workers will look at it."));
    onDone(true);
  });
  return form;
}

// The author's own post, while the edit window is open: the text in place of the post, saved with PATCH.
function editForm(ctx, post, item) {
  const body = h("textarea", { name: "body", rows: "5", maxlength: "10000", required: true }, post.body);
  const feedback = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { novalidate: true },
    field(_("Edit your post"), body),
    feedback,
    h("div", { class: "actions" },
      h("button", { type: "submit" }, _("Save changes")),
      h("button", { type: "button", class: "secondary", onclick: () => replaceWith(postItem(ctx, post)) }, _("Cancel"))),
  );
  const replaceWith = (fresh) => {
    item.replaceWith(fresh);
    fresh.querySelector("button")?.focus();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!body.value.trim()) return feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write a message.")));
    const result = await api("PATCH", `/api/v1/forum/posts/${post.id}`, { body: body.value });
    if (!result.ok) return feedback.replaceChildren(problem(result));
    announce(result.data.status === "pending" ? _("Your changes are saved. A youth worker will look at your post before others see it.") : _("Your changes are saved."));
    replaceWith(postItem(ctx, result.data));
  });
  return form;
}

// A post's actions behind one button (WAI-ARIA APG's disclosure pattern, as the app's "More"):
// the button says whether it is open, Escape or a tap elsewhere closes it and gives the focus
// back, the arrow keys go up and down. Nothing is taken until an action is chosen.
function postMenu(post, entries) {
  const listId = `post-actions-${post.id}`;
  const buttons = entries.map(([label, onChoose]) => h("button", { type: "button", class: "quiet", onclick: () => {
    setOpen(false);
    onChoose();
  } }, label));
  const list = h("ul", { id: listId, class: "post-actions", hidden: true }, buttons.map((button) => h("li", null, button)));
  const toggle = h(
    "button",
    { type: "button", class: "quiet post-menu-button", "aria-expanded": "false", "aria-controls": listId, "aria-label": _("Actions for this post") },
    icon("more"),
  );
  const wrapper = h("div", { class: "post-menu" }, toggle, list);
  const closeOnOutside = (event) => {
    if (!wrapper.contains(event.target)) setOpen(false);
  };
  const setOpen = (open) => {
    list.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) document.addEventListener("pointerdown", closeOnOutside, true);
    else document.removeEventListener("pointerdown", closeOnOutside, true);
  };
  toggle.addEventListener("click", () => {
    const open = list.hidden;
    setOpen(open);
    if (open) buttons[0].focus();
  });
  wrapper.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
      toggle.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const at = buttons.indexOf(document.activeElement);
      const step = event.key === "ArrowDown" ? 1 : -1;
      buttons[(at + step + buttons.length) % buttons.length].focus();
    }
  });
  wrapper.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !wrapper.contains(event.relatedTarget)) setOpen(false);
  });
  return { wrapper, toggle };
}

// A thumbs-up and a heart, each a toggle (aria-pressed) with its count; the server's answer is
// what is shown, so a tap that did not reach it changes nothing on the screen.
function reactionBar(post) {
  const bar = h("div", { class: "reactions" });
  const show = (items) => bar.replaceChildren(...items.filter((item) => item.kind in REACTIONS).map((item) => {
    const { path: symbol, label } = REACTIONS[item.kind];
    return h("button", {
      type: "button",
      class: "reaction",
      "aria-pressed": String(item.mine),
      "aria-label": _("{reaction}: {count}", { reaction: _(label), count: formatNumber(item.count) }),
      title: _(label),
      onclick: async (event) => {
        const path = `/api/v1/forum/posts/${post.id}/reactions/${item.kind}`;
        const result = await api(item.mine ? "DELETE" : "PUT", path);
        if (!result.ok) return announce(problemText(result));
        show(result.data.items);
        // The buttons are made again: the focus stays on the one that was pressed.
        bar.querySelector(`[data-kind="${item.kind}"]`)?.focus({ preventScroll: true });
      },
      "data-kind": item.kind,
    }, reactionSymbol(symbol), h("span", { class: "count", "aria-hidden": "true" }, formatNumber(item.count)));
  }));
  show(post.reactions?.length ? post.reactions : Object.keys(REACTIONS).map((kind) => ({ kind, count: 0, mine: false })));
  return bar;
}

function postItem(ctx, post) {
  const mine = post.author?.id === ctx.user.id;
  const slot = h("div");
  const content = h("div", null, postBody(post));
  const entries = [];
  const editableFor = mine && post.editable_until && post.status !== "hidden" ? new Date(post.editable_until) - Date.now() : 0;
  if (editableFor > 0) {
    entries.push([_("Edit"), () => {
      const form = editForm(ctx, post, item);
      content.replaceChildren(form);
      menu?.wrapper.remove();
      form.querySelector("textarea").focus();
    }]);
  }
  if (!mine) {
    entries.push([_("Report"), () => {
      const form = reportForm(ctx, post, () => {
        slot.replaceChildren();
        menu.toggle.focus();
      });
      slot.replaceChildren(form);
      form.querySelector("select").focus();
    }]);
    if (post.author?.id) {
      entries.push([_("Block"), async () => {
        const result = await block(post.author.id);
        if (!result.ok) return announce(problemText(result));
        announce(_("You blocked {name}. You will no longer see their posts.", { name: authorName(post.author) }));
        ctx.refresh();
      }]);
    }
  }
  const menu = entries.length ? postMenu(post, entries) : null;
  // The edit window closes while the screen is open: Edit goes (the server would refuse anyway).
  if (editableFor > 0 && editableFor < 2 ** 31) {
    setTimeout(() => {
      const edit = menu?.wrapper.querySelector(".post-actions li");
      if (entries.length === 1) menu?.wrapper.remove();
      else edit?.remove();
    }, editableFor);
  }
  const byline = { name: authorName(post.author) };
  const item = h(
    "li",
    { class: "card", "data-post": post.id },
    h("div", { class: "post-head" },
      h("p", { class: "meta" }, withTime(post.edited_at ? "{name} · {date} · edited" : "{name} · {date}", byline, post.created_at)),
      menu?.wrapper),
    post.status === "pending" ? h("p", { class: "meta" }, _("Waiting for a youth worker's approval.")) : null,
    content,
    post.status === "visible" ? reactionBar(post) : null,
    slot,
  );
  return item;
}

async function renderTopic(ctx, topicId) {
  const result = await api("GET", `/api/v1/forum/topics/${topicId}`);
  if (!ctx.isCurrent()) return;
  if (!result.ok) return showScreen(_("Forum"), backLink("#/forum", _("All categories")), problem(result));
  const topic = result.data;
  const posts = topic.posts?.items || [];
  const list = h("ul", { class: "list" }, posts.map((post) => postItem(ctx, post)));
  const more = loadMoreButton(list, topic.posts?.next_cursor, async (cursor) => {
    const page = await api("GET", `/api/v1/forum/topics/${topicId}?cursor=${encodeURIComponent(cursor)}`);
    if (!page.ok) return { result: page };
    return { result: page, nodes: page.data.posts.items.map((post) => postItem(ctx, post)), next: page.data.posts.next_cursor };
  });
  const body = h("textarea", { name: "body", rows: "4", maxlength: "10000", required: true });
  const feedback = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true }, field(_("Your reply"), body), feedback, h("button", { type: "submit" }, _("Reply")));
  // One id per reply, kept across retries, so a retry after a lost answer never posts it twice.
  let replyId = crypto.randomUUID();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!body.value.trim()) return feedback.replaceChildren(h("p", { class: "error", role: "alert" }, _("Please write a message.")));
    const answer = await api("POST", `/api/v1/forum/topics/${topicId}/posts`, { id: replyId, body: body.value, language: locale() });
    if (!answer.ok) return feedback.replaceChildren(problem(answer));
    replyId = crypto.randomUUID();
    announce(answer.data.status === "pending" ? _("Thank you. A youth worker will look at your reply before others see it.") : _("Your reply is published."));
    ctx.refresh();
  });
  showScreen(
    topic.title,
    backLink(`#/forum/c/${topic.category_id}`, _("Back to the topics")),
    list,
    more,
    topic.is_locked ? h("p", { class: "meta" }, _("This topic is closed for replies.")) : form,
  );
}

// The Migrant Youth Network forum: categories, a category's topics, and a topic with its posts,
// where a member can reply, edit their own post for a while, report a post to the youth workers,
// or block someone. Long lists come a page at a time ("Load more" follows next_cursor).

import { api } from "../api.js";
import { announce, field, h, icon, showScreen } from "../dom.js";
import { _, N_, formatDate, locale, ngettext } from "../i18n.js";
import { backLink, loadMoreButton, problem, problemText } from "./common.js";

// Labels of the server's report reasons, in the order the form offers them.
const REPORT_REASONS = {
  bullying: N_("Bullying or threats"),
  hate: N_("Hate or discrimination"),
  safety: N_("Someone may be in danger"),
  personal_information: N_("Shares personal information"),
  spam: N_("Spam or advertising"),
};

// Who started a topic, when it last moved, and how many replies it has.
function topicMeta(topic) {
  const replies = ngettext("{count} reply", "{count} replies", topic.reply_count || 0);
  return _("{name} · {date} · {replies}", { name: authorName(topic.author), date: formatDate(topic.last_post_at), replies });
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
  showScreen(
    _("Forum"),
    h("p", null, _("The Migrant Youth Network: talk with young people in your country and across Europe. Youth workers keep it safe.")),
    result.ok ? null : problem(result),
    items.length
      ? h("ul", { class: "list" }, items.map((category) =>
          h("li", { class: "card" }, h("a", { href: `#/forum/c/${category.id}`, class: "row" }, h("span", { class: "grow" }, h("span", { class: "title" }, category.name), h("span", { class: "meta" }, category.description)), icon("forward")))))
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
    category?.description ? h("p", null, category.description) : null,
    topics.ok ? null : problem(topics),
    items.length ? [list, more] : topics.ok ? h("p", { class: "meta" }, _("No topics yet. Start the first one.")) : null,
    form,
  );
}

function topicItem(topic) {
  return h("li", { class: "card" }, h("a", { href: `#/forum/t/${topic.id}`, class: "row" }, h("span", { class: "grow" },
    h("span", { class: "title" }, topic.title),
    h("span", { class: "meta" }, topicMeta(topic))), icon("forward")));
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

function postItem(ctx, post) {
  const mine = post.author?.id === ctx.user.id;
  const slot = h("div");
  const actions = h("div", { class: "actions" });
  const content = h("div", null, postBody(post));
  const editableFor = mine && post.editable_until && post.status !== "hidden" ? new Date(post.editable_until) - Date.now() : 0;
  if (editableFor > 0) {
    const edit = h("button", { type: "button", class: "secondary", onclick: () => {
      const form = editForm(ctx, post, item);
      content.replaceChildren(form);
      actions.hidden = true;
      form.querySelector("textarea").focus();
    } }, _("Edit"));
    actions.append(edit);
    // The window closes while the screen is open: the button goes (the server would refuse anyway).
    if (editableFor < 2 ** 31) setTimeout(() => edit.remove(), editableFor);
  }
  if (!mine) {
    actions.append(
      h("button", { type: "button", class: "secondary", onclick: () => {
        const form = reportForm(ctx, post, () => slot.replaceChildren());
        slot.replaceChildren(form);
        form.querySelector("select").focus();
      } }, _("Report")),
    );
    if (post.author?.id) {
      actions.append(
        h("button", { type: "button", class: "secondary", onclick: async () => {
          const result = await block(post.author.id);
          if (!result.ok) return announce(problemText(result));
          announce(_("You blocked {name}. You will no longer see their posts.", { name: authorName(post.author) }));
          ctx.refresh();
        } }, _("Block")),
      );
    }
  }
  const byline = { name: authorName(post.author), date: formatDate(post.created_at) };
  const item = h(
    "li",
    { class: "card", "data-post": post.id },
    h("p", { class: "meta" }, post.edited_at ? _("{name} · {date} · edited", byline) : _("{name} · {date}", byline)),
    post.status === "pending" ? h("p", { class: "meta" }, _("Waiting for a youth worker's approval.")) : null,
    content,
    actions,
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

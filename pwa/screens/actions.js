// Actions (organisers and stakeholders): the follow-on activities agreed at events, across
// every event of the person's platforms, with who does them and by when. Organisers move an
// action on (planned, in progress, done); stakeholders read where things stand.

import { api } from "../api.js";
import { announce, field, h, showScreen } from "../dom.js";
import { _, formatDay } from "../i18n.js";
import { emptyText, loadMoreButton, onlineOnlyNotice, problem, problemText } from "./common.js";
import { ACTION_STATUSES, codes, label, options, statusBadge } from "./labels.js";

function actionsPath(status, cursor) {
  const query = new URLSearchParams({ limit: "50" });
  if (status) query.set("status", status);
  if (cursor) query.set("cursor", cursor);
  return `/api/v1/actions?${query}`;
}

function actionItem(ctx, action) {
  const facts = [];
  if (action.owner) facts.push(_("Owner: {owner}", { owner: action.owner }));
  if (action.due) facts.push(_("Due: {date}", { date: formatDay(action.due) }));
  const item = h(
    "li",
    { class: "card", "data-action": action.id },
    h("p", { class: "post", dir: "auto", lang: action.language }, action.text),
    facts.length ? h("p", { class: "meta" }, facts.join(" · ")) : null,
    h("p", null, h("a", { href: `#/events/${action.event_id}` }, _("The event"))),
  );
  if (!ctx.inGroup("event_organisers")) {
    item.append(statusBadge(ACTION_STATUSES, action.status));
    return item;
  }
  const select = h("select", { name: "status" }, options(ctx, "action_statuses", ACTION_STATUSES, action.status));
  select.addEventListener("change", async () => {
    const answer = await api("PATCH", `/api/v1/actions/${action.id}`, { status: select.value });
    if (!answer.ok) {
      select.value = action.status;
      return announce(problemText(answer));
    }
    action.status = answer.data.status;
    announce(_("Status: {status}", { status: label(ACTION_STATUSES, action.status) }));
  });
  item.append(field(_("Status"), select));
  return item;
}

export async function render(ctx) {
  const status = ctx.query.get("status") || "";
  const answer = await api("GET", actionsPath(status));
  if (!ctx.isCurrent()) return;
  const filter = h("select", { name: "status-filter" }, [
    new Option(_("Every status"), "", false, !status),
    ...codes(ctx, "action_statuses", ACTION_STATUSES).map((code) => new Option(label(ACTION_STATUSES, code), code, false, code === status)),
  ]);
  filter.addEventListener("change", () => ctx.navigate(filter.value ? `#/actions?status=${filter.value}` : "#/actions"));
  const make = (action) => actionItem(ctx, action);
  const list = h("ul", { class: "list" }, answer.ok ? answer.data.items.map(make) : []);
  const more = answer.ok
    ? loadMoreButton(list, answer.data.next_cursor, async (cursor) => {
        const result = await api("GET", actionsPath(status, cursor));
        return { result, nodes: result.ok ? result.data.items.map(make) : [], next: result.ok ? result.data.next_cursor : null };
      })
    : null;
  showScreen(
    _("Actions"),
    h("p", null, _("What was agreed at events, and where it stands.")),
    ctx.inGroup("event_organisers") ? onlineOnlyNotice() : null,
    field(_("Show"), filter),
    answer.ok ? null : problem(answer),
    answer.ok && !answer.data.items.length ? emptyText(_("No actions yet.")) : null,
    list,
    more,
  );
}

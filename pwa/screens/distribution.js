// How a Delphi panel rated one statement: a bar per point of the scale (every point, even those
// nobody chose), drawn as a list so a screen reader reads each count, and mirrored right to left
// by the layout. The ballot shows it to panellists from round two, the results to facilitators.

import { h } from "../dom.js";
import { _, formatNumber, ngettext } from "../i18n.js";

// distribution: {point: count} as the API gives it; mine: the point to mark as the reader's own.
export function distributionChart(scale, distribution, mine = null) {
  const counts = [];
  for (let point = scale.min; point <= scale.max; point++) counts.push([point, distribution[String(point)] || 0]);
  const most = Math.max(1, ...counts.map(([, count]) => count));
  const rows = counts.map(([point, count]) => {
    const isMine = mine === point;
    return h(
      "li",
      { class: isMine ? "dist-row mine" : "dist-row", "data-point": String(point), "data-count": String(count) },
      h("span", { class: "dist-point" }, formatNumber(point)),
      h("span", { class: "dist-track", "aria-hidden": "true" }, bar(count / most)),
      h("span", { class: "dist-count" }, ngettext("{count} person", "{count} people", count)),
      isMine ? h("strong", { class: "dist-mine" }, _("your rating")) : null,
    );
  });
  return h("ul", { class: "distribution", "aria-label": _("Answers per point of the scale") }, rows);
}

// The page's Content-Security-Policy allows no style attribute: the width is set through the DOM.
function bar(share) {
  const element = h("span", { class: "dist-bar" });
  element.style.inlineSize = `${Math.round(share * 100)}%`;
  return element;
}

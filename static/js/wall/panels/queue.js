// Open emergency calls, most urgent first, with the time since each call: the events of the
// layers the catalog flags `queue` whose status is not closed, by props.triage.priority, then the
// longest waiting. Each row: priority, what, where, waiting time, and the unit on the way. A
// click selects the call. The waiting times tick every queueSeconds.
import { CALL_STATUS, byUrgency, minutesSince, priorityBadge, priorityOf, since } from "../../core/calls.js";
import { h } from "../../core/dom.js";

function mount(el, wall) {
  const entries = wall.catalog.filter((e) => e.queue);
  const closed = new Map(entries.flatMap((e) => e.kinds.map((k) => [k, new Set(e.closed_statuses)])));
  const count = h("span", { class: "queue-count" });
  const list = h("ol", { class: "queue" });
  const more = h("p", { class: "muted queue-more" });
  el.querySelector("h2").append(" ", count);
  el.append(list, more);
  const render = () => {
    const open = [...closed.keys()].flatMap((k) => wall.events.visible(k))
      .filter((ev) => !closed.get(ev.kind).has(ev.status)).sort(byUrgency);
    const now = wall.time === null ? Date.now() : wall.time;
    count.textContent = `(${wall.i18n.number(open.length)})`;
    el.dataset.count = String(open.length);
    list.replaceChildren(...open.slice(0, wall.config.queueSize).map((ev) => {
      const unit = ev.props.dispatch && ev.props.dispatch.unit_name;
      return h("li", { dataset: { event: ev.id, priority: String(priorityOf(ev)), waiting: String(minutesSince(ev.observed_at, now)) },
        on: { click: () => wall.select(ev.id) } },
      priorityBadge(priorityOf(ev), wall.i18n),
      h("span", { class: "what", text: wall.categoryLabel(ev.category) }),
      h("span", { class: "wait", text: since(ev.observed_at, wall.i18n, now) }),
      h("span", { class: "where", text: `${wall.areaLabel(ev.area)} · ${unit || wall.i18n.t(CALL_STATUS[ev.status] || { vi: ev.status })}` }));
    }));
    const hidden = open.length - wall.config.queueSize;
    more.textContent = hidden > 0 ? wall.i18n.t({ vi: `… và ${hidden} cuộc gọi nữa`, en: `… and ${hidden} more` }) : "";
  };
  wall.on("render", render);
  wall.on("lang", render);
  wall.on("time", render);
  setInterval(render, wall.config.queueSeconds * 1000);
  render();
}

export default { mount };

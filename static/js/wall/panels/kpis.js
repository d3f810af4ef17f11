// Key figures, drawn generically from GET /api/v1/kpis: one card per group, one tile per item
// (value, unit, label; the status ok/warn/alarm/unknown colours the tile). Refreshed every
// kpiSeconds and soon after new events arrive.
import { h, throttle } from "../../core/dom.js";

function tile(item, i18n) {
  const value = item.value === null || item.value === undefined ? "—" : i18n.number(item.value, 1);
  return h("li", { class: "kpi status-" + item.status, dataset: { kpi: item.id, status: item.status } },
    h("span", { class: "value" }, h("span", { class: "num", text: value }),
      item.unit && value !== "—" ? h("span", { class: "unit", text: item.unit }) : null),
    h("span", { class: "label", text: i18n.t(item.label) }));
}

function draw(body, doc, i18n) {
  body.replaceChildren(...doc.groups.map((group) => h("section", { class: "kpi-group", dataset: { group: group.id } },
    h("h3", { text: i18n.t(group.label) }),
    h("ul", { class: "kpis" }, doc.items.filter((it) => it.group === group.id).map((it) => tile(it, i18n))))));
}

function mount(el, wall) {
  const body = h("div", { class: "kpi-body" });
  el.append(body);
  let doc = null;
  const load = async () => {
    try {
      doc = await wall.api.get("/api/v1/kpis");
      draw(body, doc, wall.i18n);
      el.dataset.generatedAt = doc.generated_at;
    } catch (err) {
      el.dataset.error = err.message;
    }
  };
  const soon = throttle(load, 2000);
  wall.on("events", soon);
  wall.on("lang", () => doc && draw(body, doc, wall.i18n));
  setInterval(load, wall.config.kpiSeconds * 1000);
  load();
}

export default { mount };

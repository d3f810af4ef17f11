// Key figures, drawn generically from GET /api/v1/kpis: one card per group, one tile per item
// (value, unit, label; the status ok/warn/alarm/unknown colours the tile). Refreshed every
// kpiSeconds and soon after new events arrive. When the groups are more than the column holds,
// the panel turns the page on its own every kpiPageSeconds (nobody scrolls a wall): it brings
// the next group that is not fully in view to the top, and returns to the first after the last.
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

// Turn the page: bring the first group cut by the fold to the top (a group taller than the panel:
// one panel further); from the end, back to the top.
function nextPage(el) {
  const max = el.scrollHeight - el.clientHeight;
  if (el.scrollTop >= max - 1) { el.scrollTo({ top: 0, behavior: "smooth" }); return; }
  const base = el.getBoundingClientRect().top - el.scrollTop;
  const fold = el.scrollTop + el.clientHeight;
  const cut = [...el.querySelectorAll(".kpi-group")].map((g) => g.getBoundingClientRect())
    .map((r) => [r.top - base, r.bottom - base]).find(([, bottom]) => bottom > fold + 1);
  const target = cut && cut[0] > el.scrollTop + 1 ? cut[0] : fold;
  el.scrollTo({ top: Math.min(target, max), behavior: "smooth" });
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
  let pageAt = Date.now();
  setInterval(() => {  // the page time is read each second: it may be changed while running
    const seconds = wall.config.kpiPageSeconds;
    if (!seconds || Date.now() - pageAt < seconds * 1000) return;
    pageAt = Date.now();
    if (el.scrollHeight > el.clientHeight + 1) nextPage(el);
  }, 1000);
  load();
}

export default { mount };

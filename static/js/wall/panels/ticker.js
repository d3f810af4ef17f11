// Alert ticker: events of layers flagged `ticker` in the catalog, of the kinds in
// config.tickerKinds (alert, warning) and of any kind but the queued calls at the severities in
// config.tickerSeverities; newest first, one at a time, readable from across the room.
import { h } from "../../core/dom.js";

// A warning that is a drill (CAP Test or Exercise, ours or received) is never shown as real.
const isDrill = (ev) => ev.kind === "warning" && (ev.props && ev.props.cap
  ? ev.props.cap.status !== "Actual" : ["Test", "Exercise"].includes((ev.props || {}).cap_status));

function mount(el, wall) {
  const cfg = wall.config;
  const kinds = new Set([...cfg.tickerKinds, ...wall.catalog.filter((e) => e.ticker).flatMap((e) => e.kinds)]);
  const severities = new Set(cfg.tickerSeverities);
  const shown = new Map(wall.catalog.filter((e) => e.ticker_statuses).flatMap(
    (e) => e.kinds.map((k) => [k, new Set(e.ticker_statuses)])));
  // Calls (kinds the catalog flags `queue`) have their own queue panel: a flood's hundreds of P1
  // calls must not push the warnings off the ticker.
  const queued = new Set(wall.catalog.filter((e) => e.queue).flatMap((e) => e.kinds));
  const keep = (ev) => (kinds.has(ev.kind) || (severities.has(ev.severity) && !queued.has(ev.kind)))
    && (!shown.has(ev.kind) || shown.get(ev.kind).has(ev.status));
  const badge = h("span", { class: "ticker-badge" });
  const text = h("span", { class: "ticker-text", "aria-live": "polite" });
  const count = h("span", { class: "ticker-count" });
  el.replaceChildren(badge, text, count);
  let items = [];
  let at = 0;
  const show = () => {
    badge.textContent = wall.i18n.t({ vi: "CẢNH BÁO", en: "ALERTS" });
    el.dataset.count = String(items.length);
    el.dataset.drill = "0";
    if (!items.length) {
      text.textContent = wall.i18n.t({ vi: "Không có cảnh báo", en: "No alerts" });
      count.textContent = "";
      return;
    }
    at %= items.length;
    const ev = items[at];
    const p = ev.props || {};
    const raw = p.headline || p.title;
    const title = (raw && (typeof raw === "object" ? wall.i18n.t(raw) : raw))
      || (p.title_vi && wall.i18n.t({ vi: p.title_vi, en: p.title_en }))
      || wall.categoryLabel(ev.category);
    text.textContent = `${wall.i18n.time(ev.observed_at)} · ${wall.areaLabel(ev.area)} · ${title}`;
    if (isDrill(ev)) {
      el.dataset.drill = "1";
      badge.textContent = wall.i18n.t({ vi: "DIỄN TẬP", en: "DRILL" });
      text.textContent = wall.i18n.t({ vi: "DIỄN TẬP, KHÔNG PHẢI CẢNH BÁO THẬT · ", en: "DRILL, NOT A REAL WARNING · " }) + text.textContent;
    }
    text.dataset.event = ev.id;
    count.textContent = `${at + 1}/${items.length}`;
  };
  const refresh = () => { items = wall.events.latest(20, keep); show(); };
  wall.on("render", refresh);
  wall.on("lang", show);
  setInterval(() => { at += 1; show(); }, cfg.tickerSeconds * 1000);
  refresh();
}

export default { mount };

// Vessels at sea, readable from across the room: while the sea view is on screen, a table of the
// newest position of each vessel (its name when ever heard, else the MMSI; speed, course, zone
// without its note, last heard), vessels with an active alert first (marked ⚠), then those at
// sea, then by name. A row selects the vessel.
// Which layer and alerts it reads: config.vesselList.
import { h } from "../../core/dom.js";

const T = {
  title: { vi: "Tàu thuyền", en: "Vessels" },
  vessel: { vi: "Tàu", en: "Vessel" }, speed: { vi: "Tốc độ", en: "Speed" },
  course: { vi: "Hướng", en: "Course" }, zone: { vi: "Vùng", en: "Zone" }, seen: { vi: "Lúc", en: "Heard" },
  none: { vi: "Chưa có tàu nào phát AIS.", en: "No vessel heard yet." },
};

// Zone id → {id, vi, en, at_sea} from the zones document's `zones` member.
function zoneLabels(wall, source) {
  const doc = wall.sources.get(source);
  return new Map(((doc && doc.zones) || []).map((z) => [z.id, z]));
}

function mount(el, wall) {
  const cfg = wall.config.vesselList;
  const entry = wall.catalog.find((e) => e.id === cfg.layer);
  const latest = entry && entry.deck.find((d) => d.role === "latest");
  if (!latest) { el.hidden = true; return; }
  const kind = entry.kinds[0];
  const zones = zoneLabels(wall, cfg.zonesSource);
  const count = h("span", { class: "vessel-count" });
  const head = h("h2", {}, h("span", { class: "vessel-title" }), " ", count);
  const table = h("table", { class: "vessel-table" });
  const more = h("p", { class: "muted vessel-more" });
  el.replaceChildren(head, table, more);

  const alerted = () => new Set(cfg.alertKinds.flatMap((k) => wall.events.visible(k))
    .filter((a) => a.status === "active" && a.props && a.props.subject_type === "vessel")
    .map((a) => String(a.props.subject_id)));
  const atSea = (v) => { const z = zones.get(v.props.zone); return z ? z.at_sea : true; };
  // A position report (AIS type 1–3) carries no name: the name comes from the vessel's static
  // data (type 5) heard earlier; the MMSI only while no name was ever heard.
  let names = new Map();
  const knownNames = () => {
    const out = new Map();
    for (const v of wall.events.visible(kind)) {
      const had = out.get(v.props.mmsi);
      if (v.props.name && (!had || v._t >= had._t)) out.set(v.props.mmsi, v);
    }
    return new Map([...out].map(([mmsi, v]) => [mmsi, v.props.name]));
  };
  const name = (v) => v.props.name || names.get(v.props.mmsi) || String(v.props.mmsi);
  const cells = (v, warn) => {
    const p = v.props;
    const z = zones.get(p.zone);
    return [
      h("td", { class: "name", text: (warn ? "⚠ " : "") + name(v) }),
      h("td", { class: "num", text: p.sog === null || p.sog === undefined ? "—" : `${wall.i18n.number(p.sog, 1)} kn` }),
      h("td", { class: "num", text: p.cog === null || p.cog === undefined ? "—" : `${String(Math.round(p.cog)).padStart(3, "0")}°` }),
      h("td", { class: "zone", text: z ? wall.i18n.t(z).split(" (")[0] : p.zone || "—", title: z ? wall.i18n.t(z) : null }),
      h("td", { class: "num", text: wall.i18n.time(v.observed_at) }),
    ];
  };
  const render = () => {
    el.hidden = wall.view !== cfg.view;
    if (el.hidden) return;
    const warned = alerted();
    names = knownNames();
    const rank = (v) => (warned.has(String(v.props.mmsi)) ? 0 : atSea(v) ? 1 : 2);
    const vessels = wall.events.newestBy(kind, latest.key)
      .sort((a, b) => rank(a) - rank(b) || name(a).localeCompare(name(b)));
    head.querySelector(".vessel-title").textContent = wall.i18n.t(T.title);
    count.textContent = `(${wall.i18n.number(vessels.length)})`;
    el.dataset.count = String(vessels.length);
    const header = h("tr", {}, [T.vessel, T.speed, T.course, T.zone, T.seen].map((t) => h("th", { text: wall.i18n.t(t) })));
    const rows = vessels.slice(0, cfg.rows).map((v) => h("tr", {
      class: warned.has(String(v.props.mmsi)) ? "alerted" : "", dataset: { event: v.id, mmsi: String(v.props.mmsi) },
      on: { click: () => wall.select(v.id) } }, cells(v, warned.has(String(v.props.mmsi)))));
    table.replaceChildren(h("thead", {}, header), h("tbody", {}, rows));
    const hidden = vessels.length - cfg.rows;
    more.textContent = !vessels.length ? wall.i18n.t(T.none)
      : hidden > 0 ? wall.i18n.t({ vi: `… và ${hidden} tàu nữa`, en: `… and ${hidden} more` }) : "";
  };
  wall.on("render", render);
  wall.on("view", render);
  wall.on("lang", render);
  wall.on("time", render);
  render();
}

export default { mount };

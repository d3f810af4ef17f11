// The desk's map: the project's basemap (communes, rivers, roads) and the open calls and the
// responder units, drawn by the wall's own map module; on top, the communes of the warning being
// edited or looked at (red for a real warning, striped blue for a drill). A click on the map
// gives the commune under it ("commune" event) — the editor adds or removes it.
import { WallEvents } from "../wall/events.js";
import { WallMap } from "../wall/map.js";

const MAP_LAYERS = ["areas", "rivers", "roads", "sos", "hotline_calls", "responders"];
const WINDOW_MS = 7 * 24 * 3600e3;
const START = { longitude: 107.58, latitude: 16.47, zoom: 9.8 };
const COLORS = {
  real: { fill: [230, 40, 40, 90], line: [255, 90, 90, 255] },
  drill: { fill: [40, 160, 255, 80], line: [120, 200, 255, 255] },
  editing: { fill: [255, 162, 53, 110], line: [255, 200, 120, 255] },
};

// Whether [lon, lat] lies in a GeoJSON ring (ray casting).
function inRing(pt, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inFeature(pt, geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  return polygons.some(([outer, ...holes]) => inRing(pt, outer) && !holes.some((h) => inRing(pt, h)));
}

// The wall's map without its colouring of the communes by open cases: here the colour of a
// commune says whether a warning targets it.
class PlainMap extends WallMap {
  updateLoad() {
    this.loadTime = this.events.time;
    this.lastLoad = performance.now();
    if (this.plain) return;
    for (const f of this.areas.features) Object.assign(f.properties, { open: 0, overdue: 0, load: 0 });
    this.plain = true;
    this.loadVersion += 1;
  }
}

export class DeskMap extends EventTarget {
  // Load the basemap's documents, then build the map.
  static async create(el, page) {
    const catalog = page.layers.filter((e) => MAP_LAYERS.includes(e.id));
    const paths = catalog.map((e) => e.source).filter((s) => s !== "stream" && s !== "/api/v1/areas");
    const sources = new Map(await Promise.all(paths.map(async (p) => [p, await page.api.get(p)])));
    return new DeskMap(el, page, catalog, sources);
  }

  constructor(el, page, catalog, sources) {
    super();
    this.page = page;
    this.events = new WallEvents({ catalog, windowMs: WINDOW_MS, maxEvents: 50000 });
    this.events.add(page.initial);
    this.map = new PlainMap(el, {
      catalog, events: this.events, sources, areas: page.areas,
      tooltip: ({ object }) => this.tooltip(object),
      renderMs: 250, aggregateMs: 1000, loadMs: 5000, view: START,
    });
    this.map.addEventListener("pick", (e) => this.picked(e.detail));
    this.shown = { codes: [], style: "real" };
  }

  tooltip(object) {
    if (!object) return null;
    if (object.properties && object.properties.code) return { text: this.page.areaLabel(object.properties.code) };
    if (object.kind) return { text: `${this.page.categoryLabel(object.category)}\n${this.page.areaLabel(object.area)}` };
    return null;
  }

  // The commune under [lon, lat], or null.
  communeAt(coordinate) {
    const hit = this.page.areas.features.find((f) => inFeature(coordinate, f.geometry));
    return hit ? hit.properties.code : null;
  }

  picked({ coordinate }) {
    if (!coordinate) return;
    const code = this.communeAt(coordinate);
    if (code) this.dispatchEvent(new CustomEvent("commune", { detail: { code } }));
  }

  add(events) {
    if (events.length && this.events.add(events)) this.map.dataChanged();
  }

  // Draw `codes` on top ("real", "drill" or "editing"); fly to them when `fly`.
  show(codes, style = "real", fly = false) {
    this.shown = { codes: [...codes], style };
    const wanted = new Set(codes);
    const features = this.page.areas.features.filter((f) => wanted.has(f.properties.code));
    const c = COLORS[style];
    const layer = new window.deck.GeoJsonLayer({
      id: "warning-target", data: { type: "FeatureCollection", features }, pickable: false,
      filled: true, stroked: true, getFillColor: c.fill, getLineColor: c.line,
      lineWidthUnits: "pixels", getLineWidth: style === "drill" ? 2 : 3,
    });
    this.map.setOverlays([layer]);
    if (fly && features.length) this.flyTo(features);
  }

  flyTo(features) {
    let [w, s, e, n] = [180, 90, -180, -90];
    const visit = (c) => {
      if (typeof c[0] === "number") { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); return; }
      c.forEach(visit);
    };
    features.forEach((f) => visit(f.geometry.coordinates));
    const span = Math.max(e - w, n - s, 0.02);
    const zoom = Math.max(8.5, Math.min(12.5, Math.log2(360 / span) - 0.6));
    this.map.flyTo({ longitude: (w + e) / 2, latitude: (s + n) / 2, zoom }, 800);
  }

  // Where [lon, lat] is in the page (for the browser tests): {x, y} in CSS pixels.
  screenPoint(lon, lat) {
    const [x, y] = this.map.project(lon, lat);
    const box = this.map.container.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  }
}

// Where the problem is: the phone's GPS (navigator.geolocation) or a tap on a small map drawn as
// plain SVG from the server's own basemap (communes: GET /api/v1/areas; rivers and main roads:
// GET /api/v1/basemap/{rivers,roads}) — no deck.gl, nothing from outside, loaded only when the
// citizen asks for the map or a GPS fix must be checked. The communes also say whether a point
// is inside Huế and in which commune. Keyboard: the map takes focus; arrows move, + and − zoom,
// Enter places the point at the centre.
const SVG = "http://www.w3.org/2000/svg";
const K = 1000;                     // SVG units per degree of latitude
const LAT0 = 16.4;                  // the projection's reference latitude (Huế)
const COS0 = Math.cos((LAT0 * Math.PI) / 180);
const MIN_W = 4;                    // the narrowest view: ~0.4 km across
const GPS_TIMEOUT_MS = 20000;

export const WORDS = {
  locating: { vi: "Đang lấy vị trí từ điện thoại…", en: "Getting your position from the phone…" },
  gpsDenied: { vi: "Điện thoại không cho phép lấy vị trí. Bật định vị cho trang này, hoặc chọn trên bản đồ.",
               en: "The phone did not allow the location. Turn location on for this page, or pick it on the map." },
  gpsFailed: { vi: "Không lấy được vị trí (tín hiệu GPS yếu). Thử lại ngoài trời, hoặc chọn trên bản đồ.",
               en: "No position (weak GPS signal). Try again outside, or pick it on the map." },
  noGps: { vi: "Điện thoại này không hỗ trợ định vị. Hãy chọn trên bản đồ.", en: "This phone has no location service. Pick it on the map." },
  outside: { vi: "Vị trí này nằm ngoài thành phố Huế. Hệ thống chỉ nhận phản ánh trong địa bàn Huế: chọn lại trên bản đồ.",
             en: "This place is outside Huế. Only reports within Huế are handled: pick the place again on the map." },
  mapFailed: { vi: "Không tải được bản đồ (mất mạng?). Dùng “Vị trí hiện tại”, hoặc thử lại sau.",
               en: "The map could not be loaded (no connection?). Use “Where I am”, or try again later." },
  hint: { vi: "Chạm vào nơi xảy ra sự việc. Kéo để di chuyển, dùng + − để phóng to.",
          en: "Tap where it happened. Drag to move, + − to zoom." },
  loading: { vi: "Đang tải bản đồ…", en: "Loading the map…" },
};

const project = ([lon, lat]) => [(lon - 107) * COS0 * K, -(lat - LAT0) * K];
const unproject = ([x, y]) => [x / (COS0 * K) + 107, LAT0 - y / K];

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function pathOf(geometry) {
  const rings = { Polygon: [geometry.coordinates], MultiPolygon: geometry.coordinates,
                  LineString: [[geometry.coordinates]], MultiLineString: [geometry.coordinates] }[geometry.type] || [];
  const closed = geometry.type.endsWith("Polygon");
  return rings.flat().map((ring) => ring.map((p, i) => {
    const [x, y] = project(p);
    return `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
  }).join("") + (closed ? "Z" : "")).join("");
}

function inRing(lon, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inGeometry(lon, lat, g) {
  const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
  return polys.some(([outer, ...holes]) => inRing(lon, lat, outer) && !holes.some((h) => inRing(lon, lat, h)));
}

export class Place extends EventTarget {
  // api: core Api; el: the map's container. Events: "change" ({point}) where point is
  // {lat, lon, accuracy, source: "gps" | "map", commune} or null.
  constructor(api, el) {
    super();
    this.api = api;
    this.el = el;
    this.point = null;
    this.areas = null;
    this.view = null;
    this.loading = null;
  }

  // Load the communes (once); resolves with them, or null when they cannot be had now.
  async loadAreas() {
    if (this.areas) return this.areas;
    try {
      this.areas = (await this.api.get("/api/v1/areas")).features;
    } catch {
      return null;
    }
    return this.areas;
  }

  // The commune (properties) a point is in: {name, full_name, code}; null outside Huế;
  // undefined when the communes are not loaded (the server will decide).
  communeOf(lat, lon) {
    if (!this.areas) return undefined;
    const f = this.areas.find((a) => inGeometry(lon, lat, a.geometry));
    return f ? f.properties : null;
  }

  // Ask the phone where it is; resolves with the point or throws {code: "gpsDenied" | …}.
  locate() {
    if (!navigator.geolocation) return Promise.reject({ code: "noGps" });
    return new Promise((resolve, reject) => {
      navigator.geolocation.getCurrentPosition(async (pos) => {
        const { latitude: lat, longitude: lon, accuracy } = pos.coords;
        await this.loadAreas();
        resolve(this.set({ lat, lon, accuracy, source: "gps" }));
      }, (err) => reject({ code: err.code === 1 ? "gpsDenied" : "gpsFailed" }),
      { enableHighAccuracy: true, timeout: GPS_TIMEOUT_MS, maximumAge: 30000 });
    });
  }

  set(point) {
    const commune = this.communeOf(point.lat, point.lon);
    this.point = { ...point, commune };
    this.drawPin();
    this.dispatchEvent(new CustomEvent("change", { detail: { point: this.point } }));
    return this.point;
  }

  clear() {
    this.point = null;
    this.drawPin();
    this.dispatchEvent(new CustomEvent("change", { detail: { point: null } }));
  }

  // Show the map (loading the basemap once); resolves true when drawn.
  async show(i18n) {
    this.el.hidden = false;
    if (this.svg) return true;
    if (!this.loading) this.loading = this.build(i18n);
    const ok = await this.loading;
    if (!ok) this.loading = null;
    return ok;
  }

  async build(i18n) {
    this.el.replaceChildren(Object.assign(document.createElement("p"), { className: "loading", textContent: i18n.t(WORDS.loading) }));
    let rivers, roads;
    try {
      [, rivers, roads] = await Promise.all([this.loadAreas().then((a) => { if (!a) throw new Error("areas"); }),
        this.api.get("/api/v1/basemap/rivers"), this.api.get("/api/v1/basemap/roads")]);
    } catch {
      this.el.replaceChildren();
      this.el.hidden = true;
      return false;
    }
    this.draw(rivers, roads, i18n);
    return true;
  }

  draw(rivers, roads, i18n) {
    const root = svg("svg", { role: "application", tabindex: "0", "aria-label": i18n.t(WORDS.hint) });
    const layer = (cls, features) => {
      const g = svg("g");
      for (const f of features) if (f.geometry) g.append(svg("path", { d: pathOf(f.geometry), class: cls }));
      return g;
    };
    root.append(layer("commune", this.areas), layer("river", rivers.features || []), layer("road", roads.features || []));
    this.pinEl = svg("circle", { r: "6", class: "pin", visibility: "hidden" });
    root.append(this.pinEl);
    const zoom = document.createElement("div");
    zoom.className = "zoom";
    for (const [label, f] of [["+", 0.5], ["−", 2]]) {
      const b = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: label });
      b.dataset.zoom = String(f);
      b.addEventListener("click", () => this.zoom(f));
      zoom.append(b);
    }
    const hint = Object.assign(document.createElement("p"), { className: "hint", textContent: i18n.t(WORDS.hint) });
    this.el.replaceChildren(root, zoom, hint);
    this.svg = root;
    this.hint = hint;
    const box = this.bounds();
    this.view = { cx: (box[0] + box[2]) / 2, cy: (box[1] + box[3]) / 2, w: box[2] - box[0] };
    if (this.point) this.centre(this.point, 30);
    this.apply();
    this.listen();
    i18n.addEventListener("change", () => { hint.textContent = i18n.t(WORDS.hint); });
  }

  bounds() {
    const xs = [], ys = [];
    for (const a of this.areas) for (const ring of (a.geometry.type === "Polygon" ? [a.geometry.coordinates] : a.geometry.coordinates).flat()) {
      for (const p of ring) { const [x, y] = project(p); xs.push(x); ys.push(y); }
    }
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }

  centre(point, w) {
    const [x, y] = project([point.lon, point.lat]);
    this.view = { cx: x, cy: y, w };
  }

  apply() {
    if (!this.svg) return;
    const r = this.svg.getBoundingClientRect();
    const aspect = r.width ? r.height / r.width : 0.75;
    const { cx, cy, w } = this.view;
    this.svg.setAttribute("viewBox", `${cx - w / 2} ${cy - (w * aspect) / 2} ${w} ${w * aspect}`);
    this.drawPin();
  }

  zoom(factor) {
    this.view.w = Math.min(Math.max(this.view.w * factor, MIN_W), 400);
    this.apply();
  }

  drawPin() {
    if (!this.pinEl) return;
    if (!this.point) { this.pinEl.setAttribute("visibility", "hidden"); return; }
    const [x, y] = project([this.point.lon, this.point.lat]);
    this.pinEl.setAttribute("cx", x);
    this.pinEl.setAttribute("cy", y);
    this.pinEl.setAttribute("r", String(this.view ? this.view.w / 60 : 1));
    this.pinEl.setAttribute("visibility", "visible");
  }

  // The SVG point under a screen position.
  at(clientX, clientY) {
    const m = this.svg.getScreenCTM().inverse();
    const p = new DOMPoint(clientX, clientY).matrixTransform(m);
    return [p.x, p.y];
  }

  listen() {
    let down = null;
    const s = this.svg;
    s.addEventListener("pointerdown", (e) => { down = { x: e.clientX, y: e.clientY, view: { ...this.view }, moved: false }; s.setPointerCapture(e.pointerId); });
    s.addEventListener("pointermove", (e) => {
      if (!down) return;
      const dx = e.clientX - down.x, dy = e.clientY - down.y;
      if (Math.hypot(dx, dy) > 8) down.moved = true;
      if (!down.moved) return;
      const scale = down.view.w / s.getBoundingClientRect().width;
      this.view = { ...down.view, cx: down.view.cx - dx * scale, cy: down.view.cy - dy * scale };
      this.apply();
    });
    s.addEventListener("pointerup", (e) => {
      if (down && !down.moved) this.pick(...this.at(e.clientX, e.clientY));
      down = null;
    });
    s.addEventListener("pointercancel", () => { down = null; });
    s.addEventListener("wheel", (e) => { e.preventDefault(); this.zoom(e.deltaY > 0 ? 1.25 : 0.8); }, { passive: false });
    s.addEventListener("keydown", (e) => this.key(e));
    addEventListener("resize", () => this.apply());
  }

  key(e) {
    const step = this.view.w / 8;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      this.view.cx += moves[e.key][0];
      this.view.cy += moves[e.key][1];
      this.apply();
    } else if (e.key === "+" || e.key === "=") this.zoom(0.5);
    else if (e.key === "-" || e.key === "_") this.zoom(2);
    else if (e.key === "Enter" || e.key === " ") this.pick(this.view.cx, this.view.cy);
    else return;
    e.preventDefault();
  }

  pick(x, y) {
    const [lon, lat] = unproject([x, y]);
    this.set({ lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)), accuracy: null, source: "map" });
  }
}

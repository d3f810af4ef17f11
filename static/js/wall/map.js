// The map: deck.gl layers built from the server's layer catalog (pydeck JSON specs, converted by
// deck.gl's own JSONConverter from the locally served bundle) and fed from WallEvents. Nothing
// here knows a kind: what a layer draws, its colours and zoom range come from the catalog; the
// role of each deck entry says which data it takes:
//   base       → the document at entry.source (fetched once by the page);
//   choropleth → the areas, with properties.load (0…1) and properties.open set per area;
//   points     → the kind's events, updated row by row as they arrive (_dataDiff);
//   latest     → the newest event (by observed_at) per d.key (a dotted path, e.g. props.station)
//                among the kinds' events, rebuilt when events arrive;
//   hexagons   → {hex, count} per parent cell at d.h3_res, recounted at most every aggregateMs.
//
// Two canvases: the basemap (roles base and choropleth) below, the live layers (points,
// hexagons, the selection ring) above, so that new events repaint only the upper one; the
// basemap repaints when the view moves, a toggle changes or the area load is recounted (at most
// every loadMs). Redraw budget: new data is drawn at most every renderMs, or every `budget` ×
// the measured cost of a redraw when that is longer (a weak or software GPU then spends at most
// ~1/budget of its time drawing, never more than maxGapMs between redraws); a batch after a
// quiet spell is drawn at once. Layers hidden or outside their zoom range take no data.
// Events: "select" ({id} or {id: null}), "pick" ({coordinate [lon, lat], object} of every
// click: the hotline page places a call with it), "view" ({viewState, user}), "render".
// setOverlays(layers) draws a page's own deck.gl layers above the live ones (a chosen point).
const deckgl = window.deck;
const HIDDEN_KEY = "ioc-wall-hidden";
const BASE_ROLES = new Set(["base", "choropleth"]);
const WARM_UP_RENDERS = 3;

// The newest event (largest _t, the parsed observed_at) per value of the dotted path `key`.
function newestPerKey(events, key) {
  const parts = (key || "id").split(".");
  const newest = new Map();
  for (const ev of events) {
    const k = parts.reduce((o, p) => (o == null ? o : o[p]), ev);
    const seen = newest.get(k);
    if (!seen || ev._t >= seen._t) newest.set(k, ev);
  }
  return [...newest.values()];
}

function layerClasses() {
  return Object.fromEntries(Object.entries(deckgl).filter(([, v]) => typeof v === "function"));
}

export class WallMap extends EventTarget {
  constructor(container, { catalog, events, sources, areas, tooltip, renderMs, aggregateMs, loadMs,
                           view, budget = 3, maxGapMs = 10000 }) {
    super();
    Object.assign(this, { catalog, events, sources, areas, tooltip, container });
    Object.assign(this, { renderMs, aggregateMs, loadMs, budget, maxGapMs });
    this.hidden = new Set(JSON.parse(localStorage.getItem(HIDDEN_KEY) || "null")
      || catalog.filter((e) => e.visible === false).map((e) => e.id));
    this.cache = new Map();        // deck id → {data, ranges}
    this.loadVersion = 0;
    this.selected = null;
    this.viewState = { ...view };
    this.flight = 0;
    this.cost = 0;                 // ms a redraw takes here (moving average)
    this.renders = 0;
    this.lastRender = 0;
    this.lastAggregate = 0;
    this.lastLoad = 0;
    this.baseKey = null;
    this.owed = { points: false, aggregates: false };
    this.overlays = [];
    this.timer = null;
    this.templates = this.buildTemplates();
    this.base = new deckgl.Deck({ parent: container, viewState: this.viewState, controller: false, layers: [] });
    this.deck = new deckgl.Deck({
      parent: container, viewState: this.viewState, controller: true, layers: [],
      getTooltip: (info) => this.tooltip(this.orBase(info)),
      onClick: (info) => this.clicked(this.orBase(info)),
      onViewStateChange: ({ viewState, interactionState }) => {
        this.flight += 1;  // a hand on the map stops any flight
        this.setView(viewState, interactionState);
      },
    });
    this.render({ aggregate: true });
    this.lastLoad = -Infinity;  // the first events colour the areas at once
  }

  // One deck.gl Layer per catalog deck entry, converted once and later cloned with data.
  buildTemplates() {
    const converter = new deckgl.JSONConverter({ configuration: { classes: layerClasses() } });
    const specs = this.catalog.flatMap((e) => e.deck.map((d) => ({ ...d.spec, data: [] })));
    const layers = converter.convert({ layers: specs }).layers;
    return new Map(layers.map((layer) => [layer.id, layer]));
  }

  // New events arrived: draw them within the redraw budget.
  dataChanged() {
    this.owed.points = this.owed.aggregates = true;
    this.schedule();
  }

  // Replay time moved: recompute everything on the next frame (someone is at the slider).
  timeChanged() {
    this.owed.points = this.owed.aggregates = true;
    this.lastAggregate = 0;
    clearTimeout(this.timer);
    this.timer = null;
    this.schedule(0);
  }

  gap() { return Math.min(this.maxGapMs, Math.max(this.renderMs, this.budget * this.cost)); }

  // Flush once `wait` ms have passed (default: when the redraw budget allows the next redraw).
  schedule(wait = Math.max(0, this.lastRender + this.gap() - performance.now())) {
    if (this.timer) return;
    this.timer = setTimeout(() => requestAnimationFrame(() => { this.timer = null; this.flush(); }), wait);
  }

  flush() {
    const aggregate = this.owed.aggregates && performance.now() - this.lastAggregate >= this.aggregateMs;
    if (this.takePoints() || aggregate) this.render({ aggregate });
    if (this.owed.aggregates) {
      const due = Math.max(this.lastAggregate + this.aggregateMs, this.lastRender + this.gap());
      this.schedule(Math.max(0, due - performance.now()));
    }
  }

  // Time from a redraw to the second frame after it: what drawing costs on this machine (the
  // first redraws compile shaders and are not counted).
  measure(t0) {
    this.renders += 1;
    if (this.renders <= WARM_UP_RENDERS) return;
    requestAnimationFrame(() => requestAnimationFrame((t) => {
      this.cost = this.cost ? 0.7 * this.cost + 0.3 * (t - t0) : t - t0;
    }));
  }

  visibleEntries(role) {
    const out = [];
    for (const entry of this.catalog) {
      if (this.hidden.has(entry.id)) continue;
      for (const d of entry.deck) if (d.role === role && this.inZoom(d)) out.push({ entry, d });
    }
    return out;
  }

  // Give visible points layers their new rows; return whether any changed. The deck entries of
  // one catalog entry (e.g. a unit's point and its route line) share one diff of their kind.
  takePoints() {
    let changed = false;
    const diffs = new Map();
    for (const { entry, d } of this.visibleEntries("points")) {
      if (!diffs.has(entry.id)) {
        diffs.set(entry.id, entry.kinds.length === 1 ? this.events.points(entry.kinds[0])
          : { data: entry.kinds.flatMap((k) => this.events.visible(k)), ranges: null });
      }
      const diff = diffs.get(entry.id);
      if (diff) this.cache.set(d.spec.id, diff);
      changed = changed || Boolean(diff);
    }
    if (this.owed.points) {
      for (const { entry, d } of this.visibleEntries("latest")) {
        const data = newestPerKey(entry.kinds.flatMap((k) => this.events.visible(k)), d.key);
        const before = (this.cache.get(d.spec.id) || { data: [] }).data;
        if (data.length === before.length && data.every((ev, i) => ev === before[i])) continue;
        this.cache.set(d.spec.id, { data });
        changed = true;
      }
    }
    this.owed.points = false;
    return changed;
  }

  takeAggregates() {
    for (const { entry, d } of this.visibleEntries("hexagons")) {
      const res = d.h3_res || 7;
      this.cache.set(d.spec.id, { data: entry.kinds.flatMap((k) => this.events.hexagons(k, res)) });
    }
    if (this.loadTime !== this.events.time || performance.now() - this.lastLoad >= this.loadMs) this.updateLoad();
    this.lastAggregate = performance.now();
    this.owed.aggregates = false;
  }

  updateLoad() {
    this.loadTime = this.events.time;
    this.lastLoad = performance.now();
    const kinds = this.catalog.filter((e) => e.source === "stream" && !this.hidden.has(e.id)).flatMap((e) => e.kinds);
    const load = this.events.areaLoad(kinds);
    const max = Math.max(1, ...load.values());
    for (const f of this.areas.features) {
      const open = load.get(f.properties.code) || 0;
      f.properties.open = open;
      f.properties.load = open / max;
    }
    this.loadVersion += 1;
  }

  inZoom(d) {
    const z = this.viewState.zoom;
    return (d.minZoom === undefined || z >= d.minZoom) && (d.maxZoom === undefined || z < d.maxZoom);
  }

  dataProps(entry, d) {
    if (d.role === "choropleth") return { data: this.areas, updateTriggers: { getFillColor: this.loadVersion } };
    if (d.role === "base") return { data: this.sources.get(entry.source) || [] };
    const cached = this.cache.get(d.spec.id);
    if (!cached) return { data: [] };
    const ranges = cached.ranges;
    return ranges ? { data: cached.data, _dataDiff: () => ranges } : { data: cached.data };
  }

  // Redraw: take the data owed to the layers that show, then hand each canvas its layers (the
  // basemap only when something on it changed).
  render({ aggregate = false } = {}) {
    const t0 = performance.now();
    this.takePoints();
    if (aggregate) this.takeAggregates();
    const layers = { base: [], live: [] };
    for (const entry of this.catalog) {
      const on = !this.hidden.has(entry.id);
      for (const d of entry.deck) {
        const template = this.templates.get(d.spec.id);
        if (!template) continue;
        layers[BASE_ROLES.has(d.role) ? "base" : "live"].push(
          template.clone({ visible: on && this.inZoom(d), ...this.dataProps(entry, d) }));
      }
    }
    layers.live.push(this.selectionLayer(), ...this.overlays);
    const baseKey = `${this.loadVersion}:${layers.base.map((l) => l.props.visible).join()}`;
    if (baseKey !== this.baseKey) this.base.setProps({ layers: layers.base });
    this.baseKey = baseKey;
    this.deck.setProps({ layers: layers.live });
    this.lastRender = t0;
    this.measure(t0);
    this.dispatchEvent(new CustomEvent("render"));
  }

  // What the pointer is on: the live canvas first, else the basemap under it.
  orBase(info) {
    if (info.object || info.x === undefined) return info;
    const below = this.base.pickObject({ x: info.x, y: info.y, radius: 2 });
    return below ? { ...info, ...below, coordinate: info.coordinate } : info;
  }

  selectionLayer() {
    return new deckgl.ScatterplotLayer({
      id: "wall-selection", data: this.selected ? [this.selected] : [], pickable: false,
      getPosition: (ev) => [ev.lon, ev.lat], filled: false, stroked: true, radiusUnits: "pixels",
      getRadius: 16, getLineColor: [255, 255, 255, 255], lineWidthUnits: "pixels", getLineWidth: 4,
    });
  }

  setHidden(layerId, hidden) {
    if (hidden) this.hidden.add(layerId); else this.hidden.delete(layerId);
    localStorage.setItem(HIDDEN_KEY, JSON.stringify([...this.hidden]));
    this.updateLoad();
    this.owed.points = true;  // a layer shown again takes its latest rows
    this.render({ aggregate: true });
  }

  select(ev) {
    this.selected = ev;
    this.render();
  }

  setOverlays(layers) {
    this.overlays = layers;
    this.render();
  }

  clicked(info) {
    const obj = info.object;
    this.dispatchEvent(new CustomEvent("pick", { detail: { coordinate: info.coordinate || null, object: obj || null } }));
    if (obj && obj.id && obj.kind) {
      this.dispatchEvent(new CustomEvent("select", { detail: { id: obj.id } }));
    } else if (obj && obj.hex && info.coordinate) {
      const d = this.catalog.flatMap((e) => e.deck).find((x) => x.spec.id === info.layer.id);
      const zoom = d && d.maxZoom !== undefined ? d.maxZoom + 0.6 : this.viewState.zoom + 2;
      this.flyTo({ longitude: info.coordinate[0], latitude: info.coordinate[1], zoom }, 1500, true);
    } else if (!obj) {
      this.dispatchEvent(new CustomEvent("select", { detail: { id: null } }));
    }
  }

  // The view state is controlled here: the user's gestures and flights both come through.
  setView(viewState, interactionState = {}) {
    const before = this.viewState.zoom;
    this.viewState = viewState;
    this.base.setProps({ viewState });
    this.deck.setProps({ viewState });
    const user = Boolean(interactionState.isDragging || interactionState.isZooming || interactionState.isPanning);
    this.dispatchEvent(new CustomEvent("view", { detail: { viewState, user } }));
    const crossed = this.catalog.some((e) => e.deck.some((d) => [d.minZoom, d.maxZoom].some(
      (z) => z !== undefined && (before < z) !== (viewState.zoom < z))));
    if (crossed) this.render({ aggregate: true });
  }

  // Fly the camera to {longitude, latitude, zoom, pitch?, bearing?} (durationMs 0: at once);
  // a new flight or a gesture stops the one in progress.
  flyTo(view, durationMs = 2500, user = false) {
    const { longitude, latitude, zoom, pitch = 0, bearing = 0 } = view;
    const size = { width: this.container.clientWidth || 1, height: this.container.clientHeight || 1 };
    const from = { ...this.viewState, ...size };
    const to = { ...from, longitude, latitude, zoom, pitch, bearing };
    const flight = ++this.flight;
    const interaction = user ? { isPanning: true } : {};
    if (durationMs <= 0) { this.setView(to, interaction); return; }
    const interpolator = new deckgl.FlyToInterpolator();
    const { start, end } = interpolator.initializeProps(from, to);
    const t0 = performance.now();
    const step = (now) => {
      if (flight !== this.flight) return;
      const t = Math.min(1, (now - t0) / durationMs);
      const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      this.setView({ ...to, ...interpolator.interpolateProps(start, end, eased) }, t === 0 ? interaction : {});
      if (t < 1) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  // For tests and tools: where a point is on screen, and what a deck layer holds right now.
  project(lon, lat) { return this.deck.getViewports()[0].project([lon, lat]); }

  layer(deckId) {
    const all = [...(this.base.props.layers || []), ...(this.deck.props.layers || [])];
    return all.find((l) => l.id === deckId) || null;
  }
}

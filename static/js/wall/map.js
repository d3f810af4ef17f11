// The map: deck.gl layers built from the server's layer catalog (pydeck JSON specs, converted by
// deck.gl's own JSONConverter from the locally served bundle) and fed from WallEvents. Nothing
// here knows a kind: what a layer draws, its colours and zoom range come from the catalog; the
// role of each deck entry says which data it takes:
//   base       → the document at entry.source (fetched once by the page);
//   choropleth → the areas, with properties.load (0…1) and properties.open set per area;
//   points     → the kind's events, updated row by row as they arrive (_dataDiff);
//   hexagons   → {hex, count} per parent cell at d.h3_res, recounted at most every aggregateMs.
// Events: "select" ({id} or {id: null}), "view" ({viewState, user}) .
import { throttle } from "../core/dom.js";

const deckgl = window.deck;
const HIDDEN_KEY = "ioc-wall-hidden";

function layerClasses() {
  return Object.fromEntries(Object.entries(deckgl).filter(([, v]) => typeof v === "function"));
}

export class WallMap extends EventTarget {
  constructor(container, { catalog, events, sources, areas, tooltip, renderMs, aggregateMs, view }) {
    super();
    Object.assign(this, { catalog, events, sources, areas, tooltip });
    this.hidden = new Set(JSON.parse(localStorage.getItem(HIDDEN_KEY) || "null")
      || catalog.filter((e) => e.visible === false).map((e) => e.id));
    this.cache = new Map();        // deck id → {data, ranges, version}
    this.loadVersion = 0;
    this.selected = null;
    this.viewState = { ...view };
    this.templates = this.buildTemplates();
    this.container = container;
    this.flight = 0;
    this.deck = new deckgl.Deck({
      parent: container, viewState: this.viewState, controller: true, layers: [],
      getTooltip: (info) => this.tooltip(info),
      onClick: (info) => this.clicked(info),
      onViewStateChange: ({ viewState, interactionState }) => {
        this.flight += 1;  // a hand on the map stops any flight
        this.setView(viewState, interactionState);
      },
    });
    this.refreshPoints = throttle(() => { this.takePoints(); this.render(); }, renderMs);
    this.refreshAggregates = throttle(() => { this.takeAggregates(); this.render(); }, aggregateMs);
    this.takeAggregates();
    this.render();
  }

  // One deck.gl Layer per catalog deck entry, converted once and later cloned with data.
  buildTemplates() {
    const converter = new deckgl.JSONConverter({ configuration: { classes: layerClasses() } });
    const specs = this.catalog.flatMap((e) => e.deck.map((d) => ({ ...d.spec, data: [] })));
    const layers = converter.convert({ layers: specs }).layers;
    return new Map(layers.map((layer) => [layer.id, layer]));
  }

  // New events or a new replay time: points soon, aggregates at their own pace.
  dataChanged() {
    this.refreshPoints();
    this.refreshAggregates();
  }

  // Replay time moved: recompute everything on the next frame.
  timeChanged() {
    requestAnimationFrame(() => { this.takePoints(); this.takeAggregates(); this.render(); });
  }

  takePoints() {
    for (const { entry, d } of this.deckEntries("points")) {
      if (entry.kinds.length !== 1) {
        this.cache.set(d.spec.id, { data: entry.kinds.flatMap((k) => this.events.visible(k)), ranges: null });
        continue;
      }
      const diff = this.events.points(entry.kinds[0]);
      if (diff) this.cache.set(d.spec.id, diff);
    }
  }

  takeAggregates() {
    for (const { entry, d } of this.deckEntries("hexagons")) {
      const res = d.h3_res || 7;
      this.cache.set(d.spec.id, { data: entry.kinds.flatMap((k) => this.events.hexagons(k, res)) });
    }
    this.updateLoad();
  }

  updateLoad() {
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

  *deckEntries(role) {
    for (const entry of this.catalog) for (const d of entry.deck) if (d.role === role) yield { entry, d };
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

  render() {
    const layers = [];
    for (const entry of this.catalog) {
      const on = !this.hidden.has(entry.id);
      for (const d of entry.deck) {
        const template = this.templates.get(d.spec.id);
        if (template) layers.push(template.clone({ visible: on && this.inZoom(d), ...this.dataProps(entry, d) }));
      }
    }
    layers.push(this.selectionLayer());
    this.deck.setProps({ layers });
    this.dispatchEvent(new CustomEvent("render"));
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
    this.render();
  }

  select(ev) {
    this.selected = ev;
    this.render();
  }

  clicked(info) {
    const obj = info.object;
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
    this.deck.setProps({ viewState });
    const user = Boolean(interactionState.isDragging || interactionState.isZooming || interactionState.isPanning);
    this.dispatchEvent(new CustomEvent("view", { detail: { viewState, user } }));
    const crossed = this.catalog.some((e) => e.deck.some((d) => [d.minZoom, d.maxZoom].some(
      (z) => z !== undefined && (before < z) !== (viewState.zoom < z))));
    if (crossed) this.render();
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

  layer(deckId) { return (this.deck.props.layers || []).find((l) => l.id === deckId) || null; }
}

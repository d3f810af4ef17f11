// The map wall: boots the shared page services, loads the catalog and reference data, builds the
// event store and the map, mounts every panel the page declares, and follows the live stream.
//
// A panel is an element with data-panel="ID" data-module="/static/js/…/ID.js"; the module's
// default export is {mount(el, wall)} (see docs/WALL.md). window.iocWall is the `wall` object
// (for operators' consoles and the browser tests).
//
// Who the wall works for: a kiosk credential (#kiosk=…, kept across reboots), a token
// (#token=…) or the session of a person signed in; with none it goes to /login?next=/wall, and
// when the server ends its access (stream closed with 4401) it says so full-screen and goes there.
import { Api } from "../core/api.js";
import { Connection } from "../core/connection.js";
import { showError } from "../core/dom.js";
import { I18n } from "../core/i18n.js";
import { statusLabel } from "../core/labels.js";
import { Outbox } from "../core/outbox.js";
import { authenticate, sessionEnded } from "../core/page.js";
import { EventStream } from "../core/stream.js";
import { takeToken } from "../core/token.js";
import { wallConfig } from "./config.js";
import { WallEvents } from "./events.js";
import { WallMap } from "./map.js";

class Wall extends EventTarget {
  constructor({ token, config }) {
    super();
    this.config = config;
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ token, connection: this.connection });
    this.outbox = new Outbox(this.api, { connection: this.connection });
    this.token = token;
    this.selected = null;
    this.time = null;  // null: live
    this.ready = false;
  }

  on(type, fn) { this.addEventListener(type, (e) => fn(e.detail)); }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  async load() {
    const get = (path) => this.api.get(path);
    const [layers, cats, areas, agencies, health] = await Promise.all([
      get("/api/v1/layers"), get("/api/v1/categories"), get("/api/v1/areas"),
      get("/api/v1/agencies"), get("/api/v1/health")]);
    this.catalog = layers.layers;
    this.categories = new Map(cats.categories.map((c) => [c.code, c]));
    this.agencies = new Map(agencies.agencies.map((a) => [a.id, a]));
    this.areasDoc = areas;
    this.areaNames = new Map(areas.features.map((f) => [f.properties.code, f.properties.full_name || f.properties.name]));
    this.head = health.last_seq;
    const paths = this.catalog.map((e) => e.source).filter((s) => s !== "stream" && s !== "/api/v1/areas");
    this.sources = new Map(await Promise.all(paths.map(async (p) => [p, await get(p)])));
    this.sources.set("/api/v1/areas", areas);
  }

  // Labels every panel uses.
  layerOf(kind) { return this.catalog.find((e) => e.kinds.includes(kind)) || null; }

  categoryLabel(code) { return this.i18n.t(this.categories.get(code)) || code; }

  areaLabel(code) {
    return code ? this.areaNames.get(code) || code : this.i18n.t({ vi: "Ngoài đất liền", en: "Offshore" });
  }

  build() {
    const cfg = this.config;
    this.events = new WallEvents({ catalog: this.catalog, windowMs: cfg.windowHours * 3600e3, maxEvents: cfg.maxEvents });
    const start = cfg.views.find((v) => v.id === cfg.startView) || cfg.views[0];
    this.map = new WallMap(document.getElementById("map"), {
      catalog: this.catalog, events: this.events, sources: this.sources, areas: this.areasDoc,
      tooltip: (info) => this.tooltip(info), renderMs: cfg.renderMs, aggregateMs: cfg.aggregateMs, loadMs: cfg.loadMs, view: start,
    });
    this.map.addEventListener("select", (e) => this.select(e.detail.id));
    this.map.addEventListener("render", () => this.emit("render"));
    this.i18n.addEventListener("change", () => this.emit("lang", { lang: this.i18n.lang }));
  }

  tooltip({ object }) {
    if (!object) return null;
    if (object.kind) {
      return { text: [this.categoryLabel(object.category), this.areaLabel(object.area),
        `${this.i18n.time(object.observed_at)} · ${statusLabel(object.kind, object.status, this.i18n)}`].join("\n") };
    }
    if (object.hex) return { text: this.i18n.t({ vi: "Số sự kiện: ", en: "Events: " }) + object.count };
    const p = object.properties;
    if (p && p.code && p.open !== undefined) {
      return { text: [this.areaLabel(p.code), this.i18n.t({ vi: "Việc đang mở: ", en: "Open cases: " }) + p.open,
        this.i18n.t({ vi: "Quá hạn: ", en: "Overdue: " }) + p.overdue].join("\n") };
    }
    return p && p.name ? { text: p.name } : null;
  }

  follow() {
    const since = Math.max(0, this.head - this.config.maxEvents);
    const layers = this.catalog.filter((e) => e.source === "stream").map((e) => e.id);
    this.stream = new EventStream({ token: this.token, layers, since, connection: this.connection });
    this.stream.addEventListener("events", (e) => this.received(e.detail.events));
    this.stream.addEventListener("error", (e) => showError(e.detail.error.message));
    this.stream.addEventListener("ended", () => sessionEnded(this.i18n));
    this.stream.start();
    let storeDown = false;  // the status panel's health checks: resume once the database is back
    this.on("store", ({ store }) => {
      if (storeDown && store.state === "ok") this.stream.resubscribe();
      storeDown = store.state !== "ok";
    });
    setInterval(() => { if (this.events.prune()) this.map.dataChanged(); }, 60000);
  }

  received(events) {
    this.events.add(events);
    this.map.dataChanged();
    if (this.selected && events.some((ev) => ev.id === this.selected.id)) this.select(this.selected.id);
    this.emit("events", { events });
  }

  // Select an event by id (null clears); panels hear "select" with {event}.
  select(id) {
    this.selected = id ? this.events.get(id) : null;
    this.map.select(this.selected);
    this.emit("select", { event: this.selected });
  }

  // Replay: show what was known at t (epoch ms); null returns to live.
  setTime(t) {
    this.time = t;
    this.events.setTime(t);
    this.map.timeChanged();
    this.emit("time", { time: t });
  }

  async mountPanels() {
    const els = [...document.querySelectorAll("[data-panel][data-module]")];
    await Promise.all(els.map(async (el) => {
      try {
        const mod = await import(el.dataset.module);
        mod.default.mount(el, this);
      } catch (err) {
        console.error(`panel ${el.dataset.panel} failed`, err);
        el.dataset.failed = "true";
      }
    }));
  }
}

async function start() {
  const token = takeToken();
  const wall = new Wall({ token, config: wallConfig() });
  window.iocWall = wall;
  wall.i18n.apply(document);
  if (!(await authenticate(wall))) return;
  await wall.load();
  wall.build();
  await wall.mountPanels();
  wall.follow();
  wall.ready = true;
  wall.emit("ready");
}

start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));

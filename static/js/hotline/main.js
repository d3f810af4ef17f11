// The hotline page (/hotline): operators log calls keyboard-first, see earlier calls of the same
// caller or place, the computed priority (and override it with a reason), the queue of open
// calls, and dispatch a call to a nearby suitable unit. Boots the shared page services, loads the
// reference data, draws a small map with the wall's own map module, and follows the live stream.
// window.iocHotline is the page object (for the browser tests).
import { Api } from "../core/api.js";
import { Connection } from "../core/connection.js";
import { showError } from "../core/dom.js";
import { I18n } from "../core/i18n.js";
import { statusLabel } from "../core/labels.js";
import { Outbox } from "../core/outbox.js";
import { mountHeader, sessionEnded, showQueued } from "../core/page.js";
import { EventStream } from "../core/stream.js";
import { takeToken } from "../core/token.js";
import { WallEvents } from "../wall/events.js";
import { WallMap } from "../wall/map.js";
import { CallForm } from "./form.js";
import { SidePanels } from "./panels.js";

const MAP_LAYERS = ["areas", "rivers", "roads", "sos", "hotline_calls", "responders"];
const STREAM_LAYERS = ["sos", "hotline_calls", "responders"];
const WINDOW_MS = 7 * 24 * 3600e3;
const START = { longitude: 107.58, latitude: 16.50, zoom: 10.3 };
// What the "waiting to send" banner calls each queued action.
const QUEUED_LABELS = {
  call: { vi: "Cuộc gọi mới", en: "New call" }, report: { vi: "Phản ánh", en: "Field report" }, repeat: { vi: "Gọi lại", en: "Repeat call" },
  assign: { vi: "Điều đội", en: "Dispatch" }, triage: { vi: "Mức ưu tiên", en: "Priority" },
};

class Hotline extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ token, connection: this.connection });
    this.outbox = new Outbox(this.api, { connection: this.connection, storageKey: "ioc-outbox-hotline" });
    this.ready = false;
  }

  on(type, fn) { this.addEventListener(type, (e) => fn(e.detail)); }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  async load() {
    const get = (path) => this.api.get(path);
    const [layers, areas, cats, rules, queue, units, health] = await Promise.all([
      get("/api/v1/layers"), get("/api/v1/areas"), get("/api/v1/categories"),
      get("/api/v1/calls/triage-rules"), get("/api/v1/calls"), get("/api/v1/units"), get("/api/v1/health")]);
    this.catalog = layers.layers.filter((e) => MAP_LAYERS.includes(e.id));
    this.areas = areas;
    this.areaNames = new Map(areas.features.map((f) => [f.properties.code, f.properties.full_name]));
    this.categories = new Map(cats.categories.map((c) => [c.code, c]));
    this.domains = cats.domains || [];
    this.rules = rules;
    this.head = health.last_seq;
    const paths = this.catalog.map((e) => e.source).filter((s) => s !== "stream" && s !== "/api/v1/areas");
    this.sources = new Map(await Promise.all(paths.map(async (p) => [p, await get(p)])));
    this.events = new WallEvents({ catalog: this.catalog, windowMs: WINDOW_MS, maxEvents: 50000 });
    this.events.add([...queue.calls, ...units.units]);
  }

  categoryLabel(code) { return this.i18n.t(this.categories.get(code)) || code; }

  areaLabel(code) { return code ? this.areaNames.get(code) || code : this.i18n.t({ vi: "Ngoài đất liền", en: "Offshore" }); }

  buildMap() {
    this.map = new WallMap(document.getElementById("map"), {
      catalog: this.catalog, events: this.events, sources: this.sources, areas: this.areas,
      tooltip: ({ object }) => (object && object.kind ? { text: this.tooltip(object) } : null),
      renderMs: 250, aggregateMs: 1000, loadMs: 5000, view: START,
    });
    this.map.addEventListener("pick", (e) => this.emit("pick", e.detail));
    this.map.addEventListener("select", (e) => e.detail.id && this.emit("select", { id: e.detail.id }));
  }

  tooltip(ev) {
    if (ev.kind === "responder") return `${ev.props.name}\n${statusLabel(ev.kind, ev.status, this.i18n)}`;
    return `${this.categoryLabel(ev.category)}\n${this.areaLabel(ev.area)}`;
  }

  follow() {
    this.stream = new EventStream({ token: this.token, layers: STREAM_LAYERS, since: this.head, connection: this.connection });
    this.stream.addEventListener("events", (e) => this.received(e.detail.events));
    this.stream.addEventListener("error", (e) => showError(e.detail.error.message));
    this.stream.addEventListener("ended", () => sessionEnded(this.i18n));
    this.stream.start();
  }

  received(events) {
    this.events.add(events);
    this.map.dataChanged();
    this.emit("events", { events });
  }

  // Every call and unit held, by id (the stream keeps them current).
  get(id) { return this.events.get(id); }

  calls() { return ["sos", "hotline_call"].flatMap((k) => this.events.visible(k)); }

  units() { return this.events.visible("responder"); }
}

async function start() {
  const page = new Hotline(takeToken());
  window.iocHotline = page;
  if (!(await mountHeader(page, { onLang: () => page.emit("lang") }))) return;
  await page.load();
  page.buildMap();
  page.form = new CallForm(document.getElementById("call-form"), page);
  page.panels = new SidePanels(document.querySelector(".side"), page);
  const queued = () => showQueued(document.getElementById("queued"), page.outbox, page.i18n, QUEUED_LABELS);
  page.outbox.addEventListener("change", queued);
  page.on("lang", queued);
  queued();
  page.follow();
  page.ready = true;
  page.emit("ready");
}

start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));

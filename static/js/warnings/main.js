// The warning desk (/warnings): operators draft public warnings (or find those a river gauge
// drafted), supervisors check who is inside, preview the CAP message and the public page, then
// approve, send, update or cancel them (docs/WARNINGS.md). Boots the shared page services, loads
// the reference data, draws the project's basemap with the wall's map module and follows the
// live stream (warnings, calls, units). window.iocWarnings is the page object (browser tests).
import { Api } from "../core/api.js";
import { Connection } from "../core/connection.js";
import { showError } from "../core/dom.js";
import { I18n } from "../core/i18n.js";
import { mountHeader, sessionEnded } from "../core/page.js";
import { EventStream } from "../core/stream.js";
import { takeToken } from "../core/token.js";
import { Editor } from "./editor.js";
import { WarningList } from "./list.js";
import { DeskMap } from "./mapview.js";
import { Review } from "./review.js";

const STREAM_LAYERS = ["warnings", "sos", "hotline_calls", "responders"];
// Roles that may draft (the server decides; the page only hides what would be refused).
const DRAFTERS = new Set(["operator", "supervisor", "admin"]);

class Desk extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ token, connection: this.connection });
    this.warnings = new Map();
    this.selectedId = null;
    this.ready = false;
  }

  on(type, fn) { this.addEventListener(type, (e) => fn(e.detail)); }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  // The person's role when signed in with a session (null with a machine token).
  get role() { return this.me && this.me.user ? this.me.user.role : null; }

  mayDraft() { return this.role === null || DRAFTERS.has(this.role); }

  async load() {
    const get = (path) => this.api.get(path);
    const [layers, areas, cats, table, calls, units, health, list] = await Promise.all([
      get("/api/v1/layers"), get("/api/v1/areas"), get("/api/v1/categories"),
      get("/api/v1/warnings/actions"), get("/api/v1/calls"), get("/api/v1/units"),
      get("/api/v1/health"), get("/api/v1/warnings")]);
    this.layers = layers.layers;
    this.areas = areas;
    this.areaNames = new Map(areas.features.map((f) => [f.properties.code, f.properties.full_name || f.properties.name]));
    this.categories = new Map(cats.categories.map((c) => [c.code, c]));
    this.actionTable = new Map(table.actions.map((a) => [a.name, a]));
    this.head = health.last_seq;
    this.initial = [...calls.calls, ...units.units];
    for (const ev of list.warnings) this.warnings.set(ev.id, ev);
  }

  categoryLabel(code) { return this.i18n.t(this.categories.get(code)) || "—"; }

  areaLabel(code) { return this.areaNames.get(code) || code; }

  actionLabel(name) { return this.i18n.t(this.actionTable.get(name)) || name; }

  // Warnings newest first (by when they were drafted or received, then by last change).
  sorted() {
    return [...this.warnings.values()].sort((a, b) => Date.parse(b.observed_at) - Date.parse(a.observed_at) || b.seq - a.seq);
  }

  follow() {
    this.stream = new EventStream({ token: this.token, layers: STREAM_LAYERS, since: this.head, connection: this.connection });
    this.stream.addEventListener("events", (e) => this.received(e.detail.events));
    this.stream.addEventListener("error", (e) => showError(e.detail.error.message));
    this.stream.addEventListener("ended", () => sessionEnded(this.i18n));
    this.stream.start();
  }

  received(events) {
    const changed = [];
    for (const ev of events) {
      if (ev.kind !== "warning") continue;
      const had = this.warnings.get(ev.id);
      if (!had || had.seq <= ev.seq) { this.warnings.set(ev.id, ev); changed.push(ev); }
    }
    this.map.add(events.filter((ev) => ev.kind !== "warning"));
    if (changed.length) this.emit("warnings", { changed });
  }

  // Keep a warning the server answered with (before the stream brings it).
  keep(ev) {
    const had = this.warnings.get(ev.id);
    if (!had || had.seq <= ev.seq) this.warnings.set(ev.id, ev);
    this.emit("warnings", { changed: [ev] });
  }

  select(id) {
    this.selectedId = id;
    this.emit("select", { id });
  }
}

async function start() {
  const page = new Desk(takeToken());
  window.iocWarnings = page;
  if (!(await mountHeader(page, { onLang: () => page.emit("lang") }))) return;
  await page.load();
  page.map = await DeskMap.create(document.getElementById("map"), page);
  page.list = new WarningList(document.querySelector(".list-panel"), page);
  page.editor = new Editor(document.getElementById("editor"), page);
  page.review = new Review(document.getElementById("review"), page);
  document.getElementById("new").hidden = !page.mayDraft();
  document.getElementById("new").addEventListener("click", () => page.editor.open(null));
  page.on("editing", ({ open }) => {
    document.getElementById("map-hint").hidden = open;
    document.getElementById("map-hint-edit").hidden = !open;
  });
  page.follow();
  page.ready = true;
  page.emit("ready");
}

start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));

// The responder tablet (/tablet): the unit's task, one big button per next step (en route, on
// scene, person rescued, handed to hospital, done), notes, "available"/"off duty", a map, and the
// device's position sent every 30 s. Every action goes through the outbox: on a dropping link it
// is queued (the banner and the indicator say so), the screen moves on at once, and it is sent,
// in order and once, when the link is back. The view is polled (GET /api/v1/units/me): a tablet
// token sees only its own unit and its cases. window.iocTablet is the page object (for tests).
import { Api } from "../core/api.js";
import { CALL_STATUS, UNIT_STATUS, fact, isOpenCall, needLabels, priorityBadge, since } from "../core/calls.js";
import { Connection } from "../core/connection.js";
import { h, showError, uuid } from "../core/dom.js";
import { I18n } from "../core/i18n.js";
import { Outbox } from "../core/outbox.js";
import { mountHeader, showQueued } from "../core/page.js";
import { takeToken } from "../core/token.js";
import { WallEvents } from "../wall/events.js";
import { WallMap } from "../wall/map.js";

const STEPS = {
  en_route: { vi: "Xuất phát", en: "En route" },
  on_scene: { vi: "Đã đến nơi", en: "On scene" },
  rescued: { vi: "Đã cứu được người", en: "Person rescued" },
  handed_to_hospital: { vi: "Đã chuyển đến bệnh viện", en: "Handed to hospital" },
  resolve: { vi: "Hoàn thành", en: "Done" },
};
const UNIT_STEPS = {
  available: { vi: "Sẵn sàng nhận việc", en: "Ready for a task" },
  off_duty: { vi: "Nghỉ", en: "Off duty" },
};
const LABELS = { ...STEPS, ...UNIT_STEPS, note: { vi: "Ghi chú", en: "Note" }, position: { vi: "Vị trí", en: "Position" } };
const MAP_LAYERS = ["areas", "rivers", "roads", "sos", "hotline_calls", "responders"];
const POLL_MS = 10000;
const NOTES_AFTER_MS = 6 * 3600e3;  // how long a closed case keeps its note box (what happened)
const FIX_MS = 30000;

class Tablet {
  constructor(token) {
    this.token = token;
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ token, connection: this.connection });
    this.outbox = new Outbox(this.api, { connection: this.connection, storageKey: "ioc-outbox-tablet" });
    this.view = null;
    this.local = new Map();   // call id → status tapped here and not yet confirmed by the server
    this.fix = null;
    this.ready = false;
    this.el = (id) => document.getElementById(id);
  }

  async load() {
    const get = (path) => this.api.get(path);
    const [layers, areas, table, cats] = await Promise.all([get("/api/v1/layers"), get("/api/v1/areas"),
      get("/api/v1/calls/actions"), get("/api/v1/categories")]);
    this.table = table.actions;
    this.categories = new Map(cats.categories.map((c) => [c.code, c]));
    this.areaNames = new Map(areas.features.map((f) => [f.properties.code, f.properties.full_name]));
    const catalog = layers.layers.filter((e) => MAP_LAYERS.includes(e.id));
    const paths = catalog.map((e) => e.source).filter((s) => s !== "stream" && s !== "/api/v1/areas");
    const sources = new Map(await Promise.all(paths.map(async (p) => [p, await get(p)])));
    sources.set("/api/v1/areas", areas);
    this.events = new WallEvents({ catalog, windowMs: 30 * 24 * 3600e3, maxEvents: 1000 });
    this.map = new WallMap(this.el("map"), { catalog, events: this.events, sources, areas,
      tooltip: () => null, renderMs: 250, aggregateMs: 1000, loadMs: 5000,
      view: { longitude: 107.58, latitude: 16.5, zoom: 11 } });
    await this.refresh();
    if (this.view) this.centre();
  }

  // Ask the server for the unit and its cases; on a dead link keep what is shown.
  async refresh() {
    try {
      this.view = await this.api.get("/api/v1/units/me");
    } catch (err) {
      if (err.status === 401 || err.status === 403 || err.status === 404) showError(err.message);
      return;
    }
    for (const { call } of this.view.calls) {
      if (this.local.get(call.id) === call.status) this.local.delete(call.id);
    }
    this.events.add([this.view.unit, ...this.view.calls.map((c) => c.call)]);
    this.map.dataChanged();
    this.render();
  }

  centre() {
    const unit = this.view.unit;
    const task = this.current();
    const lon = task ? (unit.lon + task.lon) / 2 : unit.lon;
    const lat = task ? (unit.lat + task.lat) / 2 : unit.lat;
    this.map.flyTo({ longitude: lon, latitude: lat, zoom: 13 }, 0);
  }

  current() {
    const open = this.view ? this.view.calls.map((c) => c.call).filter(isOpenCall) : [];
    return open[0] || null;
  }

  // The case notes go to: the open task, else the case closed last (within NOTES_AFTER_MS): after
  // "rescued" the responder still writes what happened.
  noteCall() {
    const open = this.current();
    if (open || !this.view) return open;
    const closedAt = (c) => Date.parse((c.props.dispatch && c.props.dispatch.closed_at) || c.observed_at);
    const done = this.view.calls.map((c) => c.call).filter((c) => !isOpenCall(c))
      .filter((c) => Date.now() - closedAt(c) < NOTES_AFTER_MS).sort((a, b) => closedAt(b) - closedAt(a));
    return done[0] || null;
  }

  status(call) { return this.local.get(call.id) || call.status; }

  // The steps the lifecycle table (GET /api/v1/calls/actions) allows a responder from `status`.
  steps(status) {
    return this.table.filter((a) => STEPS[a.name] && a.from.includes(status) && a.roles.includes("responder")).map((a) => a.name);
  }

  render() {
    const unit = this.view.unit;
    this.el("unit-name").textContent = this.i18n.lang === "en" && unit.props.name_en ? unit.props.name_en : unit.props.name;
    const status = this.el("unit-status");
    status.textContent = this.i18n.t(UNIT_STATUS[unit.status] || { vi: unit.status });
    status.dataset.status = unit.status;
    document.body.dataset.unitStatus = unit.status;
    const task = this.current();
    this.renderCase(task);
    this.renderSteps(task);
    this.renderNotes(this.noteCall());
    this.renderUnitControls(task);
    this.renderDone();
    this.renderQueued();
  }

  renderCase(call) {
    const box = this.el("case");
    box.dataset.call = call ? call.id : "";
    box.dataset.status = call ? this.status(call) : "";
    if (!call) {
      box.replaceChildren(h("p", { class: "empty muted", text: this.i18n.t({ vi: "Chưa có nhiệm vụ. Giữ máy bật để nhận việc.", en: "No task yet. Keep the tablet on to receive one." }) }));
      return;
    }
    const p = call.props;
    const pending = this.local.has(call.id) ? ` · ${this.i18n.t({ vi: "chờ gửi", en: "waiting to send" })}` : "";
    box.replaceChildren(...[
      h("p", { class: "case-head" }, priorityBadge(p.triage ? p.triage.priority : 4, this.i18n, "big"), " ",
        h("strong", { text: this.i18n.t(this.categories.get(call.category)) || call.category })),
      h("p", { class: "case-status", text: this.i18n.t(CALL_STATUS[this.status(call)]) + pending }),
      h("p", { class: "case-where", text: [p.address, this.areaNames.get(call.area)].filter(Boolean).join(" — ") }),
      h("dl", { class: "facts" },
        ...fact(this.i18n, { vi: "Người gọi", en: "Caller" }, [p.name, p.phone].filter(Boolean).join(" · ")),
        ...fact(this.i18n, { vi: "Nhu cầu", en: "Needs" }, needLabels(call, this.i18n)),
        ...fact(this.i18n, { vi: "Số người", en: "People" }, String(p.people || 1)),
        ...fact(this.i18n, { vi: "Nước sâu", en: "Water" }, typeof p.water_depth_m === "number" ? `${this.i18n.number(p.water_depth_m, 1)} m` : ""),
        ...fact(this.i18n, { vi: "Lời nhắn", en: "Message" }, p.note),
        ...fact(this.i18n, { vi: "Đã chờ", en: "Waiting" }, since(call.observed_at, this.i18n))),
      p.phone ? h("a", { class: "btn big call", href: "tel:" + p.phone.replace(/[^0-9+]/g, ""), text: this.i18n.t({ vi: "Gọi người cần cứu", en: "Call the person" }) }) : null].filter(Boolean));
  }

  renderSteps(call) {
    const box = this.el("steps");
    if (!call) { box.replaceChildren(); return; }
    box.replaceChildren(...this.steps(this.status(call)).map((name) => h("button", {
      type: "button", class: `btn step step-${name}`, dataset: { step: name }, text: this.i18n.t(STEPS[name]),
      on: { click: () => this.step(call, name) } })));
  }

  renderNotes(call) {
    this.el("notes-panel").hidden = !call;
    this.el("notes-panel").dataset.call = call ? call.id : "";
    const notes = call && call.props.dispatch ? call.props.dispatch.notes || [] : [];
    this.el("notes").replaceChildren(...notes.slice().reverse().map((n) => h("li", {},
      h("span", { class: "when", text: this.i18n.time(n.at) }), " ", h("span", { text: n.text }))));
  }

  renderUnitControls(call) {
    const unit = this.view.unit;
    const box = this.el("unit-controls");
    const offer = call ? [] : Object.keys(UNIT_STEPS).filter((s) => s !== unit.status);
    box.replaceChildren(...offer.map((s) => h("button", { type: "button", class: `btn big unit-${s}`, dataset: { unitStatus: s },
      text: this.i18n.t(UNIT_STEPS[s]), on: { click: () => this.unitStatus(s) } })));
  }

  renderDone() {
    const done = this.view.calls.map((c) => c.call).filter((c) => !isOpenCall(c));
    this.el("done-panel").hidden = !done.length;
    this.el("done").replaceChildren(...done.map((c) => h("li", {},
      h("span", { text: this.i18n.t(CALL_STATUS[c.status]) }), " · ",
      h("span", { text: this.i18n.t(this.categories.get(c.category)) || c.category }), " · ",
      h("span", { class: "muted", text: this.areaNames.get(c.area) || "" }))));
  }

  renderQueued() { showQueued(this.el("queued"), this.outbox, this.i18n, LABELS); }

  send(path, body, label, extra = {}) {
    const sent = this.outbox.enqueue({ path, body, label, ...extra });
    sent.then((res) => { if (res) this.refresh(); }).catch((err) => { showError(err.message); this.local.clear(); this.refresh(); });
    return sent;
  }

  step(call, name) {
    const target = this.table.find((a) => a.name === name).to;
    if (target) this.local.set(call.id, target);
    this.render();
    this.send(`/api/v1/calls/${call.id}/transitions`, { action: name }, name);
  }

  note() {
    const call = this.noteCall();
    const text = this.el("note-text").value.trim();
    if (!call || !text) return;
    this.el("note-text").value = "";
    const note = { id: uuid(), at: new Date().toISOString(), text };
    const dispatch = call.props.dispatch || (call.props.dispatch = {});
    dispatch.notes = [...(dispatch.notes || []), note];  // shown at once; the server's copy follows
    this.render();
    this.send(`/api/v1/calls/${call.id}/transitions`, { action: "note", text, ref: note.id }, "note");
  }

  unitStatus(status) {
    this.view.unit = { ...this.view.unit, status };
    this.render();
    this.send(`/api/v1/units/${this.view.unit.props.unit_id}/status`, { status }, status);
  }

  // The device's position: watched continuously, sent every FIX_MS (only the latest waits).
  watchPosition() {
    const gps = this.el("gps");
    if (!navigator.geolocation) { gps.textContent = this.i18n.t({ vi: "Thiết bị không có GPS", en: "No GPS on this device" }); return; }
    navigator.geolocation.watchPosition((pos) => {
      const first = !this.fix;
      this.fix = pos;
      gps.textContent = `GPS ±${Math.round(pos.coords.accuracy)} m · ${this.i18n.time(pos.timestamp, { seconds: true })}`;
      if (first) this.sendFix();
    }, (err) => { gps.textContent = this.i18n.t({ vi: "Chưa có GPS: ", en: "No GPS: " }) + err.message; },
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
    setInterval(() => this.sendFix(), FIX_MS);
  }

  sendFix() {
    if (!this.fix || !this.view) return;
    const c = this.fix.coords;
    const body = { lat: c.latitude, lon: c.longitude, at: new Date(this.fix.timestamp).toISOString(),
      accuracy_m: c.accuracy };
    if (Number.isFinite(c.speed) && c.speed !== null) body.speed_mps = c.speed;
    if (Number.isFinite(c.heading) && c.heading !== null) body.heading = c.heading % 360;
    this.send(`/api/v1/units/${this.view.unit.props.unit_id}/position`, body, "position", { coalesce: true });
  }
}

async function start() {
  const tablet = new Tablet(takeToken());
  window.iocTablet = tablet;
  if (!(await mountHeader(tablet, { onLang: () => tablet.view && tablet.render() }))) return;
  tablet.outbox.addEventListener("change", () => tablet.view && tablet.renderQueued());
  tablet.el("note-send").addEventListener("click", () => tablet.note());
  await tablet.load();
  setInterval(() => tablet.refresh(), POLL_MS);
  addEventListener("online", () => tablet.refresh());
  tablet.watchPosition();
  tablet.ready = true;
}

start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));

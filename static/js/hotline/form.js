// The call form: keyboard-first (the tab order is the form's order; Ctrl+Enter logs, Esc starts a
// new call, Alt+1…0 toggle needs, Alt+L links to the first earlier call), sensible defaults (one
// person, the category from the needs, the commune's inner point until the map or an earlier call
// gives a better one). While the operator types it asks the server for the priority the rules
// give (POST /api/v1/calls/triage) and for earlier calls of the same phone or place
// (GET /api/v1/calls/related). A call goes out through the outbox (kept and retried on a bad
// link); linking sends a "repeat" on the earlier call instead of logging a second one.
// The hotline is also a field-report channel: every category can be chosen (emergencies first,
// then the others grouped by domain); a non-emergency one is filed as a report
// (POST /api/v1/reports, source.channel "hotline") and the operator reads its case number.
import { NEEDS, PRIORITIES, priorityBadge, reasonLabel } from "../core/calls.js";
import { h, showError, uuid } from "../core/dom.js";

const PHONE = /^\+?[0-9 ().-]{6,32}$/;
const DEBOUNCE_MS = 250;

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export class CallForm {
  constructor(form, page) {
    Object.assign(this, { form, page, i18n: page.i18n });
    this.el = (id) => form.querySelector("#" + id);
    this.point = null;        // {lat, lon, source: {vi, en}} chosen on the map or from a call
    this.related = [];
    this.build();
    this.bind();
    this.reset();
  }

  build() {
    const needs = this.el("needs");
    for (const n of NEEDS) {
      needs.append(h("label", { class: "need" },
        h("input", { type: "checkbox", id: "need-" + n.id, value: n.id }),
        h("span", { "data-vi": n.vi, "data-en": n.en }), h("kbd", { text: "Alt+" + n.key })));
    }
    const areas = [...this.page.areas.features].sort((a, b) => a.properties.name.localeCompare(b.properties.name, "vi"));
    this.el("area").replaceChildren(h("option", { value: "", "data-vi": "— chọn xã, phường —", "data-en": "— choose —" }),
      ...areas.map((f) => h("option", { value: f.properties.code, text: f.properties.full_name })));
    this.categoryOptions();
    this.el("override").replaceChildren(h("option", { value: "", "data-vi": "— giữ mức tính được —", "data-en": "— keep computed —" }),
      ...[1, 2, 3, 4].map((p) => h("option", { value: String(p), "data-vi": PRIORITIES[p].vi, "data-en": PRIORITIES[p].en })));
    this.i18n.apply(this.form);
  }

  // Emergencies (kinds a hotline call takes) first, then every report category by domain.
  categoryOptions() {
    const select = this.el("category");
    const chosen = select.value;
    const all = [...this.page.categories.values()];
    const group = (label, cats) => h("optgroup", { label: this.i18n.t(label) },
      cats.map((c) => h("option", { value: c.code, "data-vi": c.vi, "data-en": c.en, dataset: { report: String(!c.kinds.includes("hotline_call")) } })));
    const reports = all.filter((c) => !c.kinds.includes("hotline_call") && c.kinds.includes("report"));
    const domains = this.page.domains.filter((d) => reports.some((c) => c.domain === d.code));
    select.replaceChildren(h("option", { value: "", "data-vi": "Tự động theo nhu cầu", "data-en": "From the needs" }),
      group({ vi: "Khẩn cấp: cứu nạn, cứu hộ", en: "Emergencies: rescue" }, all.filter((c) => c.kinds.includes("hotline_call"))),
      ...domains.map((d) => group({ vi: "Phản ánh — " + d.vi, en: "Field report — " + d.en }, reports.filter((c) => c.domain === d.code))));
    select.value = chosen;
  }

  // True when the chosen category is not an emergency: the call is filed as a field report.
  isReport() {
    const cat = this.page.categories.get(this.el("category").value);
    return Boolean(cat && !cat.kinds.includes("hotline_call"));
  }

  modeChanged() {
    this.form.dataset.mode = this.isReport() ? "report" : "call";
  }

  bind() {
    const preview = debounce(() => this.preview(), DEBOUNCE_MS);
    const lookup = debounce(() => this.lookup(), DEBOUNCE_MS);
    this.form.addEventListener("input", (e) => {
      preview();
      if (["phone", "area"].includes(e.target.id)) lookup();
    });
    this.form.addEventListener("change", (e) => {
      if (e.target.id === "area") this.areaChanged();
      if (e.target.id === "category") this.modeChanged();
    });
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    this.el("clear").addEventListener("click", () => this.reset());
    this.el("locate").addEventListener("click", () => this.locate());
    document.addEventListener("keydown", (e) => this.key(e));
    this.page.on("pick", ({ coordinate, object }) => {
      if (object && object.kind) { this.page.emit("select", { id: object.id }); return; }
      if (coordinate) this.setPoint(coordinate[1], coordinate[0], { vi: "điểm bấm trên bản đồ", en: "point on the map" });
    });
    this.page.on("lang", () => { this.categoryOptions(); this.i18n.apply(this.form); this.showWhere(); this.preview(); });
  }

  key(e) {
    if (e.ctrlKey && e.key === "Enter") { e.preventDefault(); this.submit(); return; }
    if (e.key === "Escape") { e.preventDefault(); this.reset(); return; }
    if (!e.altKey) return;
    const need = NEEDS.find((n) => n.key === e.key || e.code === "Digit" + n.key);
    if (need) {
      e.preventDefault();
      const box = this.el("need-" + need.id);
      box.checked = !box.checked;
      this.preview();
    } else if (e.key.toLowerCase() === "l" || e.code === "KeyL") {
      e.preventDefault();
      if (this.related.length) this.link(this.related[0].call);
    }
  }

  reset() {
    this.form.reset();
    this.point = null;
    this.related = [];
    this.modeChanged();
    this.page.emit("related", { calls: [] });
    this.page.map.setOverlays([]);
    this.showWhere();
    this.preview();
    this.el("phone").focus();
  }

  needs() { return NEEDS.map((n) => n.id).filter((id) => this.el("need-" + id).checked); }

  category() {
    const chosen = this.el("category").value;
    if (chosen) return chosen;
    const needs = new Set(this.needs());
    const hit = this.page.rules.need_categories.find(([need]) => needs.has(need));
    return hit ? hit[1] : this.page.rules.default_category;
  }

  numbers() {
    const people = Math.max(1, parseInt(this.el("people").value, 10) || 1);
    const depth = this.el("depth").value === "" ? null : Number(this.el("depth").value);
    return { people, water_depth_m: Number.isFinite(depth) ? depth : null };
  }

  // Where the call is: the chosen point, else the commune's inner point.
  location() {
    if (this.point) return this.point;
    const code = this.el("area").value;
    const f = this.page.areas.features.find((x) => x.properties.code === code);
    if (!f) return null;
    const [lon, lat] = f.properties.label_point;
    return { lat, lon, source: { vi: "giữa " + f.properties.full_name, en: "inside " + f.properties.full_name } };
  }

  setPoint(lat, lon, source) {
    this.point = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)), source };
    this.page.map.setOverlays([new window.deck.ScatterplotLayer({
      id: "hotline-point", data: [this.point], getPosition: (d) => [d.lon, d.lat], radiusUnits: "pixels",
      getRadius: 9, getFillColor: [255, 162, 53, 255], stroked: true, getLineColor: [0, 0, 0, 255], lineWidthUnits: "pixels", getLineWidth: 2,
    })]);
    this.showWhere();
    this.lookup();
  }

  // The device's own position (a hotline desk in the field, a walk-in caller): asks the browser,
  // which asks the operator once; the point then works like one clicked on the map.
  locate() {
    const fail = (why) => showError(this.i18n.t({ vi: "Không lấy được vị trí thiết bị: ", en: "No device location: " }) + why);
    if (!navigator.geolocation) { fail(this.i18n.t({ vi: "trình duyệt không hỗ trợ", en: "not supported" })); return; }
    navigator.geolocation.getCurrentPosition((pos) => {
      const { latitude, longitude, accuracy } = pos.coords;
      this.setPoint(latitude, longitude, { vi: `vị trí thiết bị ±${Math.round(accuracy)} m`, en: `device location ±${Math.round(accuracy)} m` });
      this.page.map.flyTo({ longitude, latitude, zoom: 14 }, 600);
    }, (err) => fail(err.message), { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }

  areaChanged() {
    const loc = this.location();
    if (loc && !this.point) this.page.map.flyTo({ longitude: loc.lon, latitude: loc.lat, zoom: 12 }, 600);
    this.showWhere();
  }

  showWhere() {
    const loc = this.location();
    const where = this.el("where");
    where.textContent = loc ? `${this.i18n.t({ vi: "Vị trí: ", en: "Location: " })}${this.i18n.t(loc.source)} (${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)})`
      : this.i18n.t({ vi: "Chọn xã/phường hoặc bấm vào bản đồ.", en: "Choose the commune or click the map." });
    where.dataset.set = loc ? "true" : "false";
  }

  async preview() {
    if (this.isReport()) return;  // a field report has no priority
    const body = { category: this.category(), needs: this.needs(), ...this.numbers() };
    if (body.water_depth_m === null) delete body.water_depth_m;
    try {
      this.triage = await this.page.api.post("/api/v1/calls/triage", body);
    } catch {
      return;  // offline: the server triages the call when it arrives
    }
    const t = this.triage;
    this.el("computed").replaceChildren(priorityBadge(t.priority, this.i18n), " ",
      h("span", { text: `${this.i18n.t(PRIORITIES[t.priority])} · ${this.i18n.t({ vi: "điểm", en: "score" })} ${t.score}` }));
    this.el("triage").dataset.priority = String(t.priority);
    this.el("reasons").replaceChildren(...t.reasons.map((r) => h("li", { text: reasonLabel(r, this.page.rules, this.i18n) })));
  }

  async lookup() {
    const phone = this.el("phone").value.trim();
    const loc = this.point;
    const q = new URLSearchParams();
    if (phone.replace(/\D/g, "").length >= 6) q.set("phone", phone);
    if (loc) { q.set("lat", loc.lat); q.set("lon", loc.lon); }
    if (![...q.keys()].length) { this.related = []; this.page.emit("related", { calls: [] }); return; }
    try {
      this.related = (await this.page.api.get("/api/v1/calls/related?" + q)).calls;
    } catch {
      return;
    }
    this.page.emit("related", { calls: this.related });
  }

  // The call as POST /api/v1/calls takes it; null (and the problems shown) when incomplete.
  body() {
    const problems = [];
    const phone = this.el("phone").value.trim();
    if (!PHONE.test(phone)) problems.push({ vi: "Số điện thoại chưa đúng", en: "The phone number is not valid" });
    const loc = this.location();
    if (!loc) problems.push({ vi: "Chưa có vị trí: chọn xã/phường hoặc bấm bản đồ", en: "No location: choose the commune or click the map" });
    const override = this.el("override").value;
    const reason = this.el("override-reason").value.trim();
    if (override && !reason) problems.push({ vi: "Điều chỉnh mức ưu tiên cần lý do", en: "An override needs a reason" });
    if (problems.length) {
      showError(problems.map((p) => this.i18n.t(p)).join(" · "));
      return null;
    }
    const props = { phone, needs: this.needs(), ...this.numbers() };
    for (const [key, id] of [["name", "name"], ["address", "address"], ["note", "note"]]) {
      const v = this.el(id).value.trim();
      if (v) props[key] = v;
    }
    if (props.water_depth_m === null) delete props.water_depth_m;
    if (this.isReport()) return this.report(props, loc);
    const call = { kind: "hotline_call", category: this.category(), lat: loc.lat, lon: loc.lon,
      source: { channel: "hotline", ref: uuid() }, props };
    if (override) call.override = { priority: Number(override), reason };
    return call;
  }

  // A field report as POST /api/v1/reports takes it from an operator: the caller as reporter,
  // the note as the description.
  report(props, loc) {
    const reporter = { phone: props.phone, ...(props.name ? { name: props.name } : {}) };
    const details = { description: props.note || "", reporter, ...(props.address ? { address: props.address } : {}) };
    return { kind: "report", category: this.el("category").value, lat: loc.lat, lon: loc.lon,
      source: { channel: "hotline", ref: uuid() }, props: details };
  }

  async submit() {
    const call = this.body();
    if (!call) return;
    showError("");
    this.reset();
    this.say({ vi: "Đang gửi…", en: "Sending…" }, "pending");
    try {
      if (call.kind === "report") {
        this.filed(await this.page.outbox.enqueue({ path: "/api/v1/reports", body: call, label: "report" }));
        return;
      }
      const res = await this.page.outbox.enqueue({ path: "/api/v1/calls", body: call, label: "call" });
      this.logged(res.call, false);
    } catch (err) {
      showError(err.message);
      this.say({ vi: "Không ghi nhận được: ", en: "Not logged: " }, "failed", err.message);
    }
  }

  async link(earlier) {
    const { people, water_depth_m } = this.numbers();
    const body = { action: "repeat", ref: uuid(), needs: this.needs(), people };
    if (water_depth_m !== null) body.water_depth_m = water_depth_m;
    const note = this.el("note").value.trim();
    if (note) body.note = note;
    if (!body.needs.length) delete body.needs;
    this.reset();
    try {
      const res = await this.page.outbox.enqueue({ path: `/api/v1/calls/${earlier.id}/transitions`, body, label: "repeat" });
      this.logged(res.call, true);
    } catch (err) {
      showError(err.message);
    }
  }

  logged(call, linked) {
    const p = call.props.triage.priority;
    const what = linked ? { vi: "Đã gộp vào cuộc gọi trước", en: "Linked to the earlier call" } : { vi: "Đã ghi nhận", en: "Logged" };
    this.say(what, "ok", `${PRIORITIES[p].short} · ${this.page.categoryLabel(call.category)} · ${this.page.areaLabel(call.area)}`);
    const result = this.el("result");
    result.dataset.callId = call.id;
    delete result.dataset.caseId;
    result.dataset.linked = String(linked);
    this.page.received([call]);
    this.page.emit("select", { id: call.id });
  }

  // A report filed: its case number, where it went, and no call in the queue.
  filed(res) {
    const c = res.case;
    this.say({ vi: "Đã ghi nhận phản ánh, mã hồ sơ", en: "Field report filed, case number" }, "ok",
      `${c.id} · ${this.page.categoryLabel(c.category)} · ${this.page.areaLabel(c.area)}. ${this.i18n.t(res.notice)}`);
    const result = this.el("result");
    result.dataset.caseId = c.id;
    delete result.dataset.callId;
    result.scrollIntoView({ block: "end" });  // the number is read to the caller
  }

  say(text, state, detail = "") {
    const result = this.el("result");
    result.textContent = this.i18n.t(text) + (detail ? " " + detail : "");
    result.dataset.state = state;
  }
}

// The hotline page's right column: earlier calls of the caller being logged (link to one, or take
// its place), the queue of open calls (most urgent first, with the time since each call), and
// the selected call: its priority and why, confirm or override it, the nearest suitable units
// and "assign" (each action through the outbox).
import { CALL_STATUS, PRIORITIES, UNIT_STATUS, byUrgency, capabilityLabels, fact, isOpenCall, needLabels, priorityBadge,
  priorityOf, reasonLabel, since } from "../core/calls.js";
import { h, showError, uuid } from "../core/dom.js";

const QUEUE_SIZE = 60;
const TICK_MS = 30000;

export class SidePanels {
  constructor(root, page) {
    Object.assign(this, { root, page, i18n: page.i18n });
    this.el = (id) => root.querySelector("#" + id);
    this.related = [];
    this.selected = null;
    this.suggested = null;
    page.on("related", ({ calls }) => { this.related = calls; this.renderRelated(); });
    page.on("events", (e) => this.changed(e.events));
    page.on("select", ({ id }) => this.select(id));
    page.on("lang", () => this.renderAll());
    document.addEventListener("keydown", (e) => {
      if (e.altKey && (e.key.toLowerCase() === "q" || e.code === "KeyQ")) {
        e.preventDefault();
        const first = this.el("queue").querySelector("button");
        if (first) first.focus();
      }
    });
    setInterval(() => this.renderQueue(), TICK_MS);
    this.renderAll();
  }

  renderAll() {
    this.renderRelated();
    this.renderQueue();
    this.renderSelected();
  }

  changed(events) {
    this.renderQueue();
    if (this.selected && events.some((ev) => ev.id === this.selected)) this.renderSelected();
  }

  row(ev, extra = []) {
    const unit = ev.props.dispatch && ev.props.dispatch.unit_name;
    return [priorityBadge(priorityOf(ev), this.i18n),
      h("span", { class: "what", text: this.page.categoryLabel(ev.category) }),
      h("span", { class: "wait", text: since(ev.observed_at, this.i18n) }),
      h("span", { class: "where", text: `${this.page.areaLabel(ev.area)} · ${unit || this.i18n.t(CALL_STATUS[ev.status])}` }),
      ...extra];
  }

  renderRelated() {
    const list = this.el("related");
    this.el("related-empty").hidden = this.related.length > 0;
    list.replaceChildren(...this.related.map(({ call, match }, i) => h("li", { dataset: { call: call.id, match: match.join(" ") } },
      ...this.row(call),
      h("span", { class: "match", text: match.map((m) => this.i18n.t(m === "phone" ? { vi: "cùng số máy", en: "same phone" } : { vi: "gần đó", en: "nearby" })).join(", ") }),
      h("span", { class: "buttons" },
        isOpenCall(call) ? h("button", { type: "button", class: "btn link", "data-action": "link",
          text: this.i18n.t({ vi: "Gộp vào cuộc gọi này", en: "Link to this call" }) + (i === 0 ? " (Alt+L)" : ""),
          on: { click: () => this.page.form.link(call) } }) : null,
        h("button", { type: "button", class: "btn", "data-action": "use-place",
          text: this.i18n.t({ vi: "Lấy vị trí này", en: "Use this place" }),
          on: { click: () => this.page.form.setPoint(call.lat, call.lon, { vi: `vị trí cuộc gọi ${call.kind === "sos" ? "SOS " : ""}trước`, en: `place of the earlier ${call.kind === "sos" ? "SOS" : "call"}` }) } })))));
  }

  renderQueue() {
    const open = this.page.calls().filter(isOpenCall).sort(byUrgency);
    this.el("queue-count").textContent = `(${this.i18n.number(open.length)})`;
    this.el("queue").replaceChildren(...open.slice(0, QUEUE_SIZE).map((ev) => h("li",
      { dataset: { call: ev.id, priority: String(priorityOf(ev)), status: ev.status }, class: ev.id === this.selected ? "selected" : "" },
      h("button", { type: "button", class: "pick", on: { click: () => this.select(ev.id) } }, ...this.row(ev)))));
  }

  async select(id) {
    this.selected = id;
    this.suggested = null;
    this.renderQueue();
    this.renderSelected();
    const ev = this.page.get(id);
    if (ev) this.page.map.select(ev);
    if (ev && ["new", "triaged"].includes(ev.status)) {
      try {
        this.suggested = await this.page.api.get(`/api/v1/calls/${id}/suggestions?n=5`);
      } catch {
        this.suggested = null;
      }
      if (this.selected === id) this.renderSelected();
    }
  }

  renderSelected() {
    const panel = this.el("selected");
    const ev = this.selected && this.page.get(this.selected);
    panel.hidden = !ev;
    if (!ev) return;
    const t = ev.props.triage || { priority: 4, reasons: [], computed: 4 };
    const d = ev.props.dispatch || {};
    panel.dataset.call = ev.id;
    panel.dataset.status = ev.status;
    panel.replaceChildren(...[
      h("h2", { text: this.i18n.t({ vi: "Cuộc gọi đang chọn", en: "Selected call" }) }),
      h("p", { class: "head" }, priorityBadge(t.priority, this.i18n), " ",
        h("strong", { text: this.page.categoryLabel(ev.category) }), " · ", h("span", { text: this.page.areaLabel(ev.area) })),
      h("dl", { class: "facts" },
        ...fact(this.i18n, { vi: "Trạng thái", en: "Status" }, this.i18n.t(CALL_STATUS[ev.status])),
        ...fact(this.i18n, { vi: "Người gọi", en: "Caller" }, [ev.props.name, ev.props.phone].filter(Boolean).join(" · ")),
        ...fact(this.i18n, { vi: "Địa chỉ", en: "Address" }, ev.props.address),
        ...fact(this.i18n, { vi: "Nhu cầu", en: "Needs" }, needLabels(ev, this.i18n)),
        ...fact(this.i18n, { vi: "Số người · nước", en: "People · water" }, `${ev.props.people || 1}${typeof ev.props.water_depth_m === "number" ? ` · ${this.i18n.number(ev.props.water_depth_m, 1)} m` : ""}`),
        ...fact(this.i18n, { vi: "Đã chờ", en: "Waiting" }, since(ev.observed_at, this.i18n)),
        ...fact(this.i18n, { vi: "Gọi lại", en: "Called again" }, d.repeats && d.repeats.length ? String(d.repeats.length) : ""),
        ...fact(this.i18n, { vi: "Đội", en: "Unit" }, d.unit_name),
        ...fact(this.i18n, { vi: "Ghi chú", en: "Notes" }, (d.notes || []).map((n) => n.text).join(" · "))),
      h("ul", { class: "reasons" }, t.reasons.map((r) => h("li", { text: reasonLabel(r, this.page.rules, this.i18n) }))),
      t.override ? h("p", { class: "override", text: this.i18n.t({ vi: `Đã điều chỉnh từ mức ${t.computed}: `, en: `Overridden from ${t.computed}: ` }) + t.override.reason }) : null,
      isOpenCall(ev) ? this.priorityControls(ev, t) : null,
      ["new", "triaged"].includes(ev.status) ? this.suggestionList(ev) : null].filter(Boolean));
  }

  priorityControls(ev, t) {
    const select = h("select", { id: "sel-priority", "aria-label": this.i18n.t({ vi: "Mức ưu tiên", en: "Priority" }) },
      [1, 2, 3, 4].map((p) => h("option", { value: String(p), selected: p === t.priority, text: this.i18n.t(PRIORITIES[p]) })));
    const reason = h("input", { id: "sel-reason", placeholder: this.i18n.t({ vi: "Lý do (bắt buộc khi khác mức tính được)", en: "Reason (needed when not the computed one)" }) });
    const go = () => this.act(ev, { action: "triage", priority: Number(select.value), ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) });
    return h("div", { class: "priority" }, select, reason,
      h("button", { type: "button", class: "btn", id: "sel-triage", text: this.i18n.t({ vi: "Xác nhận mức", en: "Set priority" }), on: { click: go } }));
  }

  suggestionList(ev) {
    const s = this.suggested;
    if (!s || s.call_id !== ev.id) return h("p", { class: "muted", text: this.i18n.t({ vi: "Đang tìm đội gần nhất…", en: "Finding the nearest units…" }) });
    const need = s.required.length ? ` (${this.i18n.t({ vi: "cần", en: "needs" })}: ${capabilityLabels(s.required, this.i18n)})` : "";
    return h("section", { class: "suggestions" },
      h("h3", { text: this.i18n.t({ vi: "Đội gần nhất, phù hợp trước", en: "Nearest units, suitable first" }) + need }),
      h("ol", {}, s.units.map((u) => h("li", { dataset: { unit: u.unit_id, suitable: String(u.suitable) } },
        h("span", { class: "what", text: this.i18n.lang === "en" && u.name_en ? u.name_en : u.name }),
        h("span", { class: "dist", text: `${(u.distance_m / 1000).toFixed(1)} km` }),
        h("span", { class: "where", text: `${this.i18n.t(UNIT_STATUS[u.status])} · ${capabilityLabels(u.capabilities, this.i18n) || "—"}${u.suitable ? "" : " · " + this.i18n.t({ vi: "thiếu ", en: "lacks " }) + capabilityLabels(u.missing, this.i18n)}` }),
        h("button", { type: "button", class: "btn", "data-action": "assign", text: this.i18n.t({ vi: "Giao", en: "Assign" }),
          on: { click: () => this.act(ev, { action: "assign", unit_id: u.unit_id }) } })))));
  }

  async act(ev, body) {
    try {
      const res = await this.page.outbox.enqueue({ path: `/api/v1/calls/${ev.id}/transitions`, body: { ...body, ref: uuid() }, label: body.action });
      this.page.received([res.call, ...(res.unit ? [res.unit] : [])]);
      showError("");
    } catch (err) {
      showError(err.message);
    }
  }
}

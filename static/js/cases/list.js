// The work list: reports or questions as the server scopes them (an agency sees its unit's only),
// filtered by status, category, commune, unit and date filed, searched (id, words, address) and
// sorted (newest, deadline, overdue first). Each row shows the deadline's countdown, red when
// late; the countdowns tick every 30 s and a case that falls overdue is announced (live.js).
import { h, showError } from "../core/dom.js";
import { statusLabel } from "../core/labels.js";

const LIMIT = 200;
const DONE = new Set(["resolved", "closed", "rejected", "duplicate", "answered"]);
const TICK_MS = 30000;
// Status filters: a group or one status (their words come from labels.js).
const GROUPS = [
  { value: "open", words: { vi: "Đang mở (tất cả)", en: "Open (all)" } },
  { value: "overdue", words: { vi: "Quá hạn", en: "Overdue" } },
  { value: "waiting", words: { vi: "Chờ cấp trên duyệt", en: "Waiting for a supervisor" } },
  { value: "", words: { vi: "Mọi tình trạng", en: "Every status" } },
];
const STATUSES = {
  report: ["new", "routed", "accepted", "in_progress", "reject_requested", "resolved", "closed", "rejected", "duplicate"],
  question: ["new", "routed", "answered"],
};
const SORTS = [
  { value: "newest", words: { vi: "Mới nhất trước", en: "Newest first" } },
  { value: "overdue", words: { vi: "Quá hạn trước", en: "Overdue first" } },
  { value: "deadline", words: { vi: "Hạn gần nhất trước", en: "Nearest deadline first" } },
  { value: "oldest", words: { vi: "Cũ nhất trước", en: "Oldest first" } },
  { value: "updated", words: { vi: "Vừa thay đổi", en: "Recently changed" } },
];

export class WorkList {
  constructor(root, page) {
    Object.assign(this, { root, page });
    this.form = root.querySelector("#filters");
    this.body = root.querySelector("#cases-table tbody");
    this.cases = [];
    this.selected = null;
    this.overdue = new Set();
    this.waiting = null;       // a filter that shows the supervisor's decisions (extensions)
    this.fill();
    this.form.addEventListener("input", (e) => this.changed(e));
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.refresh(); });
    page.on("lang", () => { this.fill(); this.render(); });
    setInterval(() => this.tick(), TICK_MS);
    this.showScope();
  }

  get kind() { return this.form.elements.kind.value; }

  el(id) { return this.root.querySelector("#" + id); }

  // The choices of every filter in the current language (the chosen values kept).
  fill() {
    const p = this.page;
    const keep = (id, options) => {
      const sel = this.el(id);
      const was = sel.value;
      sel.replaceChildren(...options.map(([v, text]) => h("option", { value: v, text })));
      if (options.some(([v]) => v === was)) sel.value = was;
    };
    const statuses = STATUSES[this.kind].map((s) => [s, statusLabel(this.kind, s, p.i18n)]);
    keep("f-status", [...GROUPS.map((g) => [g.value, p.t(g.words)]), ...statuses]);
    const cats = [...p.categories.values()].filter((c) => c.kinds && c.kinds.includes(this.kind) && c.code.includes("."))
      .map((c) => [c.code, p.t(c)]).sort((a, b) => a[1].localeCompare(b[1], p.i18n.locale));
    keep("f-category", [["", p.t({ vi: "Mọi lĩnh vực", en: "Every category" })], ...cats]);
    const areas = [...p.areaNames.entries()].map(([code, name]) => [code, name]).sort((a, b) => a[1].localeCompare(b[1], "vi"));
    keep("f-area", [["", p.t({ vi: "Mọi xã, phường", en: "Every commune" })], ...areas]);
    const scope = p.scopeUnits();
    const units = [...p.agencies.values()].filter((a) => !scope || scope.has(a.id))
      .map((a) => [a.id, p.t(a)]).sort((a, b) => a[1].localeCompare(b[1], p.i18n.locale));
    keep("f-agency", [["", p.t({ vi: "Mọi đơn vị", en: "Every unit" })], ...units]);
    this.el("f-agency-field").hidden = p.role === "agency";
    keep("f-sort", SORTS.map((s) => [s.value, p.t(s.words)]));
  }

  showScope() {
    const p = this.page;
    const el = document.getElementById("scope");
    const unit = p.me && p.me.agency_id;
    el.textContent = unit ? p.agencyName(unit) : p.t({ vi: "Toàn thành phố", en: "The whole city" });
  }

  changed(e) {
    if (e.target.name === "kind") this.fill();
    clearTimeout(this.typing);
    this.typing = setTimeout(() => this.refresh(), e.target.name === "q" ? 300 : 0);
  }

  query() {
    const f = this.form.elements;
    const params = new URLSearchParams({ limit: String(LIMIT), sort: f.sort.value });
    const status = f.status.value;
    if (status === "overdue") params.set("overdue", "1");
    else if (status === "waiting") params.set("status", "open");
    else if (status) params.set("status", status);
    for (const name of ["category", "area", "agency", "q"]) if (f[name].value.trim()) params.set(name, f[name].value.trim());
    if (f.from.value) params.set("from", `${f.from.value}T00:00:00+07:00`);
    return params;
  }

  async refresh() {
    const params = this.query();
    const waiting = this.form.elements.status.value === "waiting";
    let body;
    try {
      body = await this.page.api.get(`/api/v1/${this.kind}s?${params}`);
    } catch (err) {
      showError(this.page.t({ vi: "Không tải được danh sách: ", en: "Could not load the list: " }) + err.message);
      return;
    }
    showError("");
    const seen = new Set(this.cases.map((c) => c.id));
    this.cases = waiting ? body.cases.filter((c) => c.extension === "requested" || c.status === "reject_requested") : body.cases;
    this.total = waiting ? this.cases.length : body.total;
    const late = this.lateIds();
    const fresh = late.filter((id) => seen.has(id) && !this.overdue.has(id));
    this.overdue = new Set(late);
    this.render();
    if (fresh.length) this.page.emit("overdue", { ids: fresh });
    this.page.emit("listed", { cases: this.cases });
  }

  render() {
    const p = this.page;
    const now = Date.now();
    this.el("total").textContent = `(${p.i18n.number(this.total || 0)})`;
    const rows = this.cases.map((c) => this.row(c, now));
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: "4", class: "empty", text: p.t({ vi: "Không có việc nào khớp.", en: "No case matches." }) })));
    }
    this.body.replaceChildren(...rows);
    const more = this.el("more");
    more.hidden = !(this.total > this.cases.length);
    more.textContent = p.t({ vi: `Hiện ${this.cases.length} trên ${this.total} việc — hãy lọc thêm.`,
      en: `Showing ${this.cases.length} of ${this.total} cases — narrow the filters.` });
  }

  row(c, now) {
    const p = this.page;
    const open = !DONE.has(c.status);
    const due = open ? p.countdown(c.deadline, now) : { text: p.t({ vi: "Đã xong", en: "Done" }), late: false };
    const flags = [];
    if (c.extension === "requested") flags.push(h("span", { class: "flag", text: p.t({ vi: "Xin gia hạn", en: "Extension asked" }) }));
    if (c.hidden) flags.push(h("span", { class: "flag", text: p.t({ vi: "Đã ẩn", en: "Hidden" }) }));
    if (c.linked) flags.push(h("span", { class: "flag", text: p.t({ vi: `${c.linked} trùng`, en: `${c.linked} duplicate(s)` }) }));
    const title = c.title || p.categoryName(c.category);
    const tr = h("tr", {
      tabindex: "0", dataset: { id: c.id, status: c.status, late: String(due.late) },
      class: [due.late ? "late" : "", c.id === this.selected ? "selected" : ""].join(" ").trim(),
      on: { click: () => this.pick(c), keydown: (e) => this.key(e, c) },
    },
    h("td", { class: "due" + (due.late ? " late" : ""), text: due.text }),
    h("td", {}, h("div", { class: "case-title", text: title }),
      h("div", { class: "muted small" }, `${p.categoryName(c.category)} · ${p.when(c.observed_at)} · ${c.id.slice(0, 8)}`, ...flags)),
    h("td", {}, h("span", { class: "status s-" + c.status, text: statusLabel(c.kind, c.status, p.i18n) })),
    h("td", { class: "small" }, h("div", { text: p.areaName(c.area) }),
      p.role !== "agency" ? h("div", { class: "muted", text: p.agencyName(c.agency_id) }) : null));
    return tr;
  }

  key(e, c) {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.pick(c); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = e.key === "ArrowDown" ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
      if (next) next.focus();
    }
  }

  pick(c) {
    this.selected = c.id;
    for (const tr of this.body.children) tr.classList.toggle("selected", tr.dataset.id === c.id);
    this.page.detail.open(c.id, c.kind);
  }

  // The open cases past their deadline at `now`.
  lateIds(now = Date.now()) {
    return this.cases.filter((c) => c.deadline && new Date(c.deadline).getTime() < now && !DONE.has(c.status)).map((c) => c.id);
  }

  // Re-draw the countdowns; say which cases fell overdue since the list was last seen.
  tick() {
    const late = this.lateIds();
    const fresh = late.filter((id) => !this.overdue.has(id));
    this.overdue = new Set(late);
    this.render();
    if (fresh.length) this.page.emit("overdue", { ids: fresh });
  }
}

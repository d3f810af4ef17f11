// The supervisor's view of the units under them: each unit's cases overdue now and open, and the
// month's received, on-time and satisfaction figures (GET /api/v1/reports/kpis?by=agency, scoped
// by the server), units with overdue cases first. A click shows that unit's cases, overdue first.
import { h } from "../core/dom.js";
import { TZ } from "../core/i18n.js";

const SUPERVISING = new Set(["supervisor", "admin"]);

export class Units {
  constructor(root, page) {
    Object.assign(this, { root, page });
    this.rows = [];
    this.body = root.querySelector("tbody");
    page.on("lang", () => this.render());
    page.on("acted", () => this.refresh());
  }

  get shown() { return SUPERVISING.has(this.page.role); }

  // This month in Huế ("2025-11").
  month() {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit" }).formatToParts(new Date());
    const get = (type) => parts.find((x) => x.type === type).value;
    return `${get("year")}-${get("month")}`;
  }

  async refresh() {
    this.root.hidden = !this.shown;
    if (!this.shown) return;
    try {
      const doc = await this.page.api.get(`/api/v1/reports/kpis?by=agency&month=${this.month()}`);
      this.rows = doc.rows.slice().sort((a, b) => (b.overdue_now - a.overdue_now) || (b.open - a.open));
    } catch (err) {
      this.rows = [];
      this.error = err.message;
    }
    this.render();
  }

  render() {
    if (!this.shown) return;
    const p = this.page;
    const pct = (v) => (v === null || v === undefined ? "—" : p.i18n.number(v, 1) + " %");
    const rows = this.rows.map((r) => h("tr", {
      tabindex: "0", dataset: { agency: r.key }, class: r.overdue_now ? "late" : "",
      on: { click: () => this.show(r.key), keydown: (e) => { if (e.key === "Enter") this.show(r.key); } },
    },
    h("td", { text: p.t(r.label) }), h("td", { class: r.overdue_now ? "late num" : "num", text: p.i18n.number(r.overdue_now) }),
    h("td", { class: "num", text: p.i18n.number(r.open) }), h("td", { class: "num", text: p.i18n.number(r.received) }),
    h("td", { class: "num", text: pct(r.on_time_pct) }), h("td", { class: "num", text: pct(r.satisfaction_pct) })));
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: "6", class: "empty",
        text: this.error || p.t({ vi: "Chưa có việc nào trong tháng.", en: "No case this month yet." }) })));
    }
    this.body.replaceChildren(...rows);
  }

  show(agency) {
    const f = this.page.list.form.elements;
    f.agency.value = agency;
    f.sort.value = "overdue";
    f.status.value = "open";
    this.page.list.refresh();
  }
}

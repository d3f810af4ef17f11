// The audit trail on the administration page (GET /api/v1/audit?actor=&since=&format=): the
// recent entries of one person (or everyone) as a table, newest first, and the same selection
// as a CSV file. Reads (access entries of GET requests) are left out of the table unless asked
// for; the CSV holds everything. The download is fetched with the page's own credentials (the session cookie or
// the token header) and saved from memory: nothing secret is ever put in an address.
import { h } from "../core/dom.js";
import { actionLabel } from "../core/labels.js";
import { fillSelect } from "./ui.js";

const SHOWN = 200;
const DAY_MS = 24 * 3600e3;
const SINCE = [
  { value: "1", text: { vi: "24 giờ qua", en: "Last 24 hours" } },
  { value: "7", text: { vi: "7 ngày qua", en: "Last 7 days" } },
  { value: "30", text: { vi: "30 ngày qua", en: "Last 30 days" } },
  { value: "", text: { vi: "Từ đầu", en: "Everything" } },
];

export class Audit {
  constructor(section, page) {
    this.page = page;
    this.i18n = page.i18n;
    this.entries = [];
    this.body = section.querySelector("#audit-table tbody");
    this.$ = (id) => section.querySelector("#" + id);
    section.querySelector("#audit-form").addEventListener("submit", (e) => { e.preventDefault(); this.show(); });
    this.$("a-actor").addEventListener("change", () => this.show());
    this.$("a-since").addEventListener("change", () => this.show());
    this.$("a-reads").addEventListener("change", () => this.show());
    this.$("a-csv").addEventListener("click", (e) => { e.preventDefault(); this.download(); });
    page.on("lang", () => { this.fillChoices(); this.render(); });
    page.on("people", () => this.fillChoices());
    this.fillChoices();
    this.$("a-since").value = "7";
  }

  fillChoices() {
    const { i18n } = this;
    const people = this.page.people ? this.page.people.list : [];
    fillSelect(this.$("a-actor"), people.map((u) => ({ value: u.username, text: `${u.name || u.username} (${u.username})` })),
      { empty: { vi: "Tất cả mọi người", en: "Everyone" }, i18n });
    fillSelect(this.$("a-since"), SINCE.map((o) => ({ value: o.value, text: i18n.t(o.text) })));
  }

  // The query of the selection ("actor=…&since=…&format=…").
  query(format) {
    const q = new URLSearchParams();
    if (this.$("a-actor").value) q.set("actor", this.$("a-actor").value);
    const days = Number(this.$("a-since").value);
    if (days) q.set("since", new Date(Date.now() - days * DAY_MS).toISOString());
    q.set("format", format);
    return q.toString();
  }

  async show() {
    this.$("a-csv").href = "/api/v1/audit?" + this.query("csv");
    try {
      const text = await this.page.api.text("/api/v1/audit?" + this.query("jsonl"));
      const reads = this.$("a-reads").checked;
      const all = text.split("\n").filter(Boolean).map((l) => JSON.parse(l))
        .filter((e) => reads || e.action !== "access" || (e.data && e.data.method !== "GET"));
      this.total = all.length;
      this.entries = all.slice(-SHOWN).reverse();
      this.render();
    } catch (err) {
      this.page.failed({ vi: "Chưa đọc được nhật ký", en: "The audit trail could not be read" }, err);
    }
  }

  render() {
    const { i18n } = this;
    this.$("a-count").textContent = this.total > SHOWN
      ? i18n.t({ vi: `${this.total} mục; hiện ${SHOWN} mục mới nhất (tải CSV để xem tất cả).`, en: `${this.total} entries; the newest ${SHOWN} shown (download the CSV for all).` })
      : i18n.t({ vi: `${this.total || 0} mục.`, en: `${this.total || 0} entries.` });
    const rows = this.entries.map((e) => this.row(e));
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 4, class: "empty", text: i18n.t({ vi: "Không có mục nào.", en: "No entry." }) })));
    this.body.replaceChildren(...rows);
  }

  row(e) {
    const { i18n } = this;
    const who = this.page.actorName(e.actor);
    const action = actionLabel(e.action, i18n);
    return h("tr", { dataset: { actor: e.actor || "", action: e.action } },
      h("td", { text: this.page.when(e.at, { seconds: true }) }),
      h("td", { text: who }),
      h("td", { text: action }),
      h("td", { class: "mono", text: details(e) }));
  }

  async download() {
    const query = this.query("csv");
    try {
      const blob = await this.page.api.blob("/api/v1/audit?" + query);
      const url = URL.createObjectURL(blob);
      const who = this.$("a-actor").value || "all";
      const a = h("a", { href: url, download: `audit-${who}-${new Date().toISOString().slice(0, 10)}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      this.page.failed({ vi: "Chưa tải được CSV", en: "The CSV could not be downloaded" }, err);
    }
  }
}

// What an entry touched: the request of an access entry, else the event and the reason.
function details(e) {
  const d = e.data || {};
  if (e.action === "access") return `${d.method || ""} ${d.path || ""} → ${d.status || ""}`.trim();
  const about = d.username && d.username !== e.actor ? "→ " + d.username : null;
  return [about, e.event_id, e.reason].filter(Boolean).join(" · ");
}

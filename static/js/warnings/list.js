// The list of warnings: every status, newest first, filtered by status, live (the stream brings
// changes). Each row: the status in words, a drill badge, the headline in the page's language,
// where it came from and when. Arrow keys move between rows; Enter or a click opens one.
import { h } from "../core/dom.js";
import { statusLabel } from "../core/labels.js";
import { DRILL_BANNER, FILTERS, ORIGIN, isDrill, say } from "./words.js";

export class WarningList {
  constructor(panel, page) {
    this.page = page;
    this.ol = panel.querySelector("#list");
    this.empty = panel.querySelector("#list-empty");
    this.filterBar = panel.querySelector("#filters");
    this.filter = "all";
    this.buttons = FILTERS.map(([id]) => h("button", {
      type: "button", class: "btn", dataset: { filter: id }, on: { click: () => this.setFilter(id) } }));
    this.filterBar.replaceChildren(...this.buttons);
    this.ol.addEventListener("keydown", (e) => this.key(e));
    page.on("warnings", () => this.render());
    page.on("select", () => this.render());
    page.on("lang", () => this.render());
    this.render();
  }

  setFilter(id) {
    this.filter = id;
    this.render();
  }

  visible() {
    const statuses = FILTERS.find(([id]) => id === this.filter)[2];
    return this.page.sorted().filter((ev) => !statuses || statuses.includes(ev.status));
  }

  render() {
    const { i18n } = this.page;
    FILTERS.forEach(([id, words], i) => {
      this.buttons[i].textContent = i18n.t(words);
      this.buttons[i].classList.toggle("active", id === this.filter);
      this.buttons[i].setAttribute("aria-pressed", String(id === this.filter));
    });
    const focused = this.ol.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    const rows = this.visible().map((ev) => this.row(ev));
    this.ol.replaceChildren(...rows);
    const again = focused && rows.find((r) => r.dataset.id === focused);
    if (again) again.focus();
    this.ol.dataset.count = String(rows.length);
    this.empty.hidden = rows.length > 0;
  }

  row(ev) {
    const { i18n } = this.page;
    const p = ev.props || {};
    const headline = p.headline ? i18n.t(p.headline) : (p.cap && p.cap.infos && p.cap.infos[0] && p.cap.infos[0].headline) || this.page.categoryLabel(ev.category);
    const drill = isDrill(ev);
    const origin = p.gauge ? `${say(ORIGIN, "gauge", i18n)}: ${p.gauge.station_name.split(" (")[0]}` : say(ORIGIN, p.origin, i18n);
    const selected = ev.id === this.page.selectedId;
    return h("li", {
      class: `wrow status-${ev.status}${selected ? " selected" : ""}${drill ? " is-drill" : ""}`,
      tabindex: "0", dataset: { id: ev.id, status: ev.status, drill: drill ? "1" : "0" },
      "aria-current": selected ? "true" : null,
      on: { click: () => this.page.select(ev.id) },
    },
    h("div", { class: "wrow-top" },
      h("span", { class: `status-pill status-${ev.status}`, text: statusLabel("warning", ev.status, i18n) }),
      drill ? h("span", { class: "drill-badge", text: i18n.t(DRILL_BANNER).split(" — ")[0] }) : null,
      h("span", { class: "muted when", text: i18n.time(ev.observed_at, { date: true }) })),
    h("div", { class: "wrow-title", text: headline }),
    h("div", { class: "muted small", text: `${origin} · ${(p.communes || []).length} ${i18n.t({ vi: "xã, phường", en: "communes" })}` }));
  }

  key(e) {
    const rows = [...this.ol.children];
    const at = rows.indexOf(document.activeElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = rows[Math.max(0, Math.min(rows.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
      if (next) next.focus();
    } else if (e.key === "Enter" && at >= 0) {
      this.page.select(rows[at].dataset.id);
    }
  }
}

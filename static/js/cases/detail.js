// One case, opened: what it is and where (a small map on the project's basemap), the citizen's
// text with their name and phone (staff only: this page is staff only), the photos, the result,
// the duplicates linked to it, the history with the names of the people who acted, and a button
// for each action open now (the server's list for this person and this case: nothing else is
// offered).
import { h, showError } from "../core/dom.js";
import { actionLabel, changeLabel, statusLabel } from "../core/labels.js";
import { WallEvents } from "../wall/events.js";
import { WallMap } from "../wall/map.js";

const CASE_ZOOM = 13.5;
const START = { longitude: 107.58, latitude: 16.47, zoom: 11 };
const EXTENSION = {
  requested: { vi: "đang chờ duyệt", en: "waiting for approval" },
  approved: { vi: "đã duyệt", en: "approved" }, refused: { vi: "không duyệt", en: "refused" },
};
const CHANNELS = {
  api: { vi: "Ứng dụng", en: "App" }, hotline: { vi: "Tổng đài", en: "Hotline" }, open311: { vi: "Open311", en: "Open311" },
  zalo: { vi: "Zalo", en: "Zalo" }, messenger: { vi: "Messenger", en: "Messenger" }, web: { vi: "Trang web", en: "Web page" },
};
const RATINGS = {
  satisfied: { vi: "Hài lòng", en: "Satisfied" }, accepted: { vi: "Chấp nhận", en: "Accepted" },
  not_satisfied: { vi: "Không hài lòng", en: "Not satisfied" },
};

export class Detail {
  constructor(root, page) {
    Object.assign(this, { root, page });
    this.current = null;   // {case, actions, history, duplicates, kind}
    this.map = null;
    root.querySelector("#d-reload").addEventListener("click", () => this.reload());
    page.on("lang", () => this.current && this.render());
  }

  el(id) { return this.root.querySelector("#" + id); }

  get id() { return this.current && this.current.case.id; }

  async open(id, kind = "report") {
    let body;
    let history;
    try {
      [body, history] = await Promise.all([
        this.page.api.get(`/api/v1/${kind}s/${id}`),
        this.page.api.get(`/api/v1/events/${id}/history`).catch(() => null)]);
    } catch (err) {
      this.closed(err);
      return;
    }
    showError("");
    this.current = { ...body, kind, named: history ? history.history : body.history };
    this.el("d-stale").hidden = true;
    keepInAddress(location, id);
    this.render();
    this.page.emit("opened", { id });
  }

  reload() { if (this.current) this.open(this.current.case.id, this.current.kind); }

  // The case cannot be shown: another unit's (the server says 404: it does not exist for us).
  closed(err) {
    this.current = null;
    this.el("detail-body").hidden = true;
    const empty = this.el("detail-empty");
    empty.hidden = false;
    empty.dataset.error = String(err.status);
    empty.textContent = err.status === 404
      ? this.page.t({ vi: "Không tìm thấy việc này trong phạm vi của bạn (việc của đơn vị khác hoặc mã sai).",
        en: "This case is not in your scope (another unit's case, or a wrong id)." })
      : this.page.t({ vi: "Không mở được việc này: ", en: "Could not open this case: " }) + err.message;
  }

  render() {
    const { case: c } = this.current;
    const p = this.page;
    this.el("detail-empty").hidden = true;
    this.el("detail-body").hidden = false;
    this.root.dataset.id = c.id;
    this.root.dataset.status = c.status;
    this.el("d-title").textContent = c.props.title || p.categoryName(c.category);
    this.el("d-meta").textContent = `${p.t({ vi: "Mã", en: "Id" })} ${c.id} · ${statusLabel(c.kind, c.status, p.i18n)}`;
    this.renderActions();
    this.renderFacts(c);
    this.renderText(c);
    this.renderPhotos(c);
    this.renderResult(c);
    this.renderDuplicates(c);
    this.renderHistory(c);
    this.showOnMap(c);
  }

  renderActions() {
    const p = this.page;
    const names = this.current.actions || [];
    const buttons = names.map((name) => h("button", {
      type: "button", class: "btn action" + (DANGER.has(name) ? " danger" : ""), dataset: { action: name },
      text: p.actionName(name), on: { click: () => p.actions.begin(name, this.current) },
    }));
    if (!buttons.length) {
      buttons.push(h("p", { class: "muted", text: p.t({ vi: "Bạn không có thao tác nào với việc này lúc này.",
        en: "There is nothing for you to do on this case now." }) }));
    }
    this.el("d-actions").replaceChildren(...buttons);
  }

  renderFacts(c) {
    const p = this.page;
    const info = c.props.case || {};
    const due = p.countdown(c.deadline);
    const rows = [
      [{ vi: "Lĩnh vực", en: "Category" }, p.categoryName(c.category)],
      [{ vi: "Đơn vị xử lý", en: "Unit" }, p.agencyName(c.agency_id)],
      [{ vi: "Xã / phường", en: "Commune" }, p.areaName(c.area)],
      [{ vi: "Gửi lúc", en: "Filed" }, `${p.when(c.observed_at)} · ${p.t(CHANNELS[c.source.channel] || { vi: "Kênh khác", en: "Other channel" })}`],
      [{ vi: "Hạn xử lý", en: "Deadline" }, c.deadline ? `${p.when(c.deadline)} (${due.text})` : "—", due.late],
    ];
    if (info.extension) {
      const ext = info.extension;
      rows.push([{ vi: "Gia hạn", en: "Extension" }, `${p.i18n.number(ext.hours)} ${p.t({ vi: "giờ", en: "h" })}, ${p.t(EXTENSION[ext.state] || EXTENSION.requested)} — ${ext.reason || ""}`]);
    }
    if (info.reject_reason) rows.push([{ vi: "Lý do đề nghị trả lại", en: "Why return it" }, info.reject_reason]);
    if (info.hidden) rows.push([{ vi: "Đã ẩn khỏi công khai", en: "Hidden from the public" }, info.hidden.reason || ""]);
    if (info.rating) rows.push([{ vi: "Người dân đánh giá", en: "Citizen's rating" }, p.t(RATINGS[info.rating] || { vi: "—" })]);
    this.el("d-facts").replaceChildren(...rows.flatMap(([k, v, late]) => [
      h("dt", { text: p.t(k) }), h("dd", { text: v, class: late ? "late" : "" })]));
  }

  renderText(c) {
    const p = this.page;
    const who = c.props.reporter || {};
    const parts = [
      h("h4", { text: p.t({ vi: "Nội dung người dân gửi", en: "What the citizen wrote" }) }),
      h("p", { class: "text", text: c.props.description || c.props.question || "—" }),
    ];
    if (c.props.address) parts.push(h("p", {}, h("strong", { text: p.t({ vi: "Địa chỉ: ", en: "Address: " }) }), c.props.address));
    const attrs = this.attributes(c);
    if (attrs.length) parts.push(h("ul", { class: "attrs" }, ...attrs));
    const contact = [who.name, who.phone, who.email].filter(Boolean).join(" · ");
    parts.push(h("p", { class: "reporter", dataset: { private: "true" } },
      h("strong", { text: p.t({ vi: "Người gửi (chỉ cán bộ xem): ", en: "Sender (staff only): " }) }),
      contact || p.t({ vi: "không để lại tên, số điện thoại", en: "left no name or phone" })));
    this.el("d-text").replaceChildren(...parts);
  }

  // The category's questions and the citizen's answers, in the category's own words.
  attributes(c) {
    const p = this.page;
    const cat = p.categories.get(c.category) || {};
    const defs = new Map((cat.attributes || []).map((a) => [a.code, a]));
    return Object.entries(c.props.attributes || {}).map(([code, value]) => {
      const def = defs.get(code);
      const name = def ? p.t(def) : p.t({ vi: "Thông tin thêm", en: "More" });
      const values = new Map(((def && def.values) || []).map((v) => [v.key, v]));
      const shown = (Array.isArray(value) ? value : [value]).map((v) => (values.has(v) ? p.t(values.get(v)) : String(v))).join(", ");
      return h("li", {}, h("strong", { text: name + ": " }), shown);
    });
  }

  renderPhotos(c) {
    this.el("d-photos").replaceChildren(...this.photos(c.props.media, { vi: "Ảnh người dân gửi", en: "The citizen's photos" }));
  }

  renderResult(c) {
    const p = this.page;
    const info = c.props.case || {};
    const text = info.result || info.answer;
    const parts = [];
    if (text) {
      parts.push(h("h4", { text: p.t(c.kind === "question" ? { vi: "Trả lời", en: "Answer" } : { vi: "Kết quả xử lý", en: "Result" }) }),
        h("p", { class: "text", text }));
    }
    parts.push(...this.photos(info.result_media, { vi: "Ảnh kết quả", en: "Result photos" }));
    this.el("d-result").replaceChildren(...parts);
  }

  // Photos served by this server as thumbnails (a link to the full image); others as links
  // only (the page loads nothing from outside).
  photos(urls, heading) {
    if (!urls || !urls.length) return [];
    const p = this.page;
    const items = urls.map((raw, i) => {
      let url = null;
      try { url = new URL(raw, location.origin); } catch { return null; }
      const label = p.t({ vi: `Ảnh ${i + 1}`, en: `Photo ${i + 1}` });
      if (url.origin !== location.origin) {
        return h("a", { href: url.href, rel: "noopener noreferrer", target: "_blank", class: "photo-link", text: label + " ↗" });
      }
      const thumb = url.pathname.replace(/\.jpg$/, ".thumb.jpg");
      return h("a", { href: url.pathname, target: "_blank", class: "photo" },
        h("img", { src: thumb, alt: label, loading: "lazy" }));
    }).filter(Boolean);
    return [h("h4", { text: p.t(heading) }), h("div", { class: "photo-row" }, ...items)];
  }

  renderDuplicates(c) {
    const p = this.page;
    const info = c.props.case || {};
    const link = (id) => h("button", { type: "button", class: "btn link", dataset: { open: id }, text: id.slice(0, 8),
      title: id, on: { click: () => this.open(id, c.kind) } });
    const parts = [];
    if (info.duplicate_of) {
      parts.push(h("p", {}, p.t({ vi: "Trùng với việc ", en: "A duplicate of " }), link(info.duplicate_of)));
    }
    const dups = this.current.duplicates || [];
    if (dups.length) {
      parts.push(h("p", {}, p.t({ vi: `${dups.length} phản ánh trùng gộp vào việc này: `, en: `${dups.length} duplicate report(s) linked: ` }),
        ...dups.map(link)));
    }
    this.el("d-dups").replaceChildren(...parts);
  }

  renderHistory(c) {
    const p = this.page;
    const entries = this.current.named || [];
    this.el("d-history").replaceChildren(...entries.slice().reverse().map((e) => {
      const what = p.actionRows.has(e.action) ? p.actionName(e.action) : actionLabel(e.action, p.i18n);
      const who = e.actor_name || (e.role === "system" ? p.t({ vi: "Hệ thống", en: "System" })
        : e.role === "citizen" ? p.t({ vi: "Người dân", en: "The citizen" }) : p.t({ vi: "Máy / ứng dụng", en: "A machine or app" }));
      const change = changeLabel(c.kind, e.data, p.i18n);
      return h("li", {}, h("span", { class: "when", text: p.when(e.at) }), " ",
        h("strong", { text: what }), ` — ${who}`, change ? h("span", { class: "muted", text: ` (${change})` }) : null,
        e.reason ? h("div", { class: "reason", text: e.reason }) : null);
    }));
  }

  // The small map: the communes, rivers and roads of the project's basemap, the case's point.
  showOnMap(c) {
    if (!window.deck) return;
    if (!this.map) this.buildMap();
    this.point([c.lon, c.lat], [255, 82, 82, 255]);
    this.map.flyTo({ longitude: c.lon, latitude: c.lat, zoom: CASE_ZOOM }, 0);
    this.el("map-hint").textContent = `${c.lat.toFixed(5)}, ${c.lon.toFixed(5)}`;
  }

  point(position, color, extra = []) {
    this.map.setOverlays([new window.deck.ScatterplotLayer({
      id: "case-point", data: [{ position }], getPosition: (d) => d.position, radiusUnits: "pixels",
      getRadius: 9, getFillColor: color, stroked: true, getLineColor: [0, 0, 0, 255], lineWidthUnits: "pixels", getLineWidth: 2,
    }), ...extra]);
  }

  buildMap() {
    const p = this.page;
    const events = new WallEvents({ catalog: p.catalog, windowMs: 1, maxEvents: 1 });
    this.map = new WallMap(this.el("map"), {
      catalog: p.catalog, events, sources: p.sources, areas: p.areas, tooltip: () => null,
      renderMs: 500, aggregateMs: 5000, loadMs: 60000, view: START,
    });
    this.map.addEventListener("pick", (e) => p.emit("pick", e.detail));
  }
}

const DANGER = new Set(["hide", "merge", "request_reject", "confirm_reject", "refuse_extension", "refuse_reject"]);

// Keep the open case in the address (#case=…) so that a reload comes back to it.
function keepInAddress(loc, id) {
  window.history.replaceState(null, "", `${loc.pathname}${loc.search}#case=${id}`);
}

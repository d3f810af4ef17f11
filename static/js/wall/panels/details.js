// The selected event: what, where, when, who handles it, its props (never those the catalog
// marks private) and its history from GET /api/v1/events/{id}/history.
import { h } from "../../core/dom.js";
import { actionLabel, changeLabel, propLabel, propValue, roleLabel, severityLabel, statusLabel } from "../../core/labels.js";

const T = {
  empty: { vi: "Chạm vào một sự kiện trên bản đồ để xem chi tiết.", en: "Select an event on the map to see its details." },
  layer: { vi: "Lớp", en: "Layer" }, area: { vi: "Địa bàn", en: "Area" },
  agency: { vi: "Đơn vị xử lý", en: "Handled by" }, observed: { vi: "Thời điểm", en: "Observed" },
  received: { vi: "Tiếp nhận", en: "Received" }, status: { vi: "Trạng thái", en: "Status" },
  severity: { vi: "Mức độ", en: "Severity" }, deadline: { vi: "Hạn xử lý", en: "Deadline" },
  overdue: { vi: " (quá hạn)", en: " (overdue)" }, history: { vi: "Lịch sử", en: "History" },
  noHistory: { vi: "Chưa có thay đổi nào.", en: "No changes yet." },
  close: { vi: "Đóng", en: "Close" },
};

// Props shown elsewhere (title, description) or that only mean something to a machine.
const SKIP = new Set(["title", "description", "title_vi", "title_en", "key", "rule", "subject_type",
  "subject_id", "zone_id", "segment_id", "road_id", "segment", "station", "quantity", "msg_type",
  "ship_type", "nav_status", "zone", "nearest_port", "track_id", "model", "interval_s", "cover",
  "identifier", "origin", "urgency", "cap_severity", "certainty", "public", "illustrative", "type",
  "unit_id", "name_en", "source", "marked_at", "effective", "expires", "sent", "event", "gauge",
  "cancel", "mean_in_view", "max_in_view"]);

function field(label, value, key, code) {
  const dataset = code === undefined ? { field: key } : { field: key, code: String(code) };
  return [h("dt", { text: label }), h("dd", { text: value === null || value === undefined ? "—" : String(value), dataset })];
}

// The props to list: scalars, a list of needs, and the numbers of a flat object of numbers one
// level down as "key.name" (a reading's derived values: a reservoir's volume, inflow and release;
// a call's triage priority and score).
function scalarProps(ev, hidden) {
  const out = [];
  for (const [k, v] of Object.entries(ev.props || {})) {
    if (hidden.has(k) || v === null || v === undefined || v === "") continue;
    if (k === "needs" && Array.isArray(v)) { if (v.length) out.push([k, v]); } else if (typeof v !== "object") out.push([k, v]);
    else if (!Array.isArray(v)) out.push(...Object.entries(v).filter(([, x]) => typeof x === "number").map(([n, x]) => [`${k}.${n}`, x]));
  }
  return out;
}

function facts(ev, wall) {
  const t = (x) => wall.i18n.t(x);
  const layer = wall.layerOf(ev.kind);
  const agency = wall.agencies.get(ev.agency_id);
  const late = ev.deadline && Date.parse(ev.deadline) < Date.now() && !(layer && (layer.closed_statuses || []).includes(ev.status));
  const hidden = new Set((layer && layer.private_props) || []);
  const rows = [
    field(t(T.layer), layer ? t(layer.title) : ev.kind, "layer"), field(t(T.area), wall.areaLabel(ev.area), "area"),
    field(t(T.agency), agency ? t(agency) || agency.id : ev.agency_id, "agency"),
    field(t(T.observed), wall.i18n.time(ev.observed_at, { date: true }), "observed"),
    field(t(T.received), wall.i18n.time(ev.received_at, { date: true, seconds: true }), "received"),
    field(t(T.status), statusLabel(ev.kind, ev.status, wall.i18n), "status", ev.status),
    field(t(T.severity), severityLabel(ev.severity, wall.i18n), "severity", ev.severity),
    field(t(T.deadline), ev.deadline ? wall.i18n.time(ev.deadline, { date: true }) + (late ? t(T.overdue) : "") : null, "deadline"),
    ...scalarProps(ev, hidden).filter(([k]) => !SKIP.has(k))
      .map(([k, v]) => field(propLabel(k, wall.i18n), propValue(k, v, wall.i18n), "prop-" + k)),
  ];
  return h("dl", { class: "facts" }, rows.flat());
}

function historyList(entries, ev, wall) {
  if (!entries.length) return h("p", { class: "muted", text: wall.i18n.t(T.noHistory) });
  return h("ol", { class: "history" }, entries.map((e) => {
    const data = changeLabel(ev.kind, e.data, wall.i18n);
    const who = e.role ? `(${roleLabel(e.role, wall.i18n)})` : null;
    return h("li", { dataset: { action: e.action } },
      h("span", { class: "when", text: wall.i18n.time(e.at, { date: true }) }),
      h("span", { class: "what", text: [actionLabel(e.action, wall.i18n), who].filter(Boolean).join(" ") }),
      e.reason ? h("span", { class: "why", text: e.reason }) : null,
      data ? h("span", { class: "data", text: data }) : null);
  }));
}

function mount(el, wall) {
  const body = h("div", { class: "details-body" });
  el.append(body);
  let current = null;
  let history = [];
  const render = () => {
    el.dataset.event = current ? current.id : "";
    if (!current) { body.replaceChildren(h("p", { class: "muted", text: wall.i18n.t(T.empty) })); return; }
    const props = current.props || {};
    body.replaceChildren(
      h("div", { class: "details-head" },
        h("h3", { class: "details-title", text: props.title || wall.categoryLabel(current.category) }),
        h("button", { type: "button", class: "btn close", text: wall.i18n.t(T.close), on: { click: () => wall.select(null) } })),
      h("p", { class: "category", text: wall.categoryLabel(current.category) }),
      ...(props.description ? [h("p", { class: "description", text: props.description })] : []),
      facts(current, wall),
      h("h4", { text: wall.i18n.t(T.history) }), historyList(history, current, wall));
  };
  const load = async (ev) => {
    const id = ev.id;
    try {
      const [fresh, hist] = await Promise.all([wall.api.get(`/api/v1/events/${id}`), wall.api.get(`/api/v1/events/${id}/history`)]);
      if (!current || current.id !== id) return;
      current = fresh;
      history = hist.history;
      el.dataset.historyLoaded = id;
      render();
    } catch (err) {
      el.dataset.error = err.message;
    }
  };
  wall.on("select", ({ event }) => {
    const same = current && event && current.id === event.id;
    current = event;
    if (!same) history = [];
    render();
    if (event) load(event);
  });
  wall.on("lang", render);
  render();
}

export default { mount };

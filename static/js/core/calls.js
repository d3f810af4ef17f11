// Emergency calls and responder units as the pages show them: labels (Vietnamese first), the
// priority colours of the wall, "time since the call", the triage reasons. Shared by the wall's
// queue panel, the hotline page and the tablet. The server's tables stay the authority
// (GET /api/v1/calls/triage-rules, GET /api/v1/calls/actions); these are only their words.
import { h } from "./dom.js";

// Needs in the order of the form; `key` is the Alt+key shortcut on the hotline page.
export const NEEDS = [
  { id: "labour", key: "1", vi: "Sản phụ chuyển dạ", en: "Woman in labour" },
  { id: "cardiac", key: "2", vi: "Bệnh tim, khó thở", en: "Cardiac, breathing" },
  { id: "medical", key: "3", vi: "Cần cấp cứu y tế", en: "Medical emergency" },
  { id: "trapped", key: "4", vi: "Bị mắc kẹt", en: "Trapped" },
  { id: "elderly_alone", key: "5", vi: "Người già ở một mình", en: "Elderly alone" },
  { id: "children", key: "6", vi: "Có trẻ em", en: "Children" },
  { id: "disability", key: "7", vi: "Người khuyết tật", en: "Disability" },
  { id: "food_water", key: "8", vi: "Thiếu ăn, nước uống", en: "Food and water" },
  { id: "evacuation", key: "9", vi: "Cần sơ tán", en: "Evacuation" },
  { id: "other", key: "0", vi: "Khác", en: "Other" },
];

export const PRIORITIES = {
  1: { vi: "Mức 1 — khẩn cấp nhất", en: "Priority 1 — most urgent", short: "P1" },
  2: { vi: "Mức 2", en: "Priority 2", short: "P2" },
  3: { vi: "Mức 3", en: "Priority 3", short: "P3" },
  4: { vi: "Mức 4", en: "Priority 4", short: "P4" },
};

export const CALL_STATUS = {
  new: { vi: "Mới, chưa xác nhận", en: "New" },
  triaged: { vi: "Chờ điều đội", en: "Waiting for a unit" },
  assigned: { vi: "Đã giao đội", en: "Assigned" },
  en_route: { vi: "Đội đang đến", en: "Unit en route" },
  on_scene: { vi: "Đội tại hiện trường", en: "Unit on scene" },
  rescued: { vi: "Đã cứu được người", en: "Rescued" },
  handed_to_hospital: { vi: "Đã chuyển viện", en: "Handed to hospital" },
  resolved: { vi: "Đã xử lý xong", en: "Resolved" },
  cancelled: { vi: "Đã hủy", en: "Cancelled" },
};

export const UNIT_STATUS = {
  available: { vi: "Sẵn sàng", en: "Available" },
  assigned: { vi: "Đã nhận nhiệm vụ", en: "Assigned" },
  en_route: { vi: "Đang đến hiện trường", en: "En route" },
  on_scene: { vi: "Tại hiện trường", en: "On scene" },
  done: { vi: "Xong nhiệm vụ", en: "Done" },
  off_duty: { vi: "Nghỉ", en: "Off duty" },
};

// What a unit can do (layers/responders.py Capability).
export const CAPABILITIES = {
  boat: { vi: "xuồng, ca nô", en: "boat" }, medical: { vi: "y tế", en: "medical" },
  evacuation: { vi: "sơ tán", en: "evacuation" }, high_water_vehicle: { vi: "xe lội nước", en: "high-water vehicle" },
  diver: { vi: "thợ lặn", en: "diver" }, supplies: { vi: "hàng cứu trợ", en: "supplies" },
};

export function capabilityLabels(codes, i18n) {
  return (codes || []).map((c) => i18n.t(CAPABILITIES[c] || { vi: String(c).replace(/_/g, " ") })).join(", ");
}

export const CLOSED = new Set(["rescued", "handed_to_hospital", "resolved", "cancelled"]);

export function isOpenCall(ev) { return !CLOSED.has(ev.status); }

export function priorityOf(ev) {
  const t = ev.props && ev.props.triage;
  return t && t.priority ? t.priority : 4;
}

// Most urgent first, then the longest waiting.
export function byUrgency(a, b) {
  return priorityOf(a) - priorityOf(b) || Date.parse(a.observed_at) - Date.parse(b.observed_at);
}

// "12 phút", "1 giờ 05", "2 ngày" (en: "12 min", "1 h 05", "2 d") since an RFC 3339 time.
export function since(iso, i18n, now = Date.now()) {
  const min = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  const en = i18n.lang === "en";
  if (min < 60) return en ? `${min} min` : `${min} phút`;
  if (min < 48 * 60) {
    const mm = String(min % 60).padStart(2, "0");
    return en ? `${Math.floor(min / 60)} h ${mm}` : `${Math.floor(min / 60)} giờ ${mm}`;
  }
  return en ? `${Math.floor(min / 1440)} d` : `${Math.floor(min / 1440)} ngày`;
}

export function minutesSince(iso, now = Date.now()) {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
}

// "need.labour:+60" → "Sản phụ chuyển dạ +60" with the server's rule table.
export function reasonLabel(reason, rules, i18n) {
  const [code, pts] = reason.split(":");
  const rule = rules && rules.rules.find((r) => r.code === code);
  return `${rule ? i18n.t(rule) : code} ${pts || ""}`.trim();
}

export function priorityBadge(p, i18n, extra = "") {
  return h("span", { class: `prio prio-${p} ${extra}`.trim(), title: i18n.t(PRIORITIES[p]),
    text: PRIORITIES[p] ? PRIORITIES[p].short : "P?" });
}

export function needLabels(ev, i18n) {
  const needs = (ev.props && ev.props.needs) || [];
  return needs.map((id) => i18n.t(NEEDS.find((n) => n.id === id) || { vi: id })).join(", ");
}

// One row of a <dl>: [dt, dd], or nothing when there is no value.
export function fact(i18n, label, value) {
  if (value === undefined || value === null || value === "") return [];
  return [h("dt", { text: i18n.t(label) }), h("dd", { text: value })];
}

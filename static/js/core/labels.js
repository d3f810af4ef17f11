// The words the pages show for the server's codes: statuses of every kind, severities, the props
// of the details panel, and a last resort that never puts a raw code (snake_case, dotted key,
// null) on screen. Calls and units take their words from calls.js. Vietnamese first.
import { CALL_STATUS, NEEDS, PRIORITIES, UNIT_STATUS } from "./calls.js";

// Statuses of every other kind (the catalog lists them: GET /api/v1/layers `statuses`).
export const STATUS = {
  new: { vi: "Mới tiếp nhận", en: "New" },
  routed: { vi: "Đã chuyển đơn vị", en: "Routed" },
  accepted: { vi: "Đơn vị đã nhận", en: "Accepted" },
  in_progress: { vi: "Đang xử lý", en: "In progress" },
  reject_requested: { vi: "Đề nghị trả lại", en: "Return requested" },
  resolved: { vi: "Đã xử lý xong", en: "Resolved" },
  closed: { vi: "Đã đóng", en: "Closed" },
  rejected: { vi: "Không tiếp nhận", en: "Rejected" },
  duplicate: { vi: "Trùng phản ánh trước", en: "Duplicate" },
  answered: { vi: "Đã trả lời", en: "Answered" },
  online: { vi: "Đang hoạt động", en: "Online" },
  offline: { vi: "Mất tín hiệu", en: "Offline" },
  flooded: { vi: "Đang ngập", en: "Flooded" },
  cleared: { vi: "Đã hết", en: "Cleared" },
  observed: { vi: "Số đo", en: "Reading" },
  active: { vi: "Đang cảnh báo", en: "Active" },
  reported: { vi: "Vị trí AIS", en: "AIS position" },
  draft: { vi: "Bản nháp", en: "Draft" },
  approved: { vi: "Đã duyệt", en: "Approved" },
  sent: { vi: "Đã phát", en: "Sent" },
  received: { vi: "Đã nhận", en: "Received" },
  updated: { vi: "Đã cập nhật", en: "Updated" },
  cancelled: { vi: "Đã hủy", en: "Cancelled" },
  expired: { vi: "Hết hiệu lực", en: "Expired" },
};

// CAP-like severities of every geo-event (server/core/events.py).
export const SEVERITY = {
  unknown: { vi: "Chưa rõ", en: "Unknown" }, minor: { vi: "Nhẹ", en: "Minor" },
  moderate: { vi: "Trung bình", en: "Moderate" }, severe: { vi: "Nghiêm trọng", en: "Severe" },
  extreme: { vi: "Đặc biệt nghiêm trọng", en: "Extreme" },
};

const CALL_KINDS = new Set(["hotline_call", "sos"]);

// Props the details panel lists, by key ("key.name" one level down), with their words.
export const PROPS = {
  people: { vi: "Số người", en: "People" },
  water_depth_m: { vi: "Nước sâu (m)", en: "Water depth (m)" },
  "triage.priority": { vi: "Mức ưu tiên", en: "Priority" },
  "triage.score": { vi: "Điểm ưu tiên", en: "Priority score" },
  "triage.computed": { vi: "Mức tính được", en: "Computed priority" },
  needs: { vi: "Nhu cầu", en: "Needs" },
  sos_id: { vi: "Mã SOS", en: "SOS id" },
  camera_id: { vi: "Mã camera", en: "Camera" }, road: { vi: "Tuyến đường", en: "Road" },
  direction: { vi: "Hướng nhìn (°)", en: "Facing (°)" }, reason: { vi: "Lý do", en: "Reason" },
  name: { vi: "Tên", en: "Name" }, label: { vi: "Đối tượng", en: "Object" },
  count: { vi: "Số lượng", en: "Count" }, persons: { vi: "Số người", en: "Persons" },
  vehicles: { vi: "Số xe", en: "Vehicles" }, stopped_s: { vi: "Dừng (giây)", en: "Stopped (s)" },
  road_name: { vi: "Tuyến đường", en: "Road" }, length_m: { vi: "Chiều dài (m)", en: "Length (m)" },
  depth_m: { vi: "Ngập sâu (m)", en: "Depth (m)" }, note: { vi: "Ghi chú", en: "Note" },
  question: { vi: "Câu hỏi", en: "Question" },
  station_name: { vi: "Trạm đo", en: "Station" }, value: { vi: "Giá trị", en: "Value" },
  unit: { vi: "Đơn vị đo", en: "Unit" }, level: { vi: "Cấp báo động", en: "Alarm level" },
  level_name: { vi: "Cấp", en: "Level" }, threshold: { vi: "Ngưỡng", en: "Threshold" },
  "derived.rain_1h": { vi: "Lượng mưa 1 giờ", en: "Rain in the last hour" },
  "derived.rain_24h": { vi: "Lượng mưa 24 giờ", en: "Rain in the last 24 hours" },
  "derived.reservoir_volume": { vi: "Dung tích hồ (% thiết kế)", en: "Reservoir volume (% of design)" },
  "derived.inflow": { vi: "Lưu lượng đến hồ", en: "Inflow" },
  "derived.outflow": { vi: "Lưu lượng xả", en: "Release (outflow)" },
  mmsi: { vi: "Số MMSI", en: "MMSI" }, call_sign: { vi: "Hô hiệu", en: "Call sign" },
  sog: { vi: "Tốc độ (hải lý/giờ)", en: "Speed (kn)" }, cog: { vi: "Hướng đi (°)", en: "Course (°)" },
  heading: { vi: "Hướng mũi tàu (°)", en: "Heading (°)" },
  nav_status_label: { vi: "Trạng thái hành trình", en: "Navigation status" },
  port_distance_km: { vi: "Cách cảng (km)", en: "From port (km)" },
  headline: { vi: "Tiêu đề", en: "Headline" }, instruction: { vi: "Hướng dẫn", en: "Instruction" },
  capacity: { vi: "Sức chứa", en: "Capacity" }, crew: { vi: "Số người trong đội", en: "Crew" },
};

// "water_depth_m" → "Water depth m": never a code on screen when a key has no words yet.
export function humanize(code) {
  const text = String(code).replace(/[._]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The words of a status of `kind` (calls and units: calls.js; the others: STATUS).
export function statusLabel(kind, status, i18n) {
  const table = CALL_KINDS.has(kind) ? CALL_STATUS : kind === "responder" ? UNIT_STATUS : STATUS;
  const words = table[status] || STATUS[status];
  return words ? i18n.t(words) : humanize(status || "—");
}

export function severityLabel(severity, i18n) {
  return SEVERITY[severity] ? i18n.t(SEVERITY[severity]) : humanize(severity || "—");
}

export function propLabel(key, i18n) {
  return PROPS[key] ? i18n.t(PROPS[key]) : humanize(key);
}

// A prop's value as shown: priorities and needs in words, numbers in the user's locale,
// yes/no for booleans.
export function propValue(key, value, i18n) {
  if (key === "triage.priority" || key === "triage.computed") {
    return PRIORITIES[value] ? i18n.t(PRIORITIES[value]) : String(value);
  }
  if (key === "needs" && Array.isArray(value)) {
    return value.map((id) => i18n.t(NEEDS.find((n) => n.id === id) || { vi: humanize(id) })).join(", ");
  }
  if (typeof value === "number") {
    return value.toLocaleString(i18n.locale, { maximumFractionDigits: 2, useGrouping: false });
  }
  if (typeof value === "boolean") return i18n.t(value ? { vi: "Có", en: "Yes" } : { vi: "Không", en: "No" });
  return String(value);
}

// What each history entry (audit action) was, and who did it.
export const ACTIONS = {
  accept: { vi: "Tiếp nhận", en: "Accepted" }, start: { vi: "Bắt đầu xử lý", en: "Work started" },
  resolve: { vi: "Báo cáo kết quả xử lý", en: "Result reported" }, answer: { vi: "Trả lời", en: "Answered" },
  transfer: { vi: "Chuyển đơn vị khác", en: "Transferred" }, request_extension: { vi: "Xin gia hạn", en: "More time asked" },
  approve_extension: { vi: "Duyệt gia hạn", en: "Extension approved" },
  refuse_extension: { vi: "Không duyệt gia hạn", en: "Extension refused" },
  request_reject: { vi: "Đề nghị không xử lý", en: "Rejection proposed" },
  confirm_reject: { vi: "Xác nhận không xử lý", en: "Rejection confirmed" },
  refuse_reject: { vi: "Không đồng ý từ chối", en: "Rejection refused" },
  close: { vi: "Đóng phản ánh", en: "Closed" }, rate: { vi: "Đánh giá kết quả", en: "Rated" },
  dispute: { vi: "Không đồng ý kết quả", en: "Result disputed" }, reopen: { vi: "Mở lại", en: "Reopened" },
  escalate: { vi: "Báo cáo cấp trên (quá hạn)", en: "Escalated (overdue)" },
  hide: { vi: "Ẩn khỏi công khai", en: "Hidden from the public" },
  unhide: { vi: "Công khai lại", en: "Published again" },
  merge: { vi: "Gộp vào phản ánh trùng", en: "Merged as a duplicate" },
  relocate: { vi: "Sửa vị trí, chuyển lại đơn vị", en: "Location corrected, routed again" },
  triage: { vi: "Xác nhận / điều chỉnh mức ưu tiên", en: "Priority confirmed or overridden" },
  retriage: { vi: "Đánh giá lại (thời gian chờ)", en: "Re-triaged (waiting time)" },
  repeat: { vi: "Gọi lại", en: "Called again" }, assign: { vi: "Giao cho đội cứu hộ", en: "Assigned to a unit" },
  reassign: { vi: "Giao lại", en: "Reassigned" }, en_route: { vi: "Xuất phát", en: "En route" },
  on_scene: { vi: "Đã đến hiện trường", en: "On scene" }, rescued: { vi: "Đã cứu được người", en: "Person rescued" },
  handed_to_hospital: { vi: "Đã chuyển đến bệnh viện", en: "Handed to hospital" },
  cancel: { vi: "Hủy", en: "Cancelled" }, note: { vi: "Ghi chú", en: "Note" },
  reroute: { vi: "Định tuyến lại", en: "Re-routed" }, "camera.status": { vi: "Trạng thái camera", en: "Camera status" },
  "alert.clear": { vi: "Hết cảnh báo", en: "Alert cleared" },
  "unit.status": { vi: "Trạng thái đội", en: "Unit status" }, "unit.position": { vi: "Vị trí đội", en: "Unit position" },
  "unit.register": { vi: "Đăng ký đội", en: "Unit registered" },
  edit: { vi: "Sửa bản nháp", en: "Draft edited" }, approve: { vi: "Duyệt", en: "Approved" },
  send: { vi: "Phát cảnh báo", en: "Sent" }, update: { vi: "Cập nhật", en: "Updated" },
  discard: { vi: "Bỏ bản nháp", en: "Draft discarded" }, expire: { vi: "Hết hiệu lực", en: "Expired" },
  supersede: { vi: "Đã được cập nhật", en: "Superseded" },
  access: { vi: "Truy cập", en: "Access" },
  "person.add": { vi: "Thêm người dùng", en: "Person added" },
  "person.change": { vi: "Sửa người dùng", en: "Person changed" },
  "person.reset": { vi: "Cấp lại mật khẩu", en: "Password reset" },
  "person.password": { vi: "Đặt mật khẩu", en: "Password set" },
  "person.sign_in": { vi: "Đăng nhập", en: "Signed in" },
  "person.sign_out": { vi: "Đăng xuất", en: "Signed out" },
};

export const ROLES = {
  admin: { vi: "quản trị", en: "admin" }, supervisor: { vi: "trưởng ca", en: "supervisor" },
  operator: { vi: "điều hành viên", en: "operator" }, agency: { vi: "đơn vị", en: "agency" },
  responder: { vi: "đội cứu hộ", en: "responder" }, wall: { vi: "màn hình", en: "wall" },
  public: { vi: "công khai", en: "public" }, system: { vi: "hệ thống", en: "system" },
  citizen: { vi: "người dân", en: "citizen" },
};

export function actionLabel(action, i18n) {
  if (ACTIONS[action]) return i18n.t(ACTIONS[action]);
  const [, rest] = String(action).split(".");
  const words = rest && (ACTIONS[rest] || STATUS[rest]);
  return words ? i18n.t(words) : humanize(action);
}

export function roleLabel(role, i18n) { return ROLES[role] ? i18n.t(ROLES[role]) : humanize(role); }

// What changed in a history entry: "Mới tiếp nhận → Đã chuyển đơn vị", "P4 → P2" ("" otherwise).
export function changeLabel(kind, data, i18n) {
  const out = [];
  if (data && data.from !== undefined && data.to !== undefined && data.from !== data.to) {
    out.push(`${statusLabel(kind, data.from, i18n)} → ${statusLabel(kind, data.to, i18n)}`);
  }
  if (data && Array.isArray(data.priority)) {
    out.push(data.priority.map((p) => (PRIORITIES[p] ? PRIORITIES[p].short : "—")).join(" → "));
  }
  return out.join(", ");
}

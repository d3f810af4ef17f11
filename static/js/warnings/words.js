// The words of the warning desk for the CAP codes of a warning (docs/WARNINGS.md): its CAP status
// (a real warning or a drill), urgency, severity, certainty, response types, where it came from,
// and the reach counts. Vietnamese first; a code is never shown as it is.
export const CAP_STATUS = {
  Actual: { vi: "Cảnh báo thật", en: "Real warning" },
  Test: { vi: "Thử nghiệm (diễn tập)", en: "Test (drill)" },
  Exercise: { vi: "Diễn tập", en: "Exercise (drill)" },
};
export const DRILLS = new Set(["Test", "Exercise"]);

export const URGENCY = {
  Immediate: { vi: "Khẩn cấp — hành động ngay", en: "Immediate — act now" },
  Expected: { vi: "Sắp xảy ra — trong vài giờ tới", en: "Expected — within the next hours" },
  Future: { vi: "Có thể xảy ra sau", en: "Future — later" },
  Past: { vi: "Đã qua", en: "Past" },
  Unknown: { vi: "Chưa rõ", en: "Unknown" },
};

export const SEVERITY = {
  Extreme: { vi: "Đặc biệt nguy hiểm", en: "Extreme" },
  Severe: { vi: "Nguy hiểm", en: "Severe" },
  Moderate: { vi: "Trung bình", en: "Moderate" },
  Minor: { vi: "Nhẹ", en: "Minor" },
  Unknown: { vi: "Chưa rõ", en: "Unknown" },
};

export const CERTAINTY = {
  Observed: { vi: "Đã quan sát được", en: "Observed" },
  Likely: { vi: "Nhiều khả năng", en: "Likely" },
  Possible: { vi: "Có thể", en: "Possible" },
  Unlikely: { vi: "Ít khả năng", en: "Unlikely" },
  Unknown: { vi: "Chưa rõ", en: "Unknown" },
};

export const RESPONSES = {
  Monitor: { vi: "Theo dõi thông tin", en: "Monitor" },
  Prepare: { vi: "Chuẩn bị", en: "Prepare" },
  Evacuate: { vi: "Sơ tán", en: "Evacuate" },
  Shelter: { vi: "Trú ẩn tại chỗ", en: "Shelter" },
  Avoid: { vi: "Tránh khu vực", en: "Avoid the area" },
  Execute: { vi: "Thực hiện phương án", en: "Execute the plan" },
  Assess: { vi: "Đánh giá tình hình", en: "Assess" },
  AllClear: { vi: "Đã an toàn", en: "All clear" },
  None: { vi: "Không cần hành động", en: "No action" },
};

export const ORIGIN = {
  gauge: { vi: "Từ trạm đo mực nước", en: "From a river gauge" },
  manual: { vi: "Soạn tay", en: "Written by hand" },
  ingest: { vi: "Nhận từ cơ quan khác (CAP)", en: "Received (CAP)" },
};

// The reach counts, in the order shown.
export const REACH = [
  ["sos_open", { vi: "SOS đang mở", en: "Open SOS calls" }],
  ["hotline_open", { vi: "Cuộc gọi tổng đài đang mở", en: "Open hotline calls" }],
  ["responders", { vi: "Đội cứu hộ trong vùng", en: "Responder units inside" }],
  ["responders_available", { vi: "Đội đang sẵn sàng", en: "Units available" }],
  ["vessels", { vi: "Tàu thuyền (6 giờ qua)", en: "Vessels (last 6 h)" }],
  ["contacts", { vi: "Người đăng ký nhận cảnh báo", en: "Registered contacts" }],
];

// The list's filters: which statuses each shows.
export const FILTERS = [
  ["all", { vi: "Tất cả", en: "All" }, null],
  ["draft", { vi: "Bản nháp", en: "Drafts" }, ["draft"]],
  ["approved", { vi: "Đã duyệt", en: "Approved" }, ["approved"]],
  ["sent", { vi: "Đang phát", en: "Sent" }, ["sent", "received"]],
  ["closed", { vi: "Đã hủy, hết hạn", en: "Cancelled, ended" }, ["cancelled", "expired", "updated"]],
];

export const DRILL_BANNER = {
  vi: "DIỄN TẬP — KHÔNG PHẢI CẢNH BÁO THẬT", en: "DRILL — NOT A REAL WARNING",
};

// The words of a code in one of the tables above ("—" when there is none).
export function say(table, code, i18n) {
  if (code === null || code === undefined || code === "") return "—";
  return table[code] ? i18n.t(table[code]) : String(code).replace(/[._]+/g, " ");
}

// Whether a warning is a drill: ours by props.cap_status, a received one by its CAP status.
export function isDrill(ev) {
  const p = ev.props || {};
  if (p.cap) return p.cap.status !== "Actual";
  return DRILLS.has(p.cap_status || "Actual");
}

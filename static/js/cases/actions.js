// Acting on a case: one dialog, its fields chosen by the action (a result with photos, a reason,
// the hours of an extension and the new deadline, the unit to transfer to, the original of a
// duplicate, the corrected place). Every request carries the version of the case the page shows
// (`seq`): when someone acted on it meanwhile the server answers 409, nothing changes and the
// page says "this case changed: reload". Photos go first to POST /api/v1/media (the photo
// contract), then their addresses with the result.
import { h, showError } from "../core/dom.js";
import { statusLabel } from "../core/labels.js";

const MAX_PHOTOS = 10;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const REASON_WORDS = {
  resolve: { vi: "Kết quả xử lý (công khai cho người dân)", en: "Result (published to the citizen)" },
  answer: { vi: "Câu trả lời (công khai)", en: "The answer (published)" },
  request_extension: { vi: "Lý do xin gia hạn", en: "Why more time is needed" },
  transfer: { vi: "Lý do chuyển", en: "Why transfer it" },
  request_reject: { vi: "Vì sao không thuộc phạm vi xử lý", en: "Why it is out of scope" },
  hide: { vi: "Lý do ẩn (nội dung vi phạm gì)", en: "Why hide it (which rule it breaks)" },
  relocate: { vi: "Lý do sửa vị trí", en: "Why the place is corrected" },
};
const HINTS = {
  accept: { vi: "Đơn vị nhận xử lý việc này; hạn xử lý giữ nguyên.", en: "Your unit takes the case; the deadline stays." },
  start: { vi: "Ghi nhận đã bắt đầu xử lý tại hiện trường.", en: "Record that work has started." },
  resolve: { vi: "Kết quả và ảnh được công bố cho người dân, người dân sẽ đánh giá.", en: "The result and photos are published; the citizen will rate them." },
  approve_extension: { vi: "Hạn xử lý được lùi thêm số giờ đơn vị xin.", en: "The deadline moves by the hours asked." },
  merge: { vi: "Việc này thành bản trùng của việc gốc: không còn hạn xử lý, người gửi theo dõi việc gốc.", en: "This case becomes a duplicate of the original: no deadline; its sender follows the original." },
  relocate: { vi: "Nhập toạ độ hoặc bấm vào bản đồ; việc được chuyển lại cho đơn vị phụ trách nơi mới.", en: "Type the point or click the map; the case is routed again from there." },
  hide: { vi: "Nội dung không còn hiện công khai; lý do được ghi vào nhật ký.", en: "The content leaves the public pages; the reason is kept in the audit trail." },
  unhide: { vi: "Việc hiện lại trên trang công khai.", en: "The case is shown on the public pages again." },
};

export class Actions {
  constructor(dialog, page) {
    Object.assign(this, { dialog, page });
    this.form = dialog.querySelector("#act-form");
    this.fields = dialog.querySelector("#act-fields");
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    dialog.querySelector("#act-cancel").addEventListener("click", () => this.close());
    dialog.addEventListener("cancel", () => this.close());
    page.on("pick", (d) => this.picked(d.coordinate));
  }

  el(id) { return this.dialog.querySelector("#" + id); }

  t(words) { return this.page.t(words); }

  async begin(name, current) {
    this.name = name;
    this.current = current;
    this.row = this.page.actionRows.get(name) || { reason: false };
    this.el("act-title").textContent = `${this.page.actionName(name)} — ${current.case.id.slice(0, 8)}`;
    this.el("act-hint").textContent = HINTS[name] ? this.t(HINTS[name]) : "";
    this.el("act-ok").textContent = this.page.actionName(name);
    this.message("");
    this.progress("");
    this.fields.replaceChildren(...(await this.build(name, current.case)));
    this.dialog.dataset.action = name;
    if (name === "relocate") this.dialog.show(); else this.dialog.showModal();
    const first = this.fields.querySelector("input, select, textarea");
    (first || this.el("act-ok")).focus();
  }

  close() { this.dialog.close(); this.name = null; }

  field(labelWords, control, extra = {}) {
    return h("label", { class: "field", ...extra }, h("span", { text: this.t(labelWords) }), control);
  }

  async build(name, c) {
    const out = [];
    if (name === "request_extension") out.push(...this.extensionFields(c));
    if (name === "transfer") out.push(...this.transferFields(c));
    if (name === "merge") out.push(...(await this.mergeFields(c)));
    if (name === "relocate") out.push(...this.relocateFields(c));
    if (name === "approve_extension" || name === "refuse_extension") out.push(this.extensionAsked(c));
    const needs = this.row.reason;
    if (needs || ["confirm_reject", "merge"].includes(name)) {
      const words = REASON_WORDS[name] || { vi: needs ? "Lý do" : "Ghi chú (không bắt buộc)", en: needs ? "Reason" : "Note (optional)" };
      out.push(this.field(words, h("textarea", { id: "a-reason", name: "reason", rows: "3", maxlength: "4000", required: needs })));
    }
    if (name === "resolve") out.push(this.photoField());
    return out;
  }

  extensionFields(c) {
    const hours = h("input", { id: "a-hours", name: "hours", type: "number", min: "1", max: "720", step: "1", value: "24", required: true });
    const shown = h("p", { id: "a-new-deadline", class: "muted" });
    const update = () => {
      const base = c.deadline ? new Date(c.deadline).getTime() : Date.now();
      const n = Number(hours.value);
      shown.textContent = n > 0 ? this.t({ vi: "Hạn mới nếu được duyệt: ", en: "New deadline if approved: " })
        + this.page.when(new Date(base + n * 3600e3).toISOString()) : "";
    };
    hours.addEventListener("input", update);
    update();
    return [this.field({ vi: "Xin thêm (giờ)", en: "More time (hours)" }, hours), shown];
  }

  extensionAsked(c) {
    const ext = (c.props.case || {}).extension || {};
    return h("p", { class: "asked" }, this.t({ vi: `Đơn vị xin thêm ${ext.hours} giờ: `, en: `The unit asks for ${ext.hours} more hours: ` }),
      h("em", { text: ext.reason || "" }));
  }

  transferFields(c) {
    const p = this.page;
    const units = [...p.agencies.values()].filter((a) => a.id !== c.agency_id)
      .map((a) => [a.id, p.t(a)]).sort((a, b) => a[1].localeCompare(b[1], p.i18n.locale));
    const unit = h("select", { id: "a-agency", name: "agency_id" },
      h("option", { value: "", text: this.t({ vi: "— theo lĩnh vực, nơi xảy ra —", en: "— by category and place —" }) }),
      ...units.map(([v, text]) => h("option", { value: v, text })));
    const cats = [...p.categories.values()].filter((x) => x.kinds && x.kinds.includes(c.kind) && x.code.includes("."))
      .map((x) => [x.code, p.t(x)]).sort((a, b) => a[1].localeCompare(b[1], p.i18n.locale));
    const category = h("select", { id: "a-category", name: "category" },
      ...cats.map(([v, text]) => h("option", { value: v, text, selected: v === c.category })));
    return [this.field({ vi: "Chuyển đến đơn vị", en: "Transfer to the unit" }, unit),
      this.field({ vi: "Lĩnh vực (sửa nếu người dân chọn sai)", en: "Category (correct it if wrong)" }, category)];
  }

  async mergeFields(c) {
    const p = this.page;
    let candidates = [];
    try {
      const params = new URLSearchParams({ category: c.category, status: "open", sort: "oldest", limit: "50" });
      candidates = (await p.api.get(`/api/v1/${c.kind}s?${params}`)).cases.filter((x) => x.id !== c.id && !x.duplicate_of);
    } catch { candidates = []; }
    const select = h("select", { id: "a-original", name: "duplicate_of" },
      h("option", { value: "", text: this.t({ vi: "— chọn việc gốc —", en: "— pick the original —" }) }),
      ...candidates.map((x) => h("option", { value: x.id,
        text: `${x.id.slice(0, 8)} · ${x.title || p.categoryName(x.category)} · ${p.areaName(x.area)} · ${p.when(x.observed_at)} · ${statusLabel(x.kind, x.status, p.i18n)}` })));
    const typed = h("input", { id: "a-original-id", name: "original_id", maxlength: "36", spellcheck: "false", placeholder: "0198…" });
    return [this.field({ vi: "Việc gốc (cùng lĩnh vực, đang mở)", en: "The original (same category, open)" }, select),
      this.field({ vi: "hoặc nhập mã việc gốc", en: "or type the original's id" }, typed)];
  }

  relocateFields(c) {
    const lat = h("input", { id: "a-lat", name: "lat", type: "number", step: "0.00001", min: "15", max: "17.5", value: String(c.lat), required: true });
    const lon = h("input", { id: "a-lon", name: "lon", type: "number", step: "0.00001", min: "106.5", max: "108.5", value: String(c.lon), required: true });
    return [h("div", { class: "row" }, this.field({ vi: "Vĩ độ", en: "Latitude" }, lat), this.field({ vi: "Kinh độ", en: "Longitude" }, lon))];
  }

  // A click on the small map while correcting a place: the new point.
  picked(coordinate) {
    if (this.name !== "relocate" || !coordinate) return;
    const [lon, lat] = coordinate;
    this.el("a-lat").value = lat.toFixed(5);
    this.el("a-lon").value = lon.toFixed(5);
    this.page.detail.point([lon, lat], [255, 162, 53, 255]);
  }

  photoField() {
    const input = h("input", { id: "a-photos", name: "photos", type: "file", accept: "image/jpeg,image/png,image/webp,image/heic,image/heif", multiple: true });
    return this.field({ vi: `Ảnh kết quả (tối đa ${MAX_PHOTOS} ảnh, mỗi ảnh ≤ 10 MB)`, en: `Result photos (up to ${MAX_PHOTOS}, 10 MB each)` }, input);
  }

  message(text) {
    const el = this.el("act-error");
    el.textContent = text;
    el.hidden = !text;
  }

  progress(text) {
    const el = this.el("act-progress");
    el.textContent = text;
    el.hidden = !text;
  }

  // The request's body from the fields; a message (and null) when something is missing.
  body() {
    const f = this.form.elements;
    const c = this.current.case;
    const out = { action: this.name, seq: c.seq };
    const reason = f.reason ? f.reason.value.trim() : "";
    if (reason) out.reason = reason;
    if (this.row.reason && !reason) return this.refuse({ vi: "Hãy nhập lý do / nội dung.", en: "Write the reason or the text." }, f.reason);
    if (this.name === "request_extension") {
      const hours = Number(f.hours.value);
      if (!(hours > 0)) return this.refuse({ vi: "Số giờ xin thêm phải lớn hơn 0.", en: "The hours must be more than 0." }, f.hours);
      out.hours = hours;
    }
    if (this.name === "transfer") {
      if (f.agency_id.value) out.agency_id = f.agency_id.value;
      if (f.category.value !== c.category) out.category = f.category.value;
      if (!out.agency_id && !out.category) return this.refuse({ vi: "Chọn đơn vị nhận, hoặc sửa lĩnh vực.", en: "Pick the unit, or correct the category." }, f.agency_id);
    }
    if (this.name === "merge") {
      const id = f.original_id.value.trim().toLowerCase() || f.duplicate_of.value;
      if (!id) return this.refuse({ vi: "Chọn hoặc nhập mã việc gốc.", en: "Pick or type the original's id." }, f.duplicate_of);
      out.duplicate_of = id;
    }
    if (this.name === "relocate") {
      out.lat = Number(f.lat.value);
      out.lon = Number(f.lon.value);
      if (!Number.isFinite(out.lat) || !Number.isFinite(out.lon) || !f.lat.value || !f.lon.value) {
        return this.refuse({ vi: "Nhập toạ độ mới hoặc bấm vào bản đồ.", en: "Type the new point or click the map." }, f.lat);
      }
    }
    return out;
  }

  refuse(words, field) {
    this.message(this.t(words));
    if (field) field.focus();
    return null;
  }

  async submit() {
    const body = this.body();
    if (!body) return;
    const ok = this.el("act-ok");
    ok.disabled = true;
    try {
      if (this.name === "resolve") {
        const media = await this.upload();
        if (media === null) return;
        if (media.length) body.media = media;
      }
      this.progress(this.t({ vi: "Đang gửi…", en: "Sending…" }));
      const kind = this.current.kind;
      await this.page.api.post(`/api/v1/${kind}s/${this.current.case.id}/transitions`, body);
      const id = this.current.case.id;
      this.close();
      showError("");
      await Promise.all([this.page.detail.open(id, kind), this.page.list.refresh()]);
      this.page.emit("acted", { id, action: body.action });
    } catch (err) {
      this.failed(err);
    } finally {
      ok.disabled = false;
      this.progress("");
    }
  }

  failed(err) {
    if (err.status === 409) {
      this.close();
      this.page.detail.el("d-stale").hidden = false;
      showError(this.t({ vi: "Việc này vừa thay đổi: hãy tải lại rồi chọn lại thao tác. (", en: "This case changed: reload it and choose again. (" }) + err.message + ")");
      return;
    }
    const fields = (err.details || []).map((d) => d.path || d.field).filter(Boolean).join(", ");
    const words = {
      0: { vi: "Không kết nối được máy chủ; kiểm tra mạng rồi bấm lại.", en: "The server cannot be reached; check the network and try again." },
      403: { vi: "Tài khoản này không được làm thao tác này với việc này.", en: "This account may not do that on this case." },
      404: { vi: "Không tìm thấy việc này trong phạm vi của bạn.", en: "This case is not in your scope." },
    }[err.status];
    this.message(words ? this.t(words) : this.t({ vi: "Chưa lưu được: ", en: "Not saved: " }) + err.message + (fields ? ` (${fields})` : ""));
  }

  // Upload the chosen photos (POST /api/v1/media, one at a time, with progress); return their
  // addresses, or null after saying what went wrong.
  async upload() {
    const input = this.form.elements.photos;
    const files = input ? [...input.files] : [];
    if (files.length > MAX_PHOTOS) { this.refuse({ vi: `Tối đa ${MAX_PHOTOS} ảnh.`, en: `At most ${MAX_PHOTOS} photos.` }, input); return null; }
    const big = files.find((f) => f.size > MAX_PHOTO_BYTES);
    if (big) { this.message(this.t({ vi: `Ảnh "${big.name}" quá lớn (tối đa 10 MB): hãy chọn ảnh nhỏ hơn.`, en: `"${big.name}" is too large (10 MB at most): pick a smaller one.` })); return null; }
    const urls = [];
    for (const [i, file] of files.entries()) {
      this.progress(this.t({ vi: `Đang tải ảnh ${i + 1}/${files.length}…`, en: `Uploading photo ${i + 1} of ${files.length}…` }));
      const res = await this.post(file);
      if (!res.ok) { this.message(this.photoError(res.status, file.name, res.message)); return null; }
      urls.push(...res.media.map((m) => m.url));
    }
    return urls;
  }

  async post(file) {
    const data = new FormData();
    data.append("file", file, file.name);
    const headers = await this.page.api.credentials("POST");  // the session's CSRF token
    let res;
    try {
      res = await fetch("/api/v1/media", { method: "POST", body: data, credentials: "same-origin", headers });
    } catch {
      return { ok: false, status: 0 };
    }
    const body = (res.headers.get("Content-Type") || "").includes("json") ? await res.json() : null;
    if (!res.ok) return { ok: false, status: res.status, message: body && body.error ? body.error.message : "" };
    return { ok: true, media: body.media };
  }

  photoError(status, name, message) {
    const words = {
      0: { vi: "Không gửi được ảnh: mất kết nối. Kiểm tra mạng rồi bấm lại.", en: "The photo could not be sent: no link. Check the network and try again." },
      404: { vi: "Máy chủ chưa nhận ảnh (chức năng ảnh chưa bật): gửi kết quả không kèm ảnh.", en: "The server does not take photos yet: send the result without them." },
      413: { vi: `Ảnh "${name}" quá lớn (tối đa 10 MB).`, en: `"${name}" is too large (10 MB at most).` },
      415: { vi: `"${name}" không phải ảnh (JPEG, PNG, WebP, HEIC).`, en: `"${name}" is not a photo (JPEG, PNG, WebP, HEIC).` },
    }[status];
    return words ? this.t(words) : this.t({ vi: `Ảnh "${name}" không dùng được: `, en: `"${name}" cannot be used: ` }) + (message || status);
  }
}

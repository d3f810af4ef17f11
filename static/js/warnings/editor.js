// The editor of a warning: a new draft (POST /api/v1/warnings), a change to a draft or an approved
// warning (the `edit` action: it goes back to draft) or the update of a sent one (the `update`
// action: a new draft that references it). Headline, description and instructions in Vietnamese
// and English, category, urgency / severity / certainty in words, what people should do, the
// communes at risk (a click on the map adds or removes one; or by name), validity in Huế time, and
// whether it is a real warning or a drill (Test, Exercise). Says what is missing before sending.
import { h } from "../core/dom.js";
import { CAP_STATUS, CERTAINTY, DRILL_BANNER, DRILLS, RESPONSES, SEVERITY, URGENCY, say } from "./words.js";

const HUE_OFFSET_MS = 7 * 3600e3;
const TITLES = {
  new: { vi: "Soạn cảnh báo mới", en: "New warning" },
  edit: { vi: "Sửa bản nháp", en: "Edit the draft" },
  update: { vi: "Cập nhật cảnh báo đã phát (bản tin mới)", en: "Update a sent warning (a new message)" },
};
const SAVE = {
  new: { vi: "Lưu bản nháp", en: "Save the draft" },
  edit: { vi: "Lưu thay đổi (trở về bản nháp)", en: "Save (back to draft)" },
  update: { vi: "Tạo bản cập nhật", en: "Create the update" },
};
const DEFAULTS = { category: "warning.flood", cap_status: "Actual", urgency: "Expected", cap_severity: "Moderate", certainty: "Likely" };

// RFC 3339 → the value of a datetime-local input in Huế time (UTC+7, no daylight saving).
export function toLocalInput(iso) {
  return iso ? new Date(Date.parse(iso) + HUE_OFFSET_MS).toISOString().slice(0, 16) : "";
}

// The value of a datetime-local input (Huế time) → RFC 3339 with +07:00, or null.
export function fromLocalInput(value) { return value ? `${value}:00+07:00` : null; }

export class Editor {
  constructor(form, page) {
    this.form = form;
    this.page = page;
    this.mode = "new";
    this.source = null;
    this.communes = [];
    this.$ = (id) => form.querySelector(`#${id}`);
    this.build();
    form.addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    this.$("f-cancel").addEventListener("click", () => this.close());
    this.$("f-commune-add").addEventListener("click", () => this.addByName());
    this.$("f-commune-name").addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); this.addByName(); }
    });
    page.map.addEventListener("commune", (e) => { if (!form.hidden) this.toggle(e.detail.code); });
    page.on("lang", () => this.relabel());
    page.on("select", ({ id }) => { if (id) this.close(false); });
  }

  build() {
    this.statusInputs = Object.keys(CAP_STATUS).map((code) => h("input", {
      type: "radio", name: "cap_status", value: code, id: `f-status-${code}`, on: { change: () => this.drillChanged() } }));
    this.$("cap-status").append(...this.statusInputs.map((input) => h("label", { class: `radio status-${input.value}` }, input, h("span", { dataset: { code: input.value } }))));
    this.responseInputs = Object.keys(RESPONSES).filter((c) => c !== "None").map((code) => h("input", { type: "checkbox", value: code }));
    this.$("f-responses").append(...this.responseInputs.map((input) => h("label", { class: "check" }, input, h("span", { dataset: { code: input.value } }))));
    const warningCats = [...this.page.categories.values()].filter((c) => c.code.startsWith("warning."));
    this.$("f-category").replaceChildren(...warningCats.map((c) => h("option", { value: c.code })));
    for (const [id, table] of [["f-urgency", URGENCY], ["f-severity", SEVERITY], ["f-certainty", CERTAINTY]]) {
      this.$(id).replaceChildren(...Object.keys(table).map((code) => h("option", { value: code })));
    }
    this.relabel();
  }

  // The words of every option in the page's language.
  relabel() {
    const { i18n } = this.page;
    for (const span of this.form.querySelectorAll(".radio span")) span.textContent = say(CAP_STATUS, span.dataset.code, i18n);
    for (const span of this.form.querySelectorAll(".check span")) span.textContent = say(RESPONSES, span.dataset.code, i18n);
    for (const opt of this.$("f-category").options) opt.textContent = this.page.categoryLabel(opt.value);
    for (const [id, table] of [["f-urgency", URGENCY], ["f-severity", SEVERITY], ["f-certainty", CERTAINTY]]) {
      for (const opt of this.$(id).options) opt.textContent = say(table, opt.value, i18n);
    }
    const names = [...this.page.areaNames.entries()].sort((a, b) => a[1].localeCompare(b[1], "vi"));
    this.$("commune-names").replaceChildren(...names.map(([, name]) => h("option", { value: name })));
    this.$("editor-title").textContent = i18n.t(TITLES[this.mode]);
    this.$("f-save").textContent = i18n.t(SAVE[this.mode]);
    this.$("editor-drill").textContent = i18n.t(DRILL_BANNER);
    this.renderCommunes();
  }

  // Open for a new warning (ev null), an edit or an update of `ev`.
  open(ev, mode = ev ? "edit" : "new") {
    this.mode = mode;
    this.source = ev;
    const p = { ...DEFAULTS, ...(ev ? ev.props : {}) };
    this.$("f-category").value = ev ? ev.category : DEFAULTS.category;
    for (const input of this.statusInputs) input.checked = input.value === p.cap_status;
    for (const lang of ["vi", "en"]) {
      for (const field of ["headline", "description", "instruction"]) this.$(`f-${field}-${lang}`).value = p[field] ? p[field][lang] : "";
    }
    this.$("f-urgency").value = p.urgency;
    this.$("f-severity").value = p.cap_severity;
    this.$("f-certainty").value = p.certainty;
    for (const input of this.responseInputs) input.checked = (p.responses || []).includes(input.value);
    this.communes = [...(p.communes || [])];
    this.$("f-effective").value = mode === "update" ? "" : toLocalInput(p.effective);
    this.$("f-expires").value = mode === "update" ? "" : toLocalInput(p.expires);
    this.error("");
    this.form.hidden = false;
    this.page.emit("editing", { open: true });
    this.relabel();
    this.drillChanged();
    this.$("f-headline-vi").focus();
  }

  close(reselect = true) {
    if (this.form.hidden) return;
    this.form.hidden = true;
    this.page.emit("editing", { open: false });
    if (reselect && this.source) this.page.select(this.source.id);
  }

  capStatus() { return (this.statusInputs.find((i) => i.checked) || { value: "Actual" }).value; }

  drillChanged() {
    const drill = DRILLS.has(this.capStatus());
    this.$("editor-drill").hidden = !drill;
    this.form.classList.toggle("is-drill", drill);
    this.page.map.show(this.communes, drill ? "drill" : "editing");
  }

  toggle(code) {
    const at = this.communes.indexOf(code);
    if (at >= 0) this.communes.splice(at, 1); else this.communes.push(code);
    this.renderCommunes();
    this.page.map.show(this.communes, DRILLS.has(this.capStatus()) ? "drill" : "editing");
  }

  addByName() {
    const input = this.$("f-commune-name");
    const text = input.value.trim().toLowerCase();
    if (!text) return;
    const hit = [...this.page.areaNames.entries()].find(([, name]) => name.toLowerCase() === text)
      || [...this.page.areaNames.entries()].find(([, name]) => name.toLowerCase().includes(text));
    if (!hit) {
      this.error(this.page.i18n.t({ vi: `Không tìm thấy xã, phường "${input.value}" trong thành phố Huế.`, en: `No commune "${input.value}" in Huế.` }));
      return;
    }
    if (!this.communes.includes(hit[0])) this.toggle(hit[0]);
    input.value = "";
    this.error("");
  }

  renderCommunes() {
    const { i18n } = this.page;
    const list = this.$("f-communes");
    list.replaceChildren(...this.communes.map((code) => h("li", { class: "chip", dataset: { code } },
      h("span", { text: this.page.areaLabel(code) }),
      h("button", { type: "button", class: "chip-x", text: "✕", title: i18n.t({ vi: "Bỏ", en: "Remove" }) + " " + this.page.areaLabel(code),
        "aria-label": i18n.t({ vi: "Bỏ", en: "Remove" }) + " " + this.page.areaLabel(code), on: { click: () => this.toggle(code) } }))));
    list.dataset.count = String(this.communes.length);
    if (!this.communes.length) list.append(h("li", { class: "muted", text: i18n.t({ vi: "Chưa chọn xã, phường nào.", en: "No commune chosen yet." }) }));
  }

  text(field) {
    const vi = this.$(`f-${field}-vi`).value.trim();
    const en = this.$(`f-${field}-en`).value.trim();
    return vi || en ? { vi, en } : null;
  }

  // The content as the API takes it, or a message saying what is missing.
  content() {
    const t = (text) => this.page.i18n.t(text);
    const out = { category: this.$("f-category").value, cap_status: this.capStatus(), urgency: this.$("f-urgency").value,
      cap_severity: this.$("f-severity").value, certainty: this.$("f-certainty").value,
      responses: this.responseInputs.filter((i) => i.checked).map((i) => i.value), communes: [...this.communes] };
    const names = { headline: { vi: "tiêu đề", en: "headline" }, description: { vi: "nội dung", en: "description" }, instruction: { vi: "hướng dẫn", en: "instructions" } };
    for (const field of ["headline", "description", "instruction"]) {
      const text = this.text(field);
      if (!text && field === "headline") return { error: t({ vi: "Hãy viết tiêu đề bằng tiếng Việt và tiếng Anh.", en: "Write the headline in Vietnamese and English." }) };
      if (text && (!text.vi || !text.en)) {
        return { error: t({ vi: `Hãy viết ${names[field].vi} bằng cả tiếng Việt và tiếng Anh.`, en: `Write the ${names[field].en} in both Vietnamese and English.` }) };
      }
      if (text) out[field] = text;
    }
    if (!out.communes.length) return { error: t({ vi: "Hãy chọn ít nhất một xã, phường trên bản đồ hoặc theo tên.", en: "Pick at least one commune on the map or by name." }) };
    const effective = fromLocalInput(this.$("f-effective").value);
    const expires = fromLocalInput(this.$("f-expires").value);
    if (expires && Date.parse(expires) <= Date.now()) return { error: t({ vi: "Thời điểm hết hiệu lực đã qua: hãy chọn một thời điểm sau bây giờ.", en: "The expiry is in the past: choose a time after now." }) };
    if (effective && expires && Date.parse(expires) <= Date.parse(effective)) return { error: t({ vi: "Hết hiệu lực phải sau thời điểm có hiệu lực.", en: "The expiry must come after the start." }) };
    if (effective) out.effective = effective;
    if (expires) out.expires = expires;
    return { content: out };
  }

  error(text) {
    this.$("editor-error").textContent = text;
    this.$("editor-error").hidden = !text;
  }

  async save() {
    const { content, error } = this.content();
    if (error) { this.error(error); return; }
    const button = this.$("f-save");
    button.disabled = true;
    try {
      const answer = this.mode === "new"
        ? await this.page.api.post("/api/v1/warnings", content)
        : await this.page.api.post(`/api/v1/warnings/${this.source.id}/transitions`, { action: this.mode, content });
      this.source = null;
      this.form.hidden = true;
      this.page.emit("editing", { open: false });
      this.page.keep(answer.warning);
      this.page.select(answer.warning.id);
    } catch (err) {
      this.error(this.serverError(err));
    } finally {
      button.disabled = false;
    }
  }

  serverError(err) {
    const { i18n } = this.page;
    if (err.status === 0) return i18n.t({ vi: "Không kết nối được máy chủ; chưa lưu. Hãy thử lại khi có mạng.", en: "The server cannot be reached; nothing was saved. Try again when the link is back." });
    if (err.status === 403) return i18n.t({ vi: "Tài khoản của bạn không được soạn hoặc sửa cảnh báo.", en: "Your account may not draft or edit warnings." });
    if (err.status === 409) return i18n.t({ vi: "Cảnh báo này vừa được người khác thay đổi; đã tải lại, hãy xem rồi thử lại.", en: "Someone else changed this warning just now; it was reloaded: check it and try again." });
    const details = (err.details || []).map((d) => `${d.path}: ${d.message}`).join("; ");
    return `${i18n.t({ vi: "Máy chủ không nhận: ", en: "Refused: " })}${err.message}${details ? ` (${details})` : ""}`;
  }
}

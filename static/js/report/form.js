// The filing form: report or question, the category (GET /api/v1/categories, grouped by domain)
// with its own questions (attributes) as fields, the text, photos, the place, the optional name
// and phone. check() says what is missing in words next to the field; body() is what
// POST /api/v1/reports (or /questions) receives, photos as the media URLs once uploaded.
import { h } from "../core/dom.js";

export const WORDS = {
  pick: { vi: "— Chọn lĩnh vực —", en: "— Choose a category —" },
  noCategory: { vi: "Hãy chọn lĩnh vực của phản ánh (ví dụ: Rác thải, Đèn chiếu sáng).", en: "Choose a category (e.g. Waste, Street lighting)." },
  noText: { vi: "Hãy viết một câu mô tả sự việc, hoặc thêm ít nhất một ảnh.", en: "Write one sentence about the problem, or add at least one photo." },
  noQuestion: { vi: "Hãy viết câu hỏi của bạn.", en: "Write your question." },
  noPlace: { vi: "Hãy cho biết vị trí: bấm “Vị trí hiện tại” hoặc chọn trên bản đồ.", en: "Give the place: press “Where I am” or pick it on the map." },
  badPhone: { vi: "Số điện thoại không đúng (chỉ gồm chữ số, ví dụ 0905 123 456). Có thể để trống.", en: "That phone number is not valid (digits only, e.g. 0905 123 456). You may leave it empty." },
  required: (name) => ({ vi: `Hãy trả lời: ${name.vi}.`, en: `Please answer: ${name.en || name.vi}.` }),
  textReport: { vi: "Mô tả sự việc", en: "What is wrong?" },
  textQuestion: { vi: "Câu hỏi của bạn *", en: "Your question *" },
  placeholderReport: { vi: "Ví dụ: Rác tồn đọng ở đầu kiệt 3 ngày nay", en: "E.g. Rubbish piled up at the head of the alley for 3 days" },
  placeholderQuestion: { vi: "Ví dụ: Làm giấy khai sinh cho con cần giấy tờ gì?", en: "E.g. What papers do I need to register a birth?" },
  optional: { vi: "(không bắt buộc)", en: "(optional)" },
};
const PHONE = /^\+?[0-9 ().-]{6,32}$/;

export class ReportForm {
  // page: {i18n, el(id)}; categories: the GET /api/v1/categories answer.
  constructor(page, categories) {
    this.page = page;
    this.all = categories.categories || [];
    this.domains = Object.fromEntries((categories.domains || []).map((d) => [d.code, d]));
    this.form = page.el("form");
  }

  get kind() { return this.form.querySelector("input[name=kind]:checked").value; }

  category(code) { return this.all.find((c) => c.code === code) || null; }

  // The category picker of the chosen kind, grouped by domain, in the page's language.
  fillCategories() {
    const { i18n } = this.page;
    const select = this.page.el("category");
    const chosen = select.value;
    const groups = new Map();
    for (const c of this.all.filter((c) => (c.kinds || []).includes(this.kind))) {
      if (!groups.has(c.domain)) groups.set(c.domain, []);
      groups.get(c.domain).push(c);
    }
    const options = [h("option", { value: "", text: i18n.t(WORDS.pick) })];
    for (const [domain, cats] of groups) {
      const label = this.domains[domain] ? i18n.t(this.domains[domain]) : domain;
      options.push(h("optgroup", { label }, ...cats.map((c) => h("option", { value: c.code, text: i18n.t(c) }))));
    }
    select.replaceChildren(...options);
    if (chosen && this.category(chosen) && this.category(chosen).kinds.includes(this.kind)) select.value = chosen;
    this.fillAttributes();
    this.labelText();
  }

  labelText() {
    const { i18n } = this.page;
    const question = this.kind === "question";
    const label = this.page.el("text-label");
    label.dataset.vi = (question ? WORDS.textQuestion : WORDS.textReport).vi + (question ? "" : " *");
    label.dataset.en = (question ? WORDS.textQuestion : WORDS.textReport).en + (question ? "" : " *");
    label.textContent = i18n.t({ vi: label.dataset.vi, en: label.dataset.en });
    this.page.el("text").placeholder = i18n.t(question ? WORDS.placeholderQuestion : WORDS.placeholderReport);
    for (const id of ["photos-box"]) this.page.el(id).hidden = question;
  }

  // The fields of the chosen category's own questions (attributes), kept when the language changes.
  fillAttributes() {
    const { i18n } = this.page;
    const box = this.page.el("attributes");
    const before = this.attributes();
    const cat = this.category(this.page.el("category").value);
    const defs = [...((cat && cat.attributes) || [])].sort((a, b) => (a.order || 0) - (b.order || 0));
    box.replaceChildren(...defs.map((d) => this.attributeField(d, i18n)));
    for (const [code, value] of Object.entries(before)) this.setAttribute(code, value);
  }

  attributeField(d, i18n) {
    const id = `attr-${d.code}`;
    const label = i18n.t(d) + (d.required ? " *" : ` ${i18n.t(WORDS.optional)}`);
    const msg = h("p", { id: `${id}-msg`, class: "msg", role: "alert", hidden: true });
    if (d.datatype === "multivaluelist") {
      return h("fieldset", { dataset: { attr: d.code, type: d.datatype, required: d.required ? "1" : "" } },
        h("legend", { text: label }),
        ...(d.values || []).map((v) => h("label", { class: "check" },
          h("input", { type: "checkbox", name: id, value: v.key }), h("span", { text: i18n.t(v.vi ? v : { vi: v.name }) }))), msg);
    }
    let input;
    if (d.datatype === "singlevaluelist") {
      input = h("select", { id, name: id },
        h("option", { value: "", text: "—" }),
        ...(d.values || []).map((v) => h("option", { value: v.key, text: i18n.t(v.vi ? v : { vi: v.name }) })));
    } else if (d.datatype === "text") {
      input = h("textarea", { id, name: id, rows: 2, maxlength: 4000 });
    } else {
      const type = { number: "number", datetime: "datetime-local" }[d.datatype] || "text";
      input = h("input", { id, name: id, type, maxlength: type === "text" ? 500 : null, step: type === "number" ? "any" : null,
                           inputmode: type === "number" ? "decimal" : null });
    }
    input.dataset.attr = d.code;
    input.dataset.type = d.datatype;
    input.dataset.required = d.required ? "1" : "";
    input.setAttribute("aria-describedby", msg.id);
    return h("div", {}, h("label", { class: "field", for: id, text: label }), input, msg);
  }

  setAttribute(code, value) {
    const box = this.page.el("attributes");
    const el = box.querySelector(`[data-attr="${CSS.escape(code)}"]`);
    if (!el) return;
    if (el.tagName === "FIELDSET") {
      for (const c of el.querySelectorAll("input")) c.checked = [].concat(value).includes(c.value);
    } else el.value = value;
  }

  // {code: value} of the answered attributes (raw form values).
  attributes() {
    const out = {};
    for (const el of this.page.el("attributes").querySelectorAll("[data-attr]")) {
      if (el.tagName === "FIELDSET") {
        const on = [...el.querySelectorAll("input:checked")].map((c) => c.value);
        if (on.length) out[el.dataset.attr] = on;
      } else if (el.value.trim()) out[el.dataset.attr] = el.value.trim();
    }
    return out;
  }

  // The answers as the server takes them (numbers as numbers, times with Huế's offset).
  attributeValues() {
    const out = {};
    const cat = this.category(this.page.el("category").value);
    for (const [code, value] of Object.entries(this.attributes())) {
      const def = ((cat && cat.attributes) || []).find((d) => d.code === code);
      if (def && def.datatype === "number") out[code] = Number(value);
      else if (def && def.datatype === "datetime") out[code] = `${value.length === 16 ? value + ":00" : value}+07:00`;
      else out[code] = value;
    }
    return out;
  }

  // Check what the citizen gave; returns [{field id, words}] (empty: fine). `state` holds the
  // place and the photos the page keeps.
  check(state) {
    const problems = [];
    const cat = this.category(this.page.el("category").value);
    if (!cat) problems.push(["category", WORDS.noCategory]);
    const attrs = this.attributes();
    for (const d of (cat && cat.attributes) || []) {
      if (d.required && !(d.code in attrs)) problems.push([`attr-${d.code}`, WORDS.required(d)]);
    }
    const text = this.page.el("text").value.trim();
    if (this.kind === "question" && !text) problems.push(["text", WORDS.noQuestion]);
    if (this.kind === "report" && !text && !state.photos.length) problems.push(["text", WORDS.noText]);
    if (!state.point) problems.push(["place", WORDS.noPlace]);
    const phone = this.page.el("phone").value.trim();
    if (phone && !PHONE.test(phone)) problems.push(["phone", WORDS.badPhone]);
    return problems;
  }

  // The body of the filing (media: the uploaded photos' URLs).
  body(point, media) {
    const text = this.page.el("text").value.trim();
    const name = this.page.el("name").value.trim();
    const phone = this.page.el("phone").value.trim();
    const reporter = name || phone ? { ...(name ? { name } : {}), ...(phone ? { phone } : {}) } : null;
    const props = this.kind === "question" ? { question: text } : { description: text };
    if (this.kind === "report") {
      const address = this.page.el("address").value.trim();
      const attributes = this.attributeValues();
      if (address) props.address = address;
      if (Object.keys(attributes).length) props.attributes = attributes;
      if (media.length) props.media = media;
    }
    if (reporter) props.reporter = reporter;
    return { category: this.page.el("category").value, lat: point.lat, lon: point.lon, props };
  }

  reset() {
    this.form.reset();
    this.fillCategories();
  }
}

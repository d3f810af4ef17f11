// Vietnamese first, English second. Static labels live in the page as data-vi / data-en
// attributes (data-vi-title / data-en-title for tooltips); labels from the server come as
// {vi, en} objects. The choice is remembered per browser (localStorage).
export const TZ = "Asia/Ho_Chi_Minh";
const LOCALES = { vi: "vi-VN", en: "en-GB" };

export class I18n extends EventTarget {
  constructor({ storageKey = "ioc-lang" } = {}) {
    super();
    this.storageKey = storageKey;
    this.lang = localStorage.getItem(storageKey) === "en" ? "en" : "vi";
  }

  get locale() { return LOCALES[this.lang]; }

  // t({vi, en}) → the label in the current language (Vietnamese when the other is missing).
  t(text) {
    if (text === null || text === undefined) return "";
    if (typeof text !== "object") return String(text);
    return text[this.lang] || text.vi || text.en || "";
  }

  setLang(lang) {
    this.lang = lang === "en" ? "en" : "vi";
    localStorage.setItem(this.storageKey, this.lang);
    this.apply(document);
    this.dispatchEvent(new CustomEvent("change", { detail: { lang: this.lang } }));
  }

  toggle() { this.setLang(this.lang === "vi" ? "en" : "vi"); }

  // Write the current language into every element of `root` that carries data-vi/data-en.
  apply(root) {
    document.documentElement.lang = this.lang;
    for (const el of root.querySelectorAll("[data-vi]")) el.textContent = el.dataset[this.lang] || el.dataset.vi;
    for (const el of root.querySelectorAll("[data-vi-title]")) {
      const text = el.dataset[this.lang + "Title"] || el.dataset.viTitle;
      el.title = text;
      el.setAttribute("aria-label", text);
    }
  }

  number(n, digits = 0) {
    if (n === null || n === undefined || Number.isNaN(n)) return "—";
    return Number(n).toLocaleString(this.locale, { maximumFractionDigits: digits });
  }

  // Local time of Huế for an RFC 3339 text or epoch milliseconds.
  time(value, { seconds = false, date = false } = {}) {
    if (value === null || value === undefined) return "—";
    const opts = { hour: "2-digit", minute: "2-digit", timeZone: TZ, hour12: false };
    if (seconds) opts.second = "2-digit";
    if (date) Object.assign(opts, { day: "2-digit", month: "2-digit" });
    return new Date(value).toLocaleString(this.locale, opts);
  }
}

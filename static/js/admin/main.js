// The administration page (/admin, role admin): people (add, reset a password, disable,
// enable), machine tokens and kiosk credentials (create: the secret or the kiosk link shown
// once; revoke) and the audit trail by person (recent entries, CSV download). Names instead of
// ids: agencies from GET /api/v1/agencies, responder units from GET /api/v1/units.
// window.iocAdmin is the page object (for the browser tests); "ready" once everything is shown.
import { Api } from "../core/api.js";
import { Connection } from "../core/connection.js";
import { showError } from "../core/dom.js";
import { I18n, TZ } from "../core/i18n.js";
import { mountHeader } from "../core/page.js";
import { takeToken } from "../core/token.js";
import { Audit } from "./audit.js";
import { People } from "./people.js";
import { Tokens } from "./tokens.js";

class Admin extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ token, connection: this.connection });
    this.agencies = new Map();
    this.units = new Map();
    this.ready = false;
  }

  on(type, fn) { this.addEventListener(type, (e) => fn(e.detail)); }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  async load() {
    const [agencies, units] = await Promise.all([
      this.api.get("/api/v1/agencies"),
      this.api.get("/api/v1/units").catch(() => ({ units: [] })),  // dispatch may be switched off
    ]);
    this.agencies = new Map(agencies.agencies.map((a) => [a.id, a]));
    this.units = new Map(units.units.map((u) => [u.props.unit_id, u.props]));
  }

  agencyName(id) {
    const a = this.agencies.get(id);
    return a ? this.i18n.t(a) : id;
  }

  unitName(id) {
    const u = this.units.get(id);
    return u ? (this.i18n.lang === "en" && u.name_en) || u.name : id;
  }

  // Where a person or a token is bound: its unit's name, else its agency's, else "—".
  bindingName(rec) {
    if (rec.unit_id) return this.unitName(rec.unit_id);
    if (rec.agency_id) return this.agencyName(rec.agency_id);
    return "—";
  }

  // A time of the server in Huế time with its date ("25/11/2025 14:05"), "—" for none.
  when(iso, { seconds = false } = {}) {
    if (!iso) return "—";
    const opts = { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
    if (seconds) opts.second = "2-digit";
    return new Intl.DateTimeFormat("en-GB", opts).format(new Date(iso)).replace(",", "");
  }

  // Who an audit entry names: a person ("Trần Thị Lan (tran.thi.lan)"), a token by its label,
  // the command line, or the server itself.
  actorName(actor) {
    const t = (words) => this.i18n.t(words);
    if (!actor) return t({ vi: "Hệ thống", en: "System" });
    if (actor === "cli") return t({ vi: "Dòng lệnh trên máy chủ", en: "Server command line" });
    const person = this.people && this.people.list.find((p) => p.username === actor);
    if (person) return `${person.name || actor} (${actor})`;
    const token = this.tokens && this.tokens.list.find((tk) => tk.id === actor);
    if (token && token.label) return t({ vi: "Mã truy cập ", en: "Token " }) + `"${token.label}"`;
    return /^[0-9a-f]{16}$/.test(actor) ? t({ vi: "Mã truy cập ", en: "Token " }) + actor : actor;
  }

  // Say what went wrong with an action (`what`: {vi, en}) in the page's banner.
  failed(what, err) {
    showError(`${this.i18n.t(what)}: ${explain(err, this.i18n)}`);
  }
}

// The words for a refused or failed request.
export function explain(err, i18n) {
  const fields = (err.details || []).map((d) => d.field).filter(Boolean).join(", ");
  const byStatus = {
    400: { vi: err.message, en: err.message },
    0: { vi: "không kết nối được máy chủ, kiểm tra mạng rồi thử lại", en: "the server cannot be reached; check the network and retry" },
    403: { vi: "tài khoản này không có quyền", en: "this account may not do that" },
    404: { vi: "không còn tồn tại (đã có người xóa hoặc đổi?)", en: "it no longer exists (changed by someone else?)" },
    409: { vi: "đã có, hãy chọn tên khác", en: "it exists already; choose another name" },
    422: { vi: `thông tin chưa hợp lệ${fields ? " (" + fields + ")" : ""}: ${err.message}`,
           en: `invalid input${fields ? " (" + fields + ")" : ""}: ${err.message}` },
  };
  return i18n.t(byStatus[err.status] || { vi: err.message, en: err.message });
}

function denied() {
  document.getElementById("denied").hidden = false;
  document.querySelector(".sections").hidden = true;
}

async function start() {
  const page = new Admin(takeToken());
  window.iocAdmin = page;
  if (!(await mountHeader(page, { onLang: () => page.emit("lang") }))) return;
  if (page.me && page.me.role !== "admin") {
    denied();
    return;
  }
  await page.load();
  page.people = new People(document.getElementById("people"), page);
  page.tokens = new Tokens(document.getElementById("tokens"), page);
  page.audit = new Audit(document.getElementById("audit"), page);
  try {
    await page.people.refresh();
  } catch (err) {
    if (err.status === 403) { denied(); return; }
    throw err;
  }
  await Promise.all([page.tokens.refresh(), page.audit.show()]);
  page.ready = true;
  page.emit("ready");
}

start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));

// The case desk (/cases): agency staff see their unit's work list (the server scopes it) and act
// on a case through the actions open now; supervisors see the units under them (overdue first,
// the month's on-time and satisfaction figures) and decide extensions and rejections; IOC
// operators merge duplicates, hide what breaks the rules, correct a category or a place. New
// cases and changes arrive over the websocket (a sound, a badge).
// window.iocCases is the page object (for the browser tests); "ready" once the list is shown.
import { Api } from "../core/api.js";
import { Connection } from "../core/connection.js";
import { showError } from "../core/dom.js";
import { I18n, TZ } from "../core/i18n.js";
import { humanize } from "../core/labels.js";
import { mountHeader } from "../core/page.js";
import { takeToken } from "../core/token.js";
import { Actions } from "./actions.js";
import { Detail } from "./detail.js";
import { WorkList } from "./list.js";
import { Live } from "./live.js";
import { Units } from "./units.js";

const DESK_ROLES = new Set(["agency", "supervisor", "operator", "admin"]);
const MAP_LAYERS = ["areas", "rivers", "roads"];

class Cases extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.i18n = new I18n();
    this.connection = new Connection();
    this.api = new Api({ token, connection: this.connection });
    this.ready = false;
  }

  on(type, fn) { this.addEventListener(type, (e) => fn(e.detail)); }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  get role() { return this.me ? this.me.role : "admin"; }

  async load() {
    const get = (path) => this.api.get(path);
    const [agencies, cats, areas, reportActions, questionActions, layers, health] = await Promise.all([
      get("/api/v1/agencies"), get("/api/v1/categories"), get("/api/v1/areas"),
      get("/api/v1/reports/actions"), get("/api/v1/questions/actions"), get("/api/v1/layers"),
      get("/api/v1/health")]);
    this.agencies = new Map(agencies.agencies.map((a) => [a.id, a]));
    this.categories = new Map(cats.categories.map((c) => [c.code, c]));
    this.areas = areas;
    this.areaNames = new Map(areas.features.map((f) => [f.properties.code, f.properties.full_name]));
    this.actionRows = new Map([...reportActions.actions, ...questionActions.actions].map((a) => [a.name, a]));
    this.catalog = layers.layers.filter((e) => MAP_LAYERS.includes(e.id));
    const paths = this.catalog.map((e) => e.source).filter((s) => s !== "stream" && s !== "/api/v1/areas");
    this.sources = new Map(await Promise.all(paths.map(async (p) => [p, await get(p)])));
    this.head = health.last_seq;
  }

  // Words for the server's codes: never a raw code on screen.
  t(words) { return this.i18n.t(words); }

  agencyName(id) { const a = this.agencies.get(id); return a ? this.t(a) : this.t({ vi: "Đơn vị chưa rõ", en: "Unknown unit" }); }

  categoryName(code) { const c = this.categories.get(code); return c ? this.t(c) : humanize(code || "—"); }

  areaName(code) { return code ? this.areaNames.get(code) || humanize(code) : this.t({ vi: "Ngoài địa giới xã", en: "Outside the communes" }); }

  actionName(name) { const a = this.actionRows.get(name); return a ? this.t(a) : humanize(name); }

  // The units this person answers for: an agency its own; a bound supervisor its unit and every
  // unit below it; others the whole city (null).
  scopeUnits() {
    const root = this.me && this.me.agency_id;
    if (!root) return null;
    const out = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const a of this.agencies.values()) {
        if (a.parent && out.has(a.parent) && !out.has(a.id)) { out.add(a.id); grew = true; }
      }
    }
    return out;
  }

  // "25/11 14:05" in Huế's time.
  when(iso) {
    if (!iso) return "—";
    const opts = { timeZone: TZ, day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };
    return new Intl.DateTimeFormat("en-GB", opts).format(new Date(iso)).replace(",", "");
  }

  // The time left to a deadline ("còn 3 giờ 20 phút" / "quá hạn 2 ngày"), and whether it is late.
  countdown(deadline, now = Date.now()) {
    if (!deadline) return { text: "—", late: false };
    const ms = new Date(deadline).getTime() - now;
    const late = ms < 0;
    const mins = Math.round(Math.abs(ms) / 60000);
    const days = Math.floor(mins / 1440);
    const hours = Math.floor((mins % 1440) / 60);
    const span = days ? { vi: `${days} ngày ${hours} giờ`, en: `${days} d ${hours} h` }
      : hours ? { vi: `${hours} giờ ${mins % 60} phút`, en: `${hours} h ${mins % 60} min` }
        : { vi: `${mins} phút`, en: `${mins} min` };
    const text = late ? { vi: `Quá hạn ${span.vi}`, en: `Late by ${span.en}` } : { vi: `Còn ${span.vi}`, en: `${span.en} left` };
    return { text: this.t(text), late };
  }
}

function denied() {
  document.getElementById("denied").hidden = false;
  document.querySelector(".desk").hidden = true;
}

async function start() {
  const page = new Cases(takeToken());
  window.iocCases = page;
  if (!(await mountHeader(page, { onLang: () => page.emit("lang") }))) return;
  if (page.me && !DESK_ROLES.has(page.me.role)) { denied(); return; }
  await page.load();
  page.detail = new Detail(document.getElementById("detail"), page);
  page.actions = new Actions(document.getElementById("act"), page);
  page.list = new WorkList(document.querySelector(".worklist"), page);
  page.units = new Units(document.getElementById("units"), page);
  page.live = new Live(page);
  await Promise.all([page.list.refresh(), page.units.refresh()]);
  page.live.start();
  // A case named in the address (#case=ID: a link a colleague sent, or this page before a reload).
  const follow = async () => {
    const wanted = new URLSearchParams(location.hash.slice(1)).get("case");
    if (wanted && wanted !== page.detail.id) await page.detail.open(wanted, page.list.kind);
  };
  window.addEventListener("hashchange", follow);
  await follow();
  page.ready = true;
  page.emit("ready");
}

start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));

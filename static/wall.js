/* Huế IOC map wall: deck.gl (pydeck's bundle, served locally), layers from /api/v1/layers,
   live events from /ws. No CDN, no tile server. Vietnamese first, English toggle. */
(function () {
  "use strict";
  const FEED_SIZE = 12;
  const state = {
    token: null, lang: "vi", catalog: [], deckLayers: {}, visible: {}, events: new Map(),
    lastSeq: 0, zoom: 9.6, deck: null, ws: null, retry: 0, categories: {}, areas: {},
    dirty: false, framesReceived: 0,
  };
  window.iocWall = state;  // for operators' consoles and browser tests

  function takeToken() {
    const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem("ioc-token", decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem("ioc-token");
  }

  function showError(text) {
    const el = document.getElementById("error");
    el.textContent = text;
    el.hidden = !text;
  }

  async function getJSON(url) {
    const headers = state.token ? { Authorization: "Bearer " + state.token } : {};
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(url + ": HTTP " + res.status);
    return res.json();
  }

  // Parent of an H3 cell (hex string) at a coarser resolution, by bit arithmetic.
  function cellToParent(hex, res) {
    let h = BigInt("0x" + hex);
    h = (h & ~(0xfn << 52n)) | (BigInt(res) << 52n);
    for (let r = res + 1; r <= 15; r++) h |= 7n << BigInt((15 - r) * 3);
    return h.toString(16);
  }

  function label(obj) { return (obj && (obj[state.lang] || obj.vi)) || ""; }

  function streamLayers() { return state.catalog.filter((l) => l.source === "stream"); }

  function eventsOfKinds(kinds) {
    const out = [];
    for (const ev of state.events.values()) if (kinds.includes(ev.kind)) out.push(ev);
    return out;
  }

  function hexCounts(events, res) {
    const counts = new Map();
    for (const ev of events) {
      const p = cellToParent(ev.cell, res);
      counts.set(p, (counts.get(p) || 0) + 1);
    }
    return Array.from(counts, ([hex, count]) => ({ hex, count }));
  }

  function buildLayers() {
    const out = [];
    for (const entry of state.catalog) {
      const on = state.visible[entry.id] !== false;
      const evs = entry.source === "stream" ? eventsOfKinds(entry.kinds) : null;
      for (const d of entry.deck) {
        const base = state.deckLayers[d.spec.id];
        if (!base) continue;
        const zoomOk = (d.minZoom === undefined || state.zoom >= d.minZoom) &&
                       (d.maxZoom === undefined || state.zoom < d.maxZoom);
        const props = { visible: on && zoomOk };
        if (evs && d.role === "points") props.data = evs;
        if (evs && d.role === "hexagons") props.data = hexCounts(evs, d.h3_res || 7);
        if (entry.id === "areas" && state.areasDoc) props.data = state.areasDoc;
        out.push(base.clone(props));
      }
    }
    return out;
  }

  function render() {
    state.dirty = false;
    if (state.deck) state.deck.setProps({ layers: buildLayers() });
    document.getElementById("count").textContent =
      (state.lang === "vi" ? "Sự kiện: " : "Events: ") + state.events.size.toLocaleString("vi-VN");
    renderFeed();
  }

  function schedule() {
    if (!state.dirty) { state.dirty = true; setTimeout(() => requestAnimationFrame(render), 150); }
  }

  function timeOf(iso) {
    const d = new Date(iso);
    return d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  }

  function renderFeed() {
    const list = document.getElementById("feed");
    const latest = Array.from(state.events.values()).filter((e) => e.kind === "report")
      .sort((a, b) => b.seq - a.seq).slice(0, FEED_SIZE);
    list.replaceChildren(...latest.map((ev) => {
      const li = document.createElement("li");
      const when = document.createElement("span"); when.className = "when"; when.textContent = timeOf(ev.observed_at);
      const what = document.createElement("span"); what.textContent = label(state.categories[ev.category]) || ev.category;
      const where = document.createElement("div"); where.className = "where";
      where.textContent = ev.area ? (state.areas[ev.area] || ev.area) : (state.lang === "vi" ? "Ngoài đất liền" : "Offshore");
      li.append(when, what, where);
      return li;
    }));
  }

  function tooltip({ object }) {
    if (!object) return null;
    if (object.kind) {
      const cat = label(state.categories[object.category]) || object.category;
      const area = object.area ? (state.areas[object.area] || object.area) : "—";
      const title = (object.props && (object.props.title || object.props.description)) || "";
      return { text: `${cat}\n${area}\n${timeOf(object.observed_at)} · ${object.status}\n${title}` };
    }
    if (object.hex) return { text: (state.lang === "vi" ? "Số phản ánh: " : "Reports: ") + object.count };
    if (object.properties && object.properties.name) return { text: object.properties.full_name || object.properties.name };
    return null;
  }

  function renderLegend() {
    const ul = document.getElementById("legend");
    ul.replaceChildren(...state.catalog.map((entry) => {
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox"; box.checked = state.visible[entry.id] !== false; box.id = "layer-" + entry.id;
      box.addEventListener("change", () => { state.visible[entry.id] = box.checked; schedule(); });
      const lab = document.createElement("label"); lab.htmlFor = box.id; lab.textContent = label(entry.title);
      li.append(box);
      const color = entry.legend && entry.legend[0] && entry.legend[0].color;
      if (color) {
        const sw = document.createElement("span"); sw.className = "swatch";
        sw.style.background = `rgb(${color.join(",")})`; li.append(sw);
      }
      li.append(lab);
      return li;
    }));
  }

  function setConn(on) {
    const el = document.getElementById("conn");
    el.className = "conn " + (on ? "on" : "off");
    el.dataset.state = on ? "online" : "offline";
    el.textContent = on ? (state.lang === "vi" ? "Trực tuyến" : "Online")
                        : (state.lang === "vi" ? "Mất kết nối" : "Offline");
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(state.token || "")}`);
    state.ws = ws;
    ws.onopen = () => {
      state.retry = 0;
      ws.send(JSON.stringify({ op: "subscribe", layers: streamLayers().map((l) => l.id), since: state.lastSeq }));
    };
    ws.onmessage = (msg) => {
      const frame = JSON.parse(msg.data);
      if (frame.op === "subscribed") { setConn(true); showError(""); }
      else if (frame.op === "events") {
        state.framesReceived += 1;
        for (const ev of frame.events) state.events.set(ev.id, ev);
        state.lastSeq = Math.max(state.lastSeq, frame.last_seq);
        schedule();
      } else if (frame.op === "error") {
        showError(frame.error.message);
      }
    };
    ws.onclose = () => {
      setConn(false);
      state.retry = Math.min(state.retry + 1, 6);
      setTimeout(connect, 500 * 2 ** state.retry);
    };
  }

  function tick() {
    document.getElementById("clock").textContent = new Date().toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
  }

  function applyLang() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-vi]").forEach((el) => { el.textContent = el.dataset[state.lang]; });
    document.getElementById("lang").textContent = state.lang === "vi" ? "EN" : "VI";
    setConn(document.getElementById("conn").dataset.state === "online");
    renderLegend(); render();
  }

  async function start() {
    state.token = takeToken();
    if (!state.token) showError("Thiếu mã truy cập: mở địa chỉ có #token=… / Missing token: open the URL with #token=…");
    const [layers, cats, areas] = await Promise.all([
      getJSON("/api/v1/layers"), getJSON("/api/v1/categories"), getJSON("/api/v1/areas")]);
    state.catalog = layers.layers;
    for (const c of cats.categories) state.categories[c.code] = c;
    for (const f of areas.features) state.areas[f.properties.code] = f.properties.full_name;
    state.areasDoc = areas;
    const specs = [];
    for (const entry of state.catalog) for (const d of entry.deck) specs.push(d.spec);
    state.deck = createDeck({
      container: document.getElementById("map"),
      jsonInput: {
        initialViewState: { longitude: 107.58, latitude: 16.46, zoom: 9.6, pitch: 0, bearing: 0 },
        views: [{ "@@type": "MapView", controller: true }],
        layers: specs,
      },
      handleEvent: (name, vs) => {
        if (name === "deck-view-state-change-event" && Math.abs(vs.zoom - state.zoom) > 0.01) {
          state.zoom = vs.zoom; schedule();
        }
      },
    });
    state.deck.setProps({ getTooltip: tooltip });
    for (const l of state.deck.props.layers) state.deckLayers[l.id] = l;
    document.getElementById("lang").addEventListener("click", () => {
      state.lang = state.lang === "vi" ? "en" : "vi"; applyLang();
    });
    renderLegend(); render(); tick(); setInterval(tick, 1000);
    connect();
  }

  start().catch((err) => showError("Lỗi tải trang / page failed: " + err.message));
})();

// The events the wall holds, per kind, and what the map draws from them, kept current as
// batches arrive (nothing is recounted from scratch while the wall is live):
//   points(kind)      → the kind's events, plus the rows changed since the last call, so that
//                        deck.gl updates only those rows (_dataDiff);
//   hexagons(kind, r) → [{hex, count}] from counts per parent cell at resolution r;
//   areaLoad(kinds)   → Map area → open cases (status not in the layer's closed_statuses);
//   areaOverdue(kinds, now) → Map area → open cases past their deadline at `now`;
//   newestBy(kind, key) → the newest event per value of `key` (e.g. "props.mmsi": a vessel);
//   tracks(kind, key) → [{<key's last part>: value, path: [[lon, lat], …]}] oldest first.
// newestBy and tracks are recomputed from the held events when asked, once per change (the
// map asks at most every aggregateMs); they are for the few moving things, not for reports.
// setTime(t) replays: only events observed at or before t count (null = live). Events observed
// before the window (windowMs) are dropped by prune(), and so are the oldest beyond maxEvents.
import { cellToParent } from "./h3.js";

class KindState {
  constructor(kind, resolutions, closed) {
    Object.assign(this, { kind, resolutions, closed });
    this.reset([]);
  }

  reset(items) {
    this.items = items;
    this.index = new Map();
    this.hex = new Map(this.resolutions.map((r) => [r, new Map()]));
    this.areas = new Map();
    items.forEach((ev, i) => { this.index.set(ev.id, i); this.account(ev, 1); });
    this.taken = 0;          // rows the map already has
    this.changed = [];       // rows replaced since then
    this.rebuild = true;     // the map must take everything again
    this.version = (this.version || 0) + 1;
  }

  put(ev) {
    const i = this.index.get(ev.id);
    if (i === undefined) {
      this.index.set(ev.id, this.items.length);
      this.items.push(ev);
    } else {
      this.account(this.items[i], -1);
      this.items[i] = ev;
      if (i < this.taken) this.changed.push(i);
    }
    this.account(ev, 1);
    this.version += 1;
    return i === undefined;
  }

  isOpen(ev) { return !this.closed.has(ev.status); }

  account(ev, sign) {
    this.resolutions.forEach((res, k) => bump(this.hex.get(res), ev._h[k], sign));
    if (ev.area && this.isOpen(ev)) bump(this.areas, ev.area, sign);
  }

  // {data, ranges}: ranges null means "take all rows"; null when nothing changed.
  takeDiff() {
    if (!this.rebuild && !this.changed.length && this.taken === this.items.length) return null;
    const ranges = this.rebuild ? null : this.changed.map((i) => ({ startRow: i, endRow: i + 1 }));
    if (ranges && this.taken < this.items.length) ranges.push({ startRow: this.taken, endRow: this.items.length });
    this.taken = this.items.length;
    this.changed = [];
    this.rebuild = false;
    return { data: this.items.slice(), ranges };
  }
}

// The value at a dotted path of an event ("props.mmsi").
function valueAt(ev, path) {
  return path.split(".").reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), ev);
}

function bump(map, key, sign) {
  const n = (map.get(key) || 0) + sign;
  if (n > 0) map.set(key, n); else map.delete(key);
}

export class WallEvents {
  constructor({ catalog, windowMs, maxEvents }) {
    this.windowMs = windowMs;
    this.maxEvents = maxEvents;
    this.kinds = new Map();
    this.time = null;            // null: live; else epoch ms of the replay
    this.filtered = new Map();   // kind → {key, data} cache while replaying
    this.keyed = new Map();      // "role:kind:key" → {stamp, data} (newestBy, tracks)
    for (const entry of catalog.filter((e) => e.source === "stream")) {
      const resolutions = entry.deck.filter((d) => d.role === "hexagons").map((d) => d.h3_res || 7);
      for (const kind of entry.kinds) {
        this.kinds.set(kind, new KindState(kind, resolutions, new Set(entry.closed_statuses || [])));
      }
    }
  }

  // Merge a batch (new events and new versions of held ones); return how many were new.
  add(events) {
    const cutoff = Date.now() - this.windowMs;
    let added = 0;
    for (const ev of events) {
      const st = this.kinds.get(ev.kind);
      if (!st) continue;
      ev._t = Date.parse(ev.observed_at);
      if (ev._t < cutoff && !st.index.has(ev.id)) continue;
      ev._h = st.resolutions.map((res) => cellToParent(ev.cell, res));
      if (st.put(ev)) added += 1;
    }
    return added;
  }

  get size() {
    let n = 0;
    for (const st of this.kinds.values()) n += st.items.length;
    return n;
  }

  get(id) {
    for (const st of this.kinds.values()) {
      const i = st.index.get(id);
      if (i !== undefined) return st.items[i];
    }
    return null;
  }

  // Drop what fell out of the window and, past maxEvents, the oldest; return how many went.
  prune(now = Date.now()) {
    let cutoff = now - this.windowMs;
    const size = this.size;
    if (size > this.maxEvents) {
      const times = [];
      for (const st of this.kinds.values()) for (const ev of st.items) times.push(ev._t);
      times.sort((a, b) => a - b);
      cutoff = Math.max(cutoff, times[size - this.maxEvents]);
    }
    let dropped = 0;
    for (const st of this.kinds.values()) {
      if (!st.items.some((ev) => ev._t < cutoff)) continue;
      const keep = st.items.filter((ev) => ev._t >= cutoff);
      dropped += st.items.length - keep.length;
      st.reset(keep);
    }
    return dropped;
  }

  setTime(t) {
    this.time = t;
    this.filtered.clear();
    for (const st of this.kinds.values()) st.rebuild = true;
  }

  visible(kind) {
    const st = this.kinds.get(kind);
    if (!st) return [];
    if (this.time === null) return st.items;
    const key = `${this.time}:${st.version}`;
    const hit = this.filtered.get(kind);
    if (hit && hit.key === key) return hit.data;
    const data = st.items.filter((ev) => ev._t <= this.time);
    this.filtered.set(kind, { key, data });
    return data;
  }

  points(kind) {
    const st = this.kinds.get(kind);
    if (!st) return null;
    if (this.time === null) return st.takeDiff();
    st.rebuild = true;
    return { data: this.visible(kind), ranges: null };
  }

  hexagons(kind, res) {
    const st = this.kinds.get(kind);
    if (!st || !st.hex.has(res)) return [];
    let counts = st.hex.get(res);
    if (this.time !== null) {
      const k = st.resolutions.indexOf(res);
      counts = new Map();
      for (const ev of this.visible(kind)) bump(counts, ev._h[k], 1);
    }
    return Array.from(counts, ([hex, count]) => ({ hex, count }));
  }

  areaLoad(kinds) {
    const out = new Map();
    for (const kind of kinds) {
      const st = this.kinds.get(kind);
      if (!st) continue;
      if (this.time === null) {
        for (const [area, n] of st.areas) out.set(area, (out.get(area) || 0) + n);
      } else {
        for (const ev of this.visible(kind)) if (ev.area && st.isOpen(ev)) bump(out, ev.area, 1);
      }
    }
    return out;
  }

  areaOverdue(kinds, now = Date.now()) {
    const out = new Map();
    const at = this.time === null ? now : this.time;
    for (const kind of kinds) {
      const st = this.kinds.get(kind);
      if (!st) continue;
      for (const ev of this.visible(kind)) {
        if (!ev.area || !ev.deadline || !st.isOpen(ev)) continue;
        if (ev._d === undefined) ev._d = Date.parse(ev.deadline);
        if (ev._d < at) bump(out, ev.area, 1);
      }
    }
    return out;
  }

  // Computed once per change of the kind (or of the replay time); see the header.
  keyedOnce(role, kind, key, compute) {
    const st = this.kinds.get(kind);
    if (!st || !key) return [];
    const id = `${role}:${kind}:${key}`;
    const stamp = `${st.version}:${this.time}`;
    const hit = this.keyed.get(id);
    if (hit && hit.stamp === stamp) return hit.data;
    const data = compute(this.visible(kind));
    this.keyed.set(id, { stamp, data });
    return data;
  }

  newestBy(kind, key) {
    return this.keyedOnce("newest", kind, key, (items) => {
      const out = new Map();
      for (const ev of items) {
        const k = valueAt(ev, key);
        const had = out.get(k);
        if (k !== undefined && (!had || ev._t > had._t || (ev._t === had._t && ev.seq > had.seq))) out.set(k, ev);
      }
      return [...out.values()];
    });
  }

  tracks(kind, key) {
    const name = key.split(".").pop();
    return this.keyedOnce("tracks", kind, key, (items) => {
      const by = new Map();
      for (const ev of items) {
        const k = valueAt(ev, key);
        if (k === undefined) continue;
        if (!by.has(k)) by.set(k, []);
        by.get(k).push(ev);
      }
      const out = [];
      for (const [k, evs] of by) {
        if (evs.length < 2) continue;
        evs.sort((a, b) => a._t - b._t);
        out.push({ [name]: k, path: evs.map((ev) => [ev.lon, ev.lat]) });
      }
      return out;
    });
  }

  // The newest events (by seq) that pass `keep`, at most n, among those shown at the current time.
  // Events are held in arrival order, so each kind is walked from its end.
  latest(n, keep = () => true) {
    const out = [];
    for (const kind of this.kinds.keys()) {
      const items = this.visible(kind);
      for (let i = items.length - 1, found = 0; i >= 0 && found < n; i--) {
        if (keep(items[i])) { out.push(items[i]); found += 1; }
      }
    }
    out.sort((a, b) => b.seq - a.seq);
    return out.slice(0, n);
  }

  // Epoch ms of the oldest event held (Infinity when none).
  oldest() {
    let t = Infinity;
    for (const st of this.kinds.values()) for (const ev of st.items) if (ev._t < t) t = ev._t;
    return t;
  }

  // How many events are shown at the current time (all kinds).
  shown() {
    let n = 0;
    for (const kind of this.kinds.keys()) n += this.visible(kind).length;
    return n;
  }
}

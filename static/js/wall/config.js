// What a wall shows and how often: one place, overridable from the address (?cycle=SECONDS
// sets the view cycle, 0 stops it; ?view=city|flood|sea starts on that view; ?health=SECONDS
// how often the database state is asked).
export const WALL = {
  windowHours: 24,          // events observed earlier are dropped; the time slider covers this
  maxEvents: 150000,        // the most events held (the oldest go first)
  renderMs: 250,            // new events reach the points layers at most this often
  aggregateMs: 1000,        // hexagon counts are recounted at most this often
  loadMs: 5000,             // and the area load (the basemap's colours) at most this often
  cycleSeconds: 45,         // unattended wall: next view after this long
  idleResumeSeconds: 120,   // after someone moves the map, cycling waits this long
  tickerKinds: ["alert", "warning"],       // besides layers flagged `ticker` in the catalog
  tickerSeverities: ["severe", "extreme"], // events of any kind this severe go on the ticker too
  tickerSeconds: 8,
  kpiSeconds: 15,
  healthSeconds: 5,         // the database state (GET /api/v1/health) is asked this often
  kpiPageSeconds: 12,       // key figures taller than their column turn the page this often
  cameraTiles: 4,
  cameraSeconds: 10,
  cameraProbeSeconds: 60,
  feedSize: 8,
  queueSize: 8,             // open calls listed (most urgent first); the rest are counted
  queueSeconds: 30,         // the waiting times tick this often
  // the vessel table shown with the sea view: the layer (its `latest` entry), zone labels,
  // alerts that mark a vessel (status active, props.subject_type vessel), rows listed
  vesselList: { layer: "vessels", view: "sea", zonesSource: "/api/v1/vessels/zones", alertKinds: ["alert"], rows: 12 },
  views: [
    { id: "city", label: { vi: "Thành phố", en: "City" }, longitude: 107.585, latitude: 16.462, zoom: 12.2 },
    { id: "flood", label: { vi: "Vùng ngập lụt", en: "Flood zone" }, longitude: 107.56, latitude: 16.53, zoom: 10.4 },
    { id: "sea", label: { vi: "Vùng biển", en: "Sea" }, longitude: 107.78, latitude: 16.72, zoom: 9.0 },
  ],
};

export function wallConfig(search = location.search) {
  const q = new URLSearchParams(search);
  const cfg = { ...WALL };
  if (q.has("cycle")) cfg.cycleSeconds = Math.max(0, Number(q.get("cycle")) || 0);
  if (q.has("view")) cfg.startView = q.get("view");
  if (q.has("health")) cfg.healthSeconds = Math.max(1, Number(q.get("health")) || WALL.healthSeconds);
  return cfg;
}

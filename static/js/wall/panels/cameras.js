// Camera tiles from GET /api/v1/cameras → {"cameras": [{id, name, status, latest: {url, at} | null}]}.
// The panel stays hidden while the server has no cameras API (404) and asks again every
// cameraProbeSeconds. Snapshots are fetched with the token and shown as blob: URLs; a camera
// without a picture yet says so instead of a broken image. The status is a word in the user's
// language (green online, red offline), never the server's code.
import { ApiError } from "../../core/api.js";
import { h } from "../../core/dom.js";

const STATUS = {
  online: { vi: "Đang hoạt động", en: "Online" },
  offline: { vi: "Mất tín hiệu", en: "Offline" },
};
const NO_PICTURE = { vi: "Chưa có hình", en: "No picture yet" };

function mount(el, wall) {
  const cfg = wall.config;
  const t = (x) => wall.i18n.t(x);
  const grid = h("ul", { class: "camera-grid" });
  el.append(grid);
  el.hidden = true;
  const urls = new Map();  // camera id → blob URL shown
  let cameras = [];
  const snapshot = async (cam, img) => {
    if (!cam.latest || !cam.latest.url) return;
    try {
      const url = URL.createObjectURL(await wall.api.blob(cam.latest.url));
      img.src = url;
      img.hidden = false;
      if (urls.has(cam.id)) URL.revokeObjectURL(urls.get(cam.id));
      urls.set(cam.id, url);
    } catch (err) {
      img.dataset.error = err.message;
    }
  };
  const tile = (cam) => {
    const img = h("img", { alt: cam.name, src: urls.get(cam.id) });
    img.hidden = !urls.has(cam.id);
    snapshot(cam, img);
    const status = t(STATUS[cam.status] || STATUS.offline);
    return h("li", { class: "camera status-" + (STATUS[cam.status] ? cam.status : "offline"),
      dataset: { camera: cam.id, status: cam.status } }, img,
    cam.latest ? null : h("span", { class: "camera-empty", text: t(NO_PICTURE) }),
    h("span", { class: "camera-name", text: cam.name }), h("span", { class: "camera-status", text: status }));
  };
  const draw = () => { grid.replaceChildren(...cameras.slice(0, cfg.cameraTiles).map(tile)); };
  let timer = null;
  const load = async () => {
    clearTimeout(timer);
    try {
      cameras = (await wall.api.get("/api/v1/cameras")).cameras;
      el.hidden = !cameras.length;
      draw();
      timer = setTimeout(load, cfg.cameraSeconds * 1000);
    } catch (err) {
      el.hidden = true;
      el.dataset.absent = String(err instanceof ApiError && err.status === 404);
      timer = setTimeout(load, cfg.cameraProbeSeconds * 1000);
    }
  };
  wall.on("lang", draw);
  load();
}

export default { mount };

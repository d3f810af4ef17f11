// Camera tiles from GET /api/v1/cameras → {"cameras": [{id, name, status, latest_jpg}]}. The
// panel stays hidden while the server has no cameras API (404) and asks again every
// cameraProbeSeconds. Snapshots are fetched with the token and shown as blob: URLs.
import { ApiError } from "../../core/api.js";
import { h } from "../../core/dom.js";

function mount(el, wall) {
  const cfg = wall.config;
  const grid = h("ul", { class: "camera-grid" });
  el.append(grid);
  el.hidden = true;
  const urls = new Map();  // camera id → blob URL shown
  const snapshot = async (cam, img) => {
    if (!cam.latest_jpg) return;
    try {
      const url = URL.createObjectURL(await wall.api.blob(cam.latest_jpg));
      img.src = url;
      if (urls.has(cam.id)) URL.revokeObjectURL(urls.get(cam.id));
      urls.set(cam.id, url);
    } catch (err) {
      img.dataset.error = err.message;
    }
  };
  const draw = (cameras) => {
    grid.replaceChildren(...cameras.slice(0, cfg.cameraTiles).map((cam) => {
      const img = h("img", { alt: cam.name, src: urls.get(cam.id) });
      snapshot(cam, img);
      return h("li", { class: "camera status-" + cam.status, dataset: { camera: cam.id } }, img,
        h("span", { class: "camera-name", text: cam.name }), h("span", { class: "camera-status", text: cam.status }));
    }));
  };
  let timer = null;
  const load = async () => {
    clearTimeout(timer);
    try {
      const doc = await wall.api.get("/api/v1/cameras");
      el.hidden = !doc.cameras.length;
      draw(doc.cameras);
      timer = setTimeout(load, cfg.cameraSeconds * 1000);
    } catch (err) {
      el.hidden = true;
      el.dataset.absent = String(err instanceof ApiError && err.status === 404);
      timer = setTimeout(load, cfg.cameraProbeSeconds * 1000);
    }
  };
  load();
}

export default { mount };

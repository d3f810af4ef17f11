"""The camera API on a real server: registration and heartbeats, status on the websocket, silent
cameras going offline, image uploads with their limits and who may read them."""
from __future__ import annotations

import json

import pytest

from server.core.clock import ManualClock
from tests.helpers import collect_events, http, open_ws, recv_json
from tests.helpers.cameras import CAM, JPEG, SNAP, put_camera, put_image

def subscribe_cameras(ws) -> dict:  # noqa: ANN001
    ws.send(json.dumps({"op": "subscribe", "layers": ["cameras", "camera_hits"], "since": 0}))
    frame = recv_json(ws)
    assert frame["op"] == "subscribed", frame
    return frame


def test_registration_heartbeat_and_status_on_the_wall(server, operator, wall):
    with open_ws(server, wall) as ws:
        subscribe_cameras(ws)
        first = put_camera(server, operator)
        assert first.status == 200, first.body
        assert first.body["status"] == "offline"
        assert first.body["reason"] == "waiting for the first frame"
        [created] = collect_events(ws, until_seq=1)
        assert created["kind"] == "camera" and created["status"] == "offline"
        assert created["props"]["camera_id"] == "cam-1" and created["area"] == "19789"
        online = put_camera(server, operator, status="online").body
        [updated] = collect_events(ws, until_seq=2)
        assert updated["id"] == created["id"] and updated["status"] == "online"
        assert "reason" not in updated["props"]
        assert put_camera(server, operator, status="online").status == 200  # heartbeat only
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.4)
    listed = http("GET", server.url + "/api/v1/cameras", token=wall).body["cameras"]
    assert [c["id"] for c in listed] == ["cam-1"]
    assert listed[0]["status"] == "online" and listed[0]["last_seen"].endswith("+07:00")
    assert listed[0]["event_id"] == online["event_id"] == created["id"]
    assert listed[0]["latest"] is None and listed[0]["name"] == CAM["name"]
    history = server.call(server.core.history(created["id"]))
    assert [(h.action, h.data) for h in history] == \
        [("camera.status", {"from": "offline", "to": "online"})]


def test_a_heartbeat_without_status_keeps_the_stored_one(server, operator):
    put_camera(server, operator, status="offline", reason="cannot open stream rtsp://***@cam/1")
    again = put_camera(server, operator).body
    assert again["status"] == "offline" and again["reason"] == "cannot open stream rtsp://***@cam/1"
    assert put_camera(server, operator, status="online").body["reason"] is None


def test_a_silent_camera_goes_offline(make_server):
    clock = ManualClock()
    srv = make_server(clock, camera_stale_s=0.2)
    operator, wall = srv.token("operator"), srv.token("wall")
    put_camera(srv, operator, status="online")
    with open_ws(srv, wall) as ws:
        subscribe_cameras(ws)
        assert collect_events(ws, until_seq=1)[-1]["status"] == "online"
        clock.advance(5)
        [offline] = collect_events(ws, until_seq=2)
        assert offline["status"] == "offline"
        assert offline["props"]["reason"] == "no heartbeat for 5 s"
        put_camera(srv, operator, status="online")
        assert collect_events(ws, until_seq=3)[-1]["status"] == "online"


def test_bad_registrations_are_refused_with_reasons(server, operator, wall):
    bad = put_camera(server, operator, lat=95)
    assert bad.status == 422 and bad.body["error"]["details"][0]["path"] == "lat"
    at_sea = put_camera(server, operator, lat=10.0, lon=100.0)
    assert at_sea.status == 422 and "service region" in json.dumps(at_sea.body)
    assert put_camera(server, operator, colour="red").status == 422
    assert put_camera(server, operator, camera_id="Cam_1").status == 404
    assert put_camera(server, wall).status == 403
    assert put_camera(server, None).status == 401
    assert put_camera(server, operator).status == 200
    moved = put_camera(server, operator, lat=16.47)
    assert moved.status == 409 and "new id" in moved.body["error"]["message"]


def test_images_upload_and_read(server, operator, wall):
    assert put_image(server, operator).status == 404  # the camera is not registered yet
    put_camera(server, operator, status="online")
    saved = put_image(server, operator)
    assert saved.status == 201 and saved.body == {"url": "/api/v1/cameras/cam-1/latest.jpg"}
    got = http("GET", server.url + saved.body["url"], token=wall)
    assert got.status == 200 and got.raw == JPEG and got.headers["Content-Type"] == "image/jpeg"
    assert got.headers["Cache-Control"] == "no-cache"
    snap = put_image(server, operator, SNAP)
    assert snap.body["url"] == f"/api/v1/cameras/cam-1/{SNAP}.jpg"
    assert http("GET", server.url + snap.body["url"], token=wall).raw == JPEG
    latest = http("GET", server.url + "/api/v1/cameras", token=wall).body["cameras"][0]["latest"]
    assert latest["url"] == "/api/v1/cameras/cam-1/latest.jpg" and latest["at"].endswith("+07:00")
    stored = server.settings.data_dir / "cameras" / "cam-1"
    assert (stored / "latest.jpg").read_bytes() == JPEG
    assert (stored / "snapshots" / f"{SNAP}.jpg").exists()


def test_image_limits_and_access(make_server):
    srv = make_server(camera_image_max_bytes=len(JPEG) + 10, camera_snapshots_keep=2)
    operator, wall, public = srv.token("operator"), srv.token("wall"), srv.token("public")
    put_camera(srv, operator)
    put_camera(srv, operator, camera_id="flood-cam", public=True)
    not_jpeg = put_image(srv, operator, data=b"GIF89a" + bytes(100))
    assert not_jpeg.status == 422 and not_jpeg.body["error"]["details"][0]["path"] == "body"
    too_big = put_image(srv, operator, data=JPEG + bytes(100))
    assert too_big.status == 413 and too_big.body["error"]["code"] == "too_large"
    assert put_image(srv, wall).status == 403
    assert put_image(srv, None).status == 401
    assert http("GET", srv.url + "/api/v1/cameras/cam-1/latest.jpg", token=wall).status == 404
    names = [f"019a6f0e-7c4b-7d2a-9f10-3b2c1d0e4f5{i}" for i in range(3)]
    for name in names:
        assert put_image(srv, operator, name).status == 201
    kept = sorted(p.stem for p in (srv.settings.data_dir / "cameras/cam-1/snapshots").glob("*.jpg"))
    assert kept == names[1:]
    for camera_id in ("cam-1", "flood-cam"):
        put_image(srv, operator, camera_id=camera_id)
        put_image(srv, operator, SNAP, camera_id=camera_id)
    url = srv.url + "/api/v1/cameras/{}/{}.jpg"
    assert http("GET", url.format("cam-1", "latest"), token=public).status == 403
    assert http("GET", url.format("flood-cam", "latest"), token=public).raw == JPEG
    assert http("GET", url.format("flood-cam", SNAP), token=public).status == 403
    assert http("GET", url.format("flood-cam", "latest")).status == 401
    listed = http("GET", srv.url + "/api/v1/cameras", token=public).body["cameras"]
    assert [(c["id"], c["latest"] is not None) for c in listed] == \
        [("cam-1", False), ("flood-cam", True)]

"""Cameras for tests: a real JPEG, a camera's registration, uploads through the API."""
from __future__ import annotations

import base64

from tests.helpers.client import http

#: A real 8 × 8 JPEG (OpenCV, quality 50).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4"
    "UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcI"
    "CQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRol"
    "JicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ip"
    "qrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAA"
    "AAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLR"
    "ChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaX"
    "mJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEA"
    "PwB1FFFeYegf/9k=")
CAM = {"name": "Lê Lợi - Hùng Vương", "lat": 16.4637, "lon": 107.5909, "road": "Lê Lợi",
       "direction": 90}
SNAP = "019a6f0e-7c4b-7d2a-9f10-3b2c1d0e4f5a"


def put_camera(server, token, camera_id="cam-1", **body):  # noqa: ANN001, ANN201
    return http("PUT", f"{server.url}/api/v1/cameras/{camera_id}", {**CAM, **body}, token)


def put_image(server, token, name="latest", data=JPEG, camera_id="cam-1"):  # noqa: ANN001, ANN201
    return http("PUT", f"{server.url}/api/v1/cameras/{camera_id}/{name}.jpg", token=token,
                raw=data, headers={"Content-Type": "image/jpeg"})

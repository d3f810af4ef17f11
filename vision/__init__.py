"""Camera workers: OpenCV capture, ultralytics YOLO detection, rules that turn detections into
``camera_hit`` events posted to the server (``ioc vision run --config cameras.yaml``).

Heavy dependencies (torch, ultralytics, OpenCV) come with the optional ``vision`` extra and are
imported only when a worker runs: importing this package (or ``vision.config``) stays light.
"""

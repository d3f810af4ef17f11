"""``MediaService``: the feature's object. It takes the photos of a request (``accept``) or the
links a chat channel sent (``keep_links``), cleans them off the event loop
(``server.features.media.images``), keeps them in the store, and answers their descriptions
``{"id", "url", "thumb_url", "width", "height", "bytes", "type"}`` with absolute URLs under
``/media/``. Nothing is stored when any photo of a request is refused.

A photo's id is random, except in a request with an ``Idempotency-Key``: then it is derived from
the caller, the key, the photo's place and its bytes, so that a retried request (a slow link)
names the same photos and is recognised as the same request (its case is replayed)."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

import httpx2

from server.core import policy
from server.core.auth import Principal
from server.core.errors import PayloadTooLarge, ValidationFailed, detail
from server.features.media import actions
from server.features.media.images import Cleaned, Limits, clean
from server.features.media.multipart import BodyLimits, Part
from server.features.media.store import MediaStore

log = logging.getLogger(__name__)

#: Schemes of the links a chat channel may send.
LINK_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class Accepted:
    """The photos of one request: their descriptions (``media``) and the ids written by this
    request (``new_ids``: those to remove if the request then fails)."""

    media: list[dict[str, Any]]
    new_ids: list[str]

    @property
    def urls(self) -> list[str]:
        """Return the photos' URLs, in order."""
        return [m["url"] for m in self.media]


class MediaService:
    """See the module docstring. ``MediaFeature.install`` builds one."""

    def __init__(self, store: MediaStore, limits: Limits, max_files: int, max_field_bytes: int,
                 public_url: str | None, fetch_timeout_s: float):
        self.store = store
        self.limits = limits
        self.max_files = max_files
        self.body_limits = BodyLimits(limits.max_bytes, max_files, max_field_bytes)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.fetch_timeout_s = fetch_timeout_s

    # -- uploads ----------------------------------------------------------------------------------
    def check_caller(self, principal: Principal) -> None:
        """Raise Unauthorized/Forbidden unless ``principal`` may upload photos."""
        policy.require(principal, actions.UPLOAD)

    async def accept(self, files: list[Part], principal: Principal, base_url: str,
                     idem_key: str | None = None) -> Accepted:
        """Check, clean and keep the photos of one request; return them in order. Raise
        401/403 (who), 422 (none, too many, broken), 413, 415; nothing is kept then."""
        self.check_caller(principal)
        if not files:
            raise ValidationFailed("no photo in the request: send parts named file",
                                   [detail("file", "at least one photo")])
        if len(files) > self.max_files:
            raise ValidationFailed(f"{len(files)} photos sent; at most {self.max_files} at once",
                                   [detail("file", f"at most {self.max_files} photos")])
        for part in files:
            if part.too_large or part.size > self.limits.max_bytes:
                raise PayloadTooLarge(f"a photo is larger than "
                                      f"{self.limits.max_bytes / 1048576:g} MB: make it smaller",
                                      [detail(part.filename or part.name, f"{part.size} bytes")])
        blobs = [bytes(p.data) for p in files]
        names = [f"file[{i}]" for i in range(len(files))]
        cleaned = await asyncio.to_thread(self._clean_all, blobs, names)
        return await self.keep(cleaned, base_url, _ids(blobs, principal, idem_key))

    def _clean_all(self, blobs: list[bytes], names: list[str]) -> list[Cleaned]:
        return [clean(blob, self.limits, name) for blob, name in zip(blobs, names)]

    async def keep(self, cleaned: list[Cleaned], base_url: str,
                   ids: list[str] | None = None) -> Accepted:
        """Store cleaned photos under ``ids`` (default: random) — all or, on a failure, none
        of those this call wrote; return them."""
        ids = ids or [uuid.uuid4().hex for _ in cleaned]
        items = list(zip(ids, cleaned))
        written: list[str] = []
        try:
            await asyncio.to_thread(self._put_all, items, written)
        except BaseException:
            await self.discard(written)
            raise
        return Accepted([self.describe(i, c, base_url) for i, c in items], written)

    def _put_all(self, items: list[tuple[str, Cleaned]], written: list[str]) -> None:
        """Write each photo not yet kept, noting its id in ``written``."""
        for media_id, c in items:
            if self.store.get(media_id, "jpg") is None:
                written.append(media_id)
                self.store.put(media_id, c.jpeg, c.thumb)

    async def discard(self, ids: Iterable[str]) -> None:
        """Remove photos kept for a request that then failed (a refused case)."""
        ids = list(ids)
        if ids:
            await asyncio.to_thread(lambda: [self.store.delete(i) for i in ids])

    def describe(self, media_id: str, c: Cleaned, base_url: str) -> dict[str, Any]:
        """Return ``{"id", "url", "thumb_url", "width", "height", "bytes", "type"}``."""
        base = self.base(base_url)
        return {"id": media_id, "url": f"{base}/media/{media_id}.jpg",
                "thumb_url": f"{base}/media/{media_id}.thumb.jpg", "width": c.width,
                "height": c.height, "bytes": len(c.jpeg), "type": "image/jpeg"}

    def base(self, request_base: str) -> str:
        """Return the origin the photo URLs start with: IOC_PUBLIC_URL, else the request's."""
        return self.public_url or request_base.rstrip("/")

    async def read(self, media_id: str, variant: str) -> bytes | None:
        """Return a stored photo (``jpg``) or thumbnail (``thumb.jpg``), None when absent."""
        return await asyncio.to_thread(self.store.get, media_id, variant)

    # -- chat links -------------------------------------------------------------------------------
    async def keep_links(self, urls: list[str], base_url: str) -> Accepted:
        """Fetch each image a chat channel linked to (those links expire), clean and keep it;
        return them in order (``urls``: ours for those kept, the platform's link for those that
        could not be fetched, logged: the report is never lost for a photo)."""
        fetched = await asyncio.gather(*(self._fetch(u) for u in urls))
        media, new_ids = [], []
        for url, data in zip(urls, fetched):
            kept = await self._keep_fetched(url, data, base_url) if data is not None else None
            media.append(kept.media[0] if kept else {"url": url})
            new_ids += kept.new_ids if kept else []
        return Accepted(media, new_ids)

    async def _keep_fetched(self, url: str, data: bytes, base_url: str) -> Accepted | None:
        try:
            cleaned = await asyncio.to_thread(clean, data, self.limits, "image")
        except (ValidationFailed, PayloadTooLarge) as exc:
            log.info("chat image not kept (%s): %s", _host(url), exc.message)
            return None
        except Exception as exc:  # noqa: BLE001 - an odd image never loses the report
            log.info("chat image not kept (%s): %s", _host(url), exc)
            return None
        return await self.keep([cleaned], base_url)

    async def _fetch(self, url: str) -> bytes | None:
        """Return the body at ``url`` (at most ``max_bytes``, within the time limit), else
        None."""
        if not url.startswith(LINK_SCHEMES):
            return None
        try:
            async with asyncio.timeout(self.fetch_timeout_s):
                return await self._get(url)
        except (httpx2.HTTPError, TimeoutError, ValueError, OSError) as exc:
            log.info("chat image not fetched (%s): %s", _host(url), exc.__class__.__name__)
            return None

    async def _get(self, url: str) -> bytes | None:
        limit = self.limits.max_bytes
        async with httpx2.AsyncClient(timeout=self.fetch_timeout_s,
                                      follow_redirects=True) as http:
            async with http.stream("GET", url, headers={"Accept": "image/*"}) as resp:
                resp.raise_for_status()
                if int(resp.headers.get("Content-Length") or 0) > limit:
                    raise ValueError("image over the size limit")
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise ValueError("image over the size limit")
                return bytes(body)


def _ids(blobs: list[bytes], principal: Principal, idem_key: str | None) -> list[str] | None:
    """Return the ids of a request's photos when it has an Idempotency-Key (see the module
    docstring), else None (random ids)."""
    if not idem_key:
        return None
    return [hashlib.sha256(f"{principal.token_id}\n{idem_key}\n{i}\n".encode() + blob)
            .hexdigest()[:32] for i, blob in enumerate(blobs)]


def _host(url: str) -> str:
    """Return the host of ``url`` only (a platform link may carry a signed token)."""
    return url.split("://", 1)[-1].split("/", 1)[0][:100]

"""E-mail over SMTP (one connection per batch, STARTTLS when asked; the standard library's
``smtplib`` on a worker thread). A recipient the server refuses is not retried; a server that
cannot be reached is."""
from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from server.features.notify.channels.base import Channel, Outcome, failed_all
from server.store.base import OutboxItem


class SmtpChannel(Channel):
    """The SMTP server of ``host``:``port``."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, user: str | None = None,
                 password: str | None = None, starttls: bool = True, max_batch: int = 50,
                 rate_per_s: float = 20.0, timeout_s: float = 20.0) -> None:
        super().__init__(max_batch, rate_per_s)
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout_s = user, password, starttls, \
            timeout_s

    async def send(self, items: list[OutboxItem]) -> list[Outcome]:
        """Send each item as one e-mail over one connection; return their Outcomes."""
        return await asyncio.get_running_loop().run_in_executor(None, self._send, items)

    def _send(self, items: list[OutboxItem]) -> list[Outcome]:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                return [self._one(smtp, item) for item in items]
        except (OSError, smtplib.SMTPException) as exc:
            return failed_all(items, f"SMTP server not reached: {type(exc).__name__}")

    def _one(self, smtp: smtplib.SMTP, item: OutboxItem) -> Outcome:
        msg = EmailMessage()
        msg["From"], msg["To"] = self.sender, item.address
        msg["Subject"] = item.data.get("subject") or item.text.split("\n", 1)[0][:120]
        msg["Message-ID"] = f"<{item.key.replace(':', '.')}@ioc>"
        msg.set_content(item.text)
        try:
            smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused:
            return Outcome(item.id, False, "the recipient was refused", True)
        except smtplib.SMTPException as exc:
            return Outcome(item.id, False, f"SMTP: {type(exc).__name__}")
        return Outcome(item.id, True)

"""The wall's figures of the notifications: the warnings' messages of the last 24 hours,
delivered, waiting and failed."""
from __future__ import annotations

from typing import Any

from server.core.kpis import Kpi, KpiContext, KpiGroup, KpiProvider, level
from server.core.timefmt import now_micros

NOTICES = KpiGroup("notices", "Tin nhắn cảnh báo", "Warning messages", order=25)
DAY_US = 86_400_000_000


class WarningDeliveries(KpiProvider):
    """The warnings' messages created in the last 24 h, by state."""

    id = "notices.warnings"
    group = NOTICES

    def __init__(self, core: Any) -> None:
        self.core = core

    async def items(self, ctx: KpiContext) -> list[Kpi]:
        """Return delivered, waiting and failed (dead) messages of warnings in 24 h."""
        counts = await self.core.read(self.core.store.outbox_counts, now_micros() - DAY_US)
        by_state = {"sent": 0, "pending": 0, "dead": 0}
        for (topic, _, state), n in counts.items():
            if topic == "warning":
                by_state[state] = by_state.get(state, 0) + n
        return [Kpi(f"{self.id}.sent", "Đã gửi tới người dân (24 giờ)",
                    "Delivered to people (24 h)", by_state["sent"], self.group.id),
                Kpi(f"{self.id}.pending", "Đang chờ gửi", "Waiting to send",
                    by_state["pending"], self.group.id,
                    status=level(by_state["pending"], 1000, 10000)),
                Kpi(f"{self.id}.dead", "Gửi không được", "Could not be delivered",
                    by_state["dead"], self.group.id, status=level(by_state["dead"], 1, 100))]

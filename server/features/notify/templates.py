"""Message texts, Vietnamese first (English where the recipient chose it). An SMS is one
segment: brand-name SMS in Vietnam are sent without diacritics (GSM 7-bit, 160 characters), so
the text is folded to ASCII and each free part cut to its budget; a template whose fixed text and
budgets cannot fit one segment is refused when the server starts (``check``)."""
from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

#: One GSM 7-bit segment.
SMS_LIMIT = 160
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return ``text`` without Vietnamese diacritics (``đ`` → ``d``), on one line, ASCII only."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SPACES.sub(" ", plain).strip()


def cut(text: str, budget: int) -> str:
    """Return ``text`` cut to ``budget`` characters (``...`` at the end when cut)."""
    return text if len(text) <= budget else text[:max(0, budget - 3)].rstrip() + "..."


@dataclass(frozen=True)
class SmsTemplate:
    """A one-segment SMS: ``text`` with ``{fields}``; ``budgets`` caps each free field; the
    ``fixed`` fields (e.g. the link) are known when the server starts."""

    name: str
    text: str
    budgets: dict[str, int]

    def fields(self) -> set[str]:
        """Return the names of the template's fields."""
        return {f for _, f, _, _ in string.Formatter().parse(self.text) if f}

    def check(self, fixed: dict[str, str]) -> None:
        """Raise ValueError (saying by how much) unless the template with ``fixed`` and every
        free field at its budget fits one SMS."""
        missing = self.fields() - set(fixed) - set(self.budgets)
        if missing:
            raise ValueError(f"SMS template {self.name!r} has no budget for {sorted(missing)}")
        longest = fold(self.text.format(**{k: "x" * n for k, n in self.budgets.items()},
                                          **{k: fold(v) for k, v in fixed.items()}))
        if len(longest) > SMS_LIMIT:
            raise ValueError(f"SMS template {self.name!r} does not fit one SMS: up to "
                             f"{len(longest)} characters, the limit is {SMS_LIMIT}; shorten "
                             "its text, its budgets or IOC_NOTIFY_LINK")

    def render(self, values: dict[str, str]) -> str:
        """Return the folded text with each value cut to its budget (at most one SMS)."""
        parts = {k: cut(fold(v), self.budgets.get(k, SMS_LIMIT)) for k, v in values.items()}
        return cut(fold(self.text.format(**parts)), SMS_LIMIT)


#: The SMS of a warning: (phase, language) → template.
WARNING_SMS = {
    ("alert", "vi"): SmsTemplate("warning.alert.vi", "IOC Hue CANH BAO: {headline} - "
                                 "{instruction} - Chi tiet: {link}",
                                 {"headline": 55, "instruction": 40}),
    ("alert", "en"): SmsTemplate("warning.alert.en", "IOC Hue WARNING: {headline} - "
                                 "{instruction} - More: {link}",
                                 {"headline": 55, "instruction": 45}),
    ("update", "vi"): SmsTemplate("warning.update.vi", "IOC Hue CAP NHAT CANH BAO: {headline} - "
                                  "{instruction} - Chi tiet: {link}",
                                  {"headline": 50, "instruction": 30}),
    ("update", "en"): SmsTemplate("warning.update.en", "IOC Hue WARNING UPDATE: {headline} - "
                                  "{instruction} - More: {link}",
                                  {"headline": 50, "instruction": 35}),
    ("cancel", "vi"): SmsTemplate("warning.cancel.vi", "IOC Hue HUY CANH BAO: {headline} - "
                                  "Canh bao nay khong con hieu luc. Chi tiet: {link}",
                                  {"headline": 50}),
    ("cancel", "en"): SmsTemplate("warning.cancel.en", "IOC Hue WARNING CANCELLED: {headline} - "
                                  "It is no longer in force. More: {link}",
                                  {"headline": 50}),
}


def check_all(link: str) -> None:
    """Raise ValueError if any SMS template cannot fit one SMS with ``link``."""
    for template in WARNING_SMS.values():
        template.check({"link": link})

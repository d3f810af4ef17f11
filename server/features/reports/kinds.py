"""The kinds of the reports feature, handled as *cases* (a lifecycle with a responsible unit, a
deadline and a published result): field reports (``report``) and questions to the government
(``question``). ``CaseKind`` is their base: it keeps the server-managed ``props.case`` out of
client input and decides what of it is public.

Public views never carry a phone number, an e-mail address or a house number, even inside free
text (every free text field is passed through ``server.core.privacy.mask_personal_text``), nor
the exact point: a case is published at the centre of its res-9 cell (``PUBLIC_CASE_RES``), a
sensitive one at its res-7 parent.
"""
from __future__ import annotations

from typing import Any, ClassVar, Union

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from server.core.kinds import PUBLIC_CASE_RES, RoutedKind
from server.core.privacy import mask_personal_text

#: Statuses of a case still waiting for its unit (it counts as open and can be overdue); every
#: other status of a case kind is closed for the wall's figures (``closed_statuses``).
OPEN_CASE_STATUSES = frozenset({"new", "routed", "accepted", "in_progress", "reject_requested"})

#: Fields of ``props.case`` that may be published (the rest — hidden reason, escalation,
#: extension requests, internal notes — stays with the staff).
PUBLIC_CASE_FIELDS = ("duplicate_of", "linked", "accepted_at", "resolved_at", "closed_at",
                      "rejected_at", "result", "result_media", "note", "outcome", "rating",
                      "reopened", "updated_at", "answer", "answered_at")
#: Case fields written by people, published only after redaction.
FREE_TEXT_CASE_FIELDS = ("result", "note", "answer")


class CaseKind(RoutedKind):
    """A kind whose events are cases, filed by citizens. Subclasses list their free-text
    props."""

    citizen = True
    public_res = PUBLIC_CASE_RES
    region = "land"

    #: Client props holding free text (redacted on public views).
    free_text_props: ClassVar[tuple[str, ...]] = ()
    client_statuses = ("new", "routed")

    @property
    def closed_statuses(self) -> frozenset[str]:  # type: ignore[override]
        """Return the statuses of this kind that are not open (see OPEN_CASE_STATUSES)."""
        return frozenset(self.statuses) - OPEN_CASE_STATUSES

    def public_view(self, event: dict[str, Any], sensitive: bool) -> dict[str, Any]:
        """Return the public form: private props dropped, free text redacted, only public case
        fields, no copies; a case hidden by a moderator keeps its status but not its content."""
        out = super().public_view(event, sensitive)
        out.pop("copied_to", None)
        case = event.get("props", {}).get("case") or {}
        public_case = {k: case[k] for k in PUBLIC_CASE_FIELDS if k in case}
        for key in FREE_TEXT_CASE_FIELDS:
            if key in public_case:
                public_case[key] = mask_personal_text(public_case[key])
        if case.get("hidden"):
            out["props"] = {"hidden": True, "case": {k: v for k, v in public_case.items()
                                                     if k not in FREE_TEXT_CASE_FIELDS}}
            return out
        props = {k: v for k, v in out["props"].items() if k != "case"}
        for key in self.free_text_props:
            if isinstance(props.get(key), str):
                props[key] = mask_personal_text(props[key])
        props["case"] = public_case
        out["props"] = props
        return out


AttributeValue = Union[str, float, list[str]]


class Reporter(BaseModel):
    """Who filed the report (never on public feeds)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9 ().-]{6,32}$")
    email: str | None = Field(None, max_length=200)


class ReportProps(BaseModel):
    """Props of a ``report``: what, where in words, photos, answers to the category's
    questions (``attributes``, codes from the category), who."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=200)
    description: str = Field("", max_length=4000)
    address: str | None = Field(None, max_length=500)
    media: list[AnyUrl] = Field(default_factory=list, max_length=10)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=20)
    reporter: Reporter | None = None
    claimed_observed_at: str | None = Field(None, max_length=40, description=(
        "Set by the server: the time a citizen's app or message claimed (observed_at is the "
        "receipt time of public input)."))


class ReportKind(CaseKind):
    """Field reports (phản ánh hiện trường) filed by citizens from the app, chat channels,
    Open311 or the hotline (docs/REPORTS.md)."""

    name = "report"
    props_model = ReportProps
    statuses = ("new", "routed", "accepted", "in_progress", "reject_requested", "resolved",
                "closed", "rejected", "duplicate")
    private_props = frozenset({"reporter", "address", "attributes"})
    free_text_props = ("title", "description")


class QuestionProps(BaseModel):
    """Props of a ``question``: a short title, the question, photos (a document, a sign), who
    asks (private)."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=200)
    question: str = Field("", max_length=4000)  # required by the intake (server/reports)
    media: list[AnyUrl] = Field(default_factory=list, max_length=10)
    reporter: Reporter | None = None
    claimed_observed_at: str | None = Field(None, max_length=40, description=(
        "Set by the server: the time a citizen's app or message claimed (observed_at is the "
        "receipt time of public input)."))


class QuestionKind(CaseKind):
    """Questions to the government (Hỏi cơ quan nhà nước): routed to a body by topic, answered,
    published."""

    name = "question"
    props_model = QuestionProps
    statuses = ("new", "routed", "answered")
    private_props = frozenset({"reporter"})
    free_text_props = ("title", "question")

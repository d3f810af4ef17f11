"""The reports feature's settings (``IOC_REPORT_*``, ``IOC_OPEN311_*``, chat channels, the
citizen-token key; see docs/REPORTS.md)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from server.core.settings import SettingsBase


class ReportsSettings(SettingsBase):
    """Field reports and questions: cases, Open311, Zalo and Messenger, citizen tokens."""

    secret_key: SecretStr | None = Field(None, description="Key that signs per-report citizen "
                                         "tokens (HMAC-SHA256). Set it in production; when empty a "
                                         "random key is generated once and kept in "
                                         "DATA_DIR/secret.key.")
    report_duplicate_window_h: float = Field(72.0, gt=0, description="A report of the same "
                                             "category in the same or a neighbouring H3 cell "
                                             "within this many hours of an open case is linked "
                                             "to it as a duplicate.")
    report_check_interval_s: float = Field(30.0, gt=0, description="Seconds between checks for "
                                           "overdue cases (escalation) and resolved cases to "
                                           "close.")
    report_autoclose_days: float = Field(7.0, gt=0, description="A resolved report the citizen "
                                         "has not rated is closed after this many days.")
    report_dispute_days: float = Field(30.0, gt=0, description="A citizen may dispute (reopen) a "
                                       "result up to this many days after it was resolved.")
    report_max_extension_h: float = Field(720.0, gt=0,
                                          description="Longest extension a unit may ask for.")
    report_lag_on_time_pct: float = Field(50.0, ge=0, le=100, description="Monthly report: a unit "
                                          "whose on-time share is below this lags.")
    report_lag_processed_pct: float = Field(90.0, ge=0, le=100, description="Monthly report: a "
                                            "unit that processed a smaller share of its cases "
                                            "lags.")
    report_lag_min_cases: int = Field(5, ge=1, description="Monthly report: units with fewer "
                                      "cases are not judged.")
    open311_jurisdiction_id: str = Field("hue.gov.vn", description="Open311 jurisdiction_id this "
                                         "server answers for (other values get 404).")
    open311_request_type: Literal["batch", "realtime"] = Field(
        "batch", description="Open311 service type: batch answers a POST with the citizen token "
        "(resolve it with tokens/{token}); realtime with the service_request_id.")
    zalo_app_id: str | None = Field(None, description="Zalo Official Account: the app id "
                                    "(webhook).")
    zalo_oa_secret: SecretStr | None = Field(None, description="Zalo Official Account: the OA "
                                             "secret key that signs webhooks "
                                             "(X-ZEvent-Signature).")
    messenger_app_secret: SecretStr | None = Field(None, description="Facebook app secret that "
                                                   "signs Messenger webhooks "
                                                   "(X-Hub-Signature-256).")
    messenger_verify_token: SecretStr | None = Field(None, description="Token Facebook echoes "
                                                     "when the Messenger webhook is registered "
                                                     "(hub.verify_token).")
    chat_max_age_s: float = Field(900.0, gt=0, description="Chat webhooks whose signed timestamp "
                                  "is older than this are refused (replay protection, Zalo).")
    chat_draft_ttl_s: float = Field(3600.0, gt=0, description="A chat conversation that sent text "
                                    "or photos but no location is forgotten after this many "
                                    "seconds.")

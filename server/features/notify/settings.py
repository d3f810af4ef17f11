"""The notify feature's settings (``IOC_NOTIFY_*``, ``IOC_SMS_*``, ``IOC_SMTP_*``)."""
from __future__ import annotations

from pydantic import Field

from server.core.settings import SettingsBase


class NotifySettings(SettingsBase):
    """The outbox's dispatcher and the channels it sends through."""

    notify_batch: int = Field(200, ge=1, le=5000, description="Messages claimed at a time.")
    notify_lease_s: float = Field(60.0, ge=1, le=3600, description="How long a claim holds "
                                  "before another node may take the message (a node that died "
                                  "lets go after this).")
    notify_poll_s: float = Field(1.0, gt=0, le=60, description="How often the dispatcher looks "
                                 "for due messages when none was waiting.")
    notify_max_attempts: int = Field(6, ge=1, le=50, description="Failed attempts before a "
                                     "message is dead-lettered.")
    notify_backoff_s: float = Field(5.0, gt=0, le=3600, description="The first retry's delay; "
                                    "each next one doubles, up to IOC_NOTIFY_BACKOFF_MAX_S.")
    notify_backoff_max_s: float = Field(3600.0, gt=0, le=86400, description="The longest retry "
                                        "delay.")
    notify_link: str = Field("https://ioc.hue.gov.vn/canh-bao", max_length=60, description="The "
                             "address an SMS warning ends with (the public warnings page).")
    sms_url: str | None = Field(None, pattern=r"^https?://\S+$", description="The HTTP SMS "
                                "gateway (brand-name SMS) messages are POSTed to; empty: SMS off.")
    sms_token: str | None = Field(None, description="The gateway's bearer token (never logged).")
    sms_sender: str = Field("IOC-HUE", max_length=11, description="The brand name shown as the "
                            "sender (at most 11 characters).")
    sms_batch: int = Field(100, ge=1, le=1000, description="Messages per gateway request.")
    sms_rate_per_s: float = Field(200.0, gt=0, description="Messages per second the gateway "
                                  "takes (the operator's contract).")
    sms_timeout_s: float = Field(10.0, gt=0, le=120, description="One gateway request's limit.")
    zalo_api_url: str = Field("https://openapi.zalo.me/v3.0/oa/message/cs",
                              pattern=r"^https?://\S+$", description="Zalo OA's customer-"
                              "service message address.")
    zalo_access_token: str | None = Field(None, description="The OA's access token (never "
                                          "logged); empty: Zalo replies off.")
    messenger_api_url: str = Field("https://graph.facebook.com/v21.0/me/messages",
                                   pattern=r"^https?://\S+$", description="Messenger's Send API.")
    messenger_page_token: str | None = Field(None, description="The page's access token (never "
                                             "logged); empty: Messenger replies off.")
    push_enabled: bool = Field(True, description="Web Push to staff browsers and tablets (a "
                               "VAPID key is made once in the data folder unless given).")
    vapid_private_key: str | None = Field(None, description="The VAPID private key (PEM; "
                                          "never logged).")
    vapid_subject: str = Field("mailto:ioc@hue.gov.vn", pattern=r"^(mailto:|https://)\S+$",
                               description="Who push services contact about this server.")
    smtp_host: str | None = Field(None, max_length=200, description="The SMTP server e-mails "
                                  "go through; empty: e-mail off.")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str | None = Field(None, max_length=200)
    smtp_password: str | None = Field(None, description="Never logged.")
    smtp_starttls: bool = Field(True, description="Upgrade the connection with STARTTLS.")
    smtp_from: str = Field("IOC Huế <noreply@ioc.hue.gov.vn>", max_length=200)
    smtp_rate_per_s: float = Field(20.0, gt=0, description="E-mails per second.")

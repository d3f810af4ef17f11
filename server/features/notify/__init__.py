"""Notifications: the outbox, its dispatcher, the channels (SMS gateway, e-mail, …) and the
triggers that fill it (docs/NOTIFICATIONS.md)."""

"""The channels a message is sent through, one adapter each behind ``Channel``."""

"""Kit: what features share — the one per-node book mechanism (follow), feed batching (feeds),
rule alerts (alerts) and lifecycle tables (transitions)."""

"""Alert delivery: subscriptions, the per-region lifecycle, the outbox, channels and the worker."""

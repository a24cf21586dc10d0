"""Infrastructure for the agent and the store: systemd, the state lock, logs, metrics, HTTP."""

"""Applications built on the agent and the store: the demo, doctor and the embedded broker."""

"""The MQTT connection shared by the agent's publisher and the trace store's subscriber."""

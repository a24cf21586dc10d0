"""Scales: the line transport (serial or TCP through pyserial), the MT-SICS and continuous-output
clients over it, and the service thread that weighs for the engine (docs/weighing.md)."""

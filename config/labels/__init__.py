"""The default label templates, shipped as package data (`importlib.resources`)."""

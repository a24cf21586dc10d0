"""Device URLs for every kind of device: one grammar, one registry of schemes, lazy adapters.

``scheme://location?option=value&...``: `url` splits it and holds the error type, `options` the
typed options, `locations` what may stand between ``://`` and ``?``, `schemes` the table of every
kind and scheme, `registry` validation, lazy opening and probing, `table` the docs tables.
Pure: nothing here imports a device library; an adapter module is imported only to open or
probe a device. See docs/devices.md.
"""

"""Master data below the domain: materials, products, who we are, and 'did you mean' hints.

Plain validated types with no I/O; `lotedge.core` works on them and `lotedge.config` loads them.
"""

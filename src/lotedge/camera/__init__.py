"""Cameras reading barcodes: capture, decoder backends (zxing-cpp, zbar, OpenCV), dedupe."""

"""`lotedge demo`: the whole system on one machine, no hardware, no broker to install.

An embedded MQTT broker, the printer and scanner simulators, the trace store and the agent are
started. Goods are received (a labelled and an unlabelled delivery, whose receiving label is
printed and read back), a scripted shift runs through the line, the store holds a vendor lot and
everything made from it, and the line refuses it; the summary shows what a recall would see and
the vendor's quality report. The demo checks what it expects along the way and exits non-zero
if anything did not happen.

The script (master data, barcodes, the shift) is in `script`, the run in `runner`, the
labels read back in `labels`, the result and its report in `report`.
"""

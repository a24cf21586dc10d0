"""Label printers: rendering (`renderer`, `escpos_label`), transports behind `PrinterTransport`
(`transport.open_printer`: `tcp`, `serialport`, `cups`, `spool`, `escpos_printer`), health
(`status`), and the `worker` that drains durable print jobs. See docs/labels.md."""

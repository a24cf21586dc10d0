// lotedge operator station: renders the agent's snapshot (GET /api/events, server-sent events)
// and sends the operator's actions (POST /api/command/<op>). Plain ES module, no dependencies.
//
// Everything in a snapshot is data, and barcode text is untrusted: every value goes into the
// page with textContent (or new Option), never as HTML.

const $ = (id) => document.getElementById(id);

const TITLES = {
  accepted: "ACCEPTED",
  rejected: "REJECTED",
  ignored: "IGNORED",
  command: "COMMAND",
  received: "RECEIVED",
  packed: "PACKED",
  shipped: "SHIPPED",
  none: "WAITING",
};
const DONE = {
  "batch.start": "Batch started.",
  "batch.end": "Batch ended.",
  "label.reprint": "Reprint queued.",
  "alert.ack": "Alert acknowledged.",
};
const OPERATOR_KEY = "lotedge.station.operator";
const UNITS = { KGM: "kg", GRM: "g", LBR: "lb", MGM: "mg", TNE: "t" };
const RETRY_MS = [1000, 2000, 5000, 10000];

let lastSeq = -1;
let lastScanId; // undefined until the first snapshot: the scan already shown then is not new
let current = null;
const rendered = new Map(); // section -> JSON of the data it was last rendered from

// -- small DOM helpers -------------------------------------------------------------------------

/** An element with a class and text; children may be nodes or strings (inserted as text). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.map((child) => child ?? ""));
  return node;
}

function setText(id, text) {
  $(id).textContent = text ?? "–";
}

/** Run render(data) only when data differs from what the section shows (keeps focus and taps). */
function renderIfChanged(section, data, render) {
  const key = JSON.stringify(data ?? null);
  if (rendered.get(section) === key) return;
  rendered.set(section, key);
  render(data);
}

const timeOnly = new Intl.DateTimeFormat(undefined, {
  hourCycle: "h23",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  hourCycle: "h23",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** An ISO-8601 time as the operator reads it: the time today, else day and time. */
function when(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const today = new Date().toDateString() === date.toDateString();
  return (today ? timeOnly : dayAndTime).format(date);
}

function named(code, name) {
  if (!code) return "–";
  return name ? `${name} (${code})` : code;
}

// -- sound ------------------------------------------------------------------------------------

let audio = null;

/** Browsers start audio suspended until a user gesture (autoplay policy); resume on the first. */
function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!audio && Context) audio = new Context();
  if (audio && audio.state === "suspended") audio.resume();
}

/** Two short tones; counted in #verdict[data-beeps] when the browser let them play. */
function beep() {
  unlockAudio();
  if (!audio || audio.state !== "running") return;
  const start = audio.currentTime;
  for (const offset of [0, 0.2]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "square";
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.15);
  }
  const verdict = $("verdict");
  verdict.dataset.beeps = String(Number(verdict.dataset.beeps || 0) + 1);
}

// -- rendering the snapshot ----------------------------------------------------------------------

function renderVerdict(scan) {
  const verdict = $("verdict");
  const outcome = scan ? scan.outcome : "none";
  verdict.dataset.outcome = outcome in TITLES ? outcome : "none";
  setText("verdict-title", TITLES[outcome] ?? String(outcome).toUpperCase());
  setText("verdict-message", scan ? scan.message : "No scan yet.");
  setText("verdict-material", scan ? named(scan.material, scan.material_name) : "");
  setText("verdict-lot", scan ? scan.lot : "");
  for (const item of verdict.querySelectorAll(".verdict-item")) item.hidden = !scan;
  const at = scan ? [when(scan.time), scan.source, scan.reason].filter(Boolean) : [];
  setText("verdict-when", at.join(" · "));

  const warning = scan && scan.warning;
  verdict.dataset.warning = warning ? "true" : "false";
  $("verdict-warning").hidden = !warning;
  if (warning) setText("verdict-warning", warning.message); // names the lot to use instead
}

/** How long a rejection stays in view below the verdict once another scan has followed it. */
const REJECTION_LINGER_MS = 30_000;

/** A rejection that a quick next scan pushed off the panel stays in view for a while below the
 * new verdict (agent times on both sides, so the browser's clock does not matter). */
function renderMissedRejection(scans) {
  const [newest, ...earlier] = scans || [];
  const rejected = earlier.find((scan) => scan.outcome === "rejected");
  const missed =
    newest &&
    newest.outcome !== "rejected" &&
    rejected &&
    Date.parse(newest.time) - Date.parse(rejected.time) <= REJECTION_LINGER_MS;
  const also = $("verdict-also");
  also.hidden = !missed;
  also.textContent = missed
    ? `Rejected at ${when(rejected.time)}: ${named(rejected.material, rejected.material_name)}` +
      ` lot ${rejected.lot || "–"}. ${rejected.message}`
    : "";
}

/** Flash the panel on a new scan; beep when any scan since the last snapshot was rejected (two
 * scans between snapshots must not hide a rejection behind the scan that followed it). */
function noticeNewScans(scans) {
  const seen = lastScanId;
  lastScanId = scans.length ? scans[0].id : null;
  if (seen === undefined || lastScanId === null || lastScanId === seen) return;
  const verdict = $("verdict");
  verdict.classList.remove("fresh");
  void verdict.offsetWidth; // restart the flash animation
  verdict.classList.add("fresh");
  const fresh = scans.filter((scan) => seen === null || scan.id > seen);
  if (fresh.some((scan) => scan.outcome === "rejected")) beep();
}

function renderBatch([batch, last]) {
  $("batch").dataset.open = batch ? "true" : "false";
  setText("batch-product", batch ? named(batch.product, batch.product_name) : "No open batch");
  setText("batch-started", batch ? when(batch.started_at) : null);
  setText("batch-operator", batch ? batch.operator || null : null);
  setText("batch-planned", batch ? batch.planned_qty : null);
  setText("batch-lot", last ? last.lot : null);
  setText("batch-label", last && last.label ? `label ${last.label}` : "");

  $("start-form").hidden = Boolean(batch);
  $("end-form").hidden = !batch;
  const reprint = $("reprint");
  reprint.disabled = !(last && last.lot);
  reprint.title = last && last.lot ? `Print the label of lot ${last.lot} again` : "No lot yet";
}

function renderBom([bom, open]) {
  const items = (bom || []).map((item) => {
    const lots = item.lots || [];
    const li = el(
      "li",
      null,
      el("span", "mark", item.loaded ? "✓" : "✗"),
      el("span", "name", named(item.material, item.name)),
      el("span", "lots", item.loaded ? `lot ${lots.join(", ")}` : "missing: scan it"),
    );
    li.dataset.material = item.material;
    li.dataset.loaded = item.loaded ? "true" : "false";
    return li;
  });
  if (!items.length) {
    const text = open ? "This product lists no materials." : "Start a batch to see its materials.";
    items.push(el("li", "empty", text));
  }
  $("bom").replaceChildren(...items);
}

function renderWeighing(weighing) {
  const box = $("weighing");
  box.hidden = !weighing;
  if (!weighing) return;
  setText("weighing-what", `${named(weighing.material, weighing.material_name)} · lot ${weighing.lot}`);
  const live = weighing.live;
  const shown = $("weighing-live");
  shown.textContent = !weighing.connected
    ? `Scale ${weighing.scale}: not connected`
    : live && live.value !== null ? `${live.value} ${UNITS[live.unit] ?? live.unit ?? ""}` : "…";
  shown.dataset.status = weighing.connected && live ? live.status : "none";
  const before = weighing.weighed_before ? ` · weighed so far ${weighing.weighed_before}` : "";
  setText("weighing-target", weighing.target ? `Target ${weighing.target}${before}` : "No target");
  setText("weighing-message", weighing.message || "");
}

function renderRecent(scans) {
  const items = (scans || []).map((scan) => {
    const what = [TITLES[scan.outcome] ?? scan.outcome, scan.material, scan.lot].filter(Boolean);
    const li = el(
      "li",
      null,
      el("span", "time", when(scan.time)),
      el("span", "what", what.join(" · ")),
      el("span", "why", scan.message),
    );
    li.dataset.outcome = scan.outcome;
    li.dataset.warning = scan.warning ? "true" : "false";
    li.dataset.scanId = String(scan.id);
    return li;
  });
  if (!items.length) items.push(el("li", "empty", "No scans yet."));
  $("recent").replaceChildren(...items);
}

function renderAlerts(alerts) {
  const items = (alerts || []).map((alert) => {
    const button = el("button", "ack", "Acknowledge");
    button.type = "button";
    button.addEventListener("click", () => acknowledge(alert.id));
    const li = el("li", null, el("span", "text", alert.message), el("span", "time", when(alert.raised_at)), button);
    li.dataset.alertId = String(alert.id);
    li.dataset.kind = alert.kind ?? "";
    return li;
  });
  $("alerts").replaceChildren(...items);
  $("alerts-box").hidden = !items.length;
}

function renderHolds(holds) {
  const items = (holds || []).map((hold) => {
    return el("li", null, el("span", "what", hold.held), el("span", "why", hold.reason));
  });
  $("holds").replaceChildren(...items);
  $("holds-box").hidden = !items.length;
}

function renderDock([dock, mode]) {
  $("dock-box").hidden = !dock || mode !== "shipping";
  if (!dock) return;
  const pallet = dock.pallet;
  setText(
    "dock-pallet",
    pallet ? `Pallet ${pallet.sscc}${pallet.customer ? ` for ${pallet.customer}` : ""}` : "No open pallet",
  );
  const items = (pallet ? pallet.contents : []).map((line) =>
    el("li", null, el("span", "what", `${line.product_name} lot ${line.lot}`), el("span", "why", `${line.cases} case(s)`)),
  );
  $("dock-contents").replaceChildren(...items);
  setText("dock-ship-to", dock.ship_to ? named(dock.ship_to.code, dock.ship_to.name) : "–");
  const short = dock.short_dated || { within_days: 0, lots: [] };
  const soon = short.lots.map((lot) => {
    const left = lot.days_left < 0 ? "expired" : `${lot.days_left} day(s) left`;
    const li = el("li", null, el("span", "what", `${lot.product} lot ${lot.lot}`), el("span", "why", `${lot.expiry}, ${left}, ${lot.on_hand} in stock`));
    li.dataset.expired = lot.days_left < 0 ? "true" : "false";
    return li;
  });
  if (short.count > soon.length) soon.push(el("li", "more", `… and ${short.count - soon.length} more`));
  $("dock-short").replaceChildren(...soon);
  $("dock-short-title").hidden = !soon.length;
  setText("dock-short-title", `Short-dated stock (within ${short.within_days} days)`);
}

function renderProducts(products) {
  const select = $("start-product");
  const chosen = select.value;
  select.replaceChildren(
    ...(products || []).map((product) => new Option(named(product.code, product.name), product.code)),
  );
  if (chosen) select.value = chosen;
}

function renderDevices([printer, link]) {
  const printerBox = $("printer");
  if (printer) {
    printerBox.dataset.ready = printer.ready === null ? "unknown" : String(printer.ready);
    const queued = printer.queued ? ` · ${printer.queued} queued` : "";
    printerBox.textContent = `Printer ${printer.name}: ${printer.message ?? "no answer yet"}${queued}`;
  } else {
    printerBox.dataset.ready = "unknown";
    printerBox.textContent = "No printer";
  }
  const connected = link ? link.connected : null;
  $("link").dataset.connected = connected === null ? "unknown" : String(connected);
  const state = { true: "connected", false: "OFFLINE", null: "not configured" }[String(connected)];
  setText("link-text", `Broker: ${state}`);
  setText("outbox-depth", link ? String(link.outbox_depth) : null);
}

function renderHeader([site, line, mode]) {
  const where = [site, line && `line ${line}`].filter(Boolean).join(" · ") || "lotedge";
  setText("where", where);
  document.title = `${where} · lotedge station`;
  const badge = $("mode");
  badge.hidden = !mode;
  badge.textContent = mode || "";
  badge.dataset.mode = mode || "";
}

function render(snapshot) {
  current = snapshot;
  renderIfChanged("header", [snapshot.site, snapshot.line, snapshot.mode], renderHeader);
  renderIfChanged("verdict", snapshot.last_scan, renderVerdict);
  noticeNewScans(snapshot.recent_scans || []);
  renderIfChanged("missed", snapshot.recent_scans, renderMissedRejection);
  renderIfChanged("batch", [snapshot.batch, snapshot.last_batch], renderBatch);
  renderIfChanged("bom", [snapshot.bom, Boolean(snapshot.batch)], renderBom);
  renderIfChanged("weighing", snapshot.weighing, renderWeighing);
  renderIfChanged("recent", snapshot.recent_scans, renderRecent);
  renderIfChanged("alerts", snapshot.alerts, renderAlerts);
  renderIfChanged("holds", snapshot.holds, renderHolds);
  renderIfChanged("dock", [snapshot.dock, snapshot.mode], renderDock);
  renderIfChanged("products", snapshot.products, renderProducts);
  renderIfChanged("devices", [snapshot.printer, snapshot.link], renderDevices);
}

// -- live connection --------------------------------------------------------------------------

function setLive(open) {
  const live = $("live");
  live.dataset.state = open ? "open" : "closed";
  live.textContent = open ? "Live" : "Reconnecting…";
  document.body.dataset.live = open ? "open" : "closed";
}

/** Subscribe to the snapshot stream; reconnect with backoff if the browser gives up. */
function connect(attempt = 0) {
  const source = new EventSource("api/events");
  let firstOnThisConnection = true;
  source.addEventListener("open", () => {
    attempt = 0;
    firstOnThisConnection = true;
  });
  source.addEventListener("state", (event) => {
    let snapshot;
    try {
      snapshot = JSON.parse(event.data);
    } catch {
      return;
    }
    // seq only grows within one agent run; after a reconnect the agent may have restarted.
    if (!firstOnThisConnection && typeof snapshot.seq === "number" && snapshot.seq <= lastSeq) return;
    firstOnThisConnection = false;
    lastSeq = typeof snapshot.seq === "number" ? snapshot.seq : lastSeq;
    setLive(true);
    render(snapshot);
  });
  source.addEventListener("error", () => {
    setLive(false);
    if (source.readyState === EventSource.CLOSED) {
      // The browser retries by itself unless the answer was not an event stream (e.g. 401).
      source.close();
      explainRefusal();
      setTimeout(() => connect(attempt + 1), RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
    }
  });
}

/** When the agent refuses the stream (this browser lost its token), say so and how to fix it. */
async function explainRefusal() {
  try {
    const response = await fetch("api/state", { cache: "no-store" });
    if (response.status !== 401 && response.status !== 403) return;
    const reply = await response.json();
    $("live").textContent = response.status === 401 ? "Not signed in" : "Not allowed";
    showResult(false, reply.error || `The agent answered ${response.status}.`);
  } catch {
    // The agent is down: "Reconnecting…" already says so.
  }
}

// -- actions ----------------------------------------------------------------------------------

function showResult(ok, message) {
  const out = $("action-result");
  out.dataset.ok = ok === null ? "" : String(ok);
  out.textContent = message;
}

let busy = false;

/** POST one command; the reply's message (or error, in plain words) goes to #action-result. */
async function command(op, args) {
  if (busy) return false;
  busy = true;
  document.body.dataset.busy = "true";
  showResult(null, "Sending…");
  try {
    const response = await fetch(`api/command/${op}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(args),
    });
    const text = await response.text();
    let reply = null;
    try {
      reply = JSON.parse(text);
    } catch {
      reply = null;
    }
    if (!reply || typeof reply !== "object") {
      showResult(false, `The agent answered ${response.status}: ${text.slice(0, 200) || response.statusText}`);
      return false;
    }
    const ok = reply.ok === true || reply.status === "ok";
    const data = reply.data || {};
    showResult(ok, ok ? data.message || DONE[op] || "Done." : reply.error || `Refused (${response.status}).`);
    return ok;
  } catch {
    showResult(false, "No connection to the agent: nothing was sent. Try again.");
    return false;
  } finally {
    busy = false;
    document.body.dataset.busy = "false";
  }
}

/** A quantity as typed on a touch keypad ("12,5") in the form the agent reads ("12.5"). */
function quantity(input) {
  return input.value.trim().replace(",", ".");
}

function operatorName() {
  return $("start-operator").value.trim();
}

async function acknowledge(id) {
  const args = { id };
  if (operatorName()) args.operator = operatorName();
  await command("alert.ack", args);
}

function wireActions() {
  const operator = $("start-operator");
  operator.value = localStorage.getItem(OPERATOR_KEY) || "";
  operator.addEventListener("change", () => localStorage.setItem(OPERATOR_KEY, operatorName()));

  $("start-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const args = { product: $("start-product").value };
    const planned = quantity($("start-planned"));
    if (planned) args.planned_qty = planned;
    if (operatorName()) args.operator = operatorName();
    if (await command("batch.start", args)) $("start-planned").value = "";
  });

  $("end-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await command("batch.end", { qty: quantity($("end-qty")) })) $("end-qty").value = "";
  });

  $("reprint").addEventListener("click", () => {
    const lot = current && current.last_batch && current.last_batch.lot;
    if (lot) command("label.reprint", { lot });
  });

  for (const type of ["pointerdown", "keydown"]) {
    window.addEventListener(type, unlockAudio, { capture: true, passive: true });
  }
}

wireActions();
connect();

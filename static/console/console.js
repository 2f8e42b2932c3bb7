// Scoreline staff console: live board, presence, keyboard, metrics charts.
// The board follows the viewers' stream (/ws/live/): a frame names the events that
// changed (data-event/data-version); the console refetches its own card/panel
// fragments for those, so controls always match the editor's role and the event state.
(function () {
  "use strict";

  const body = document.body;
  const role = body.dataset.role;
  const SCHEME = location.protocol === "https:" ? "wss://" : "ws://";

  // 400 (refused) and 409 (conflict) carry a message to show: swap them like 200.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|409)", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
  htmx.config.historyCacheSize = 0;

  // ---------------------------------------------------------------- live stream
  const cursorEl = document.getElementById("live-cursor");
  let cursor = Number(cursorEl.dataset.seq || 0);
  let liveSocket = null;
  let liveRetries = 0;
  let pollTimer = null;

  function setStatus(state) {
    const el = document.getElementById("live-status");
    el.dataset.state = state;
    el.textContent = state;
  }

  function urlFor(template, id) {
    return template.replace("/0/", "/" + id + "/");
  }

  function openPanelId() {
    const panel = document.getElementById("panel");
    return panel && panel.dataset.event ? panel.dataset.event : null;
  }

  function refreshCard(id) {
    if (!document.getElementById("card-" + id)) return;
    // Each region is its own request source: htmx queues requests per source element
    // (keeping only the last), so sharing one (the body by default) would drop refreshes.
    const card = "#card-" + id;
    htmx.ajax("GET", urlFor(body.dataset.cardUrl, id), { source: card, target: card, swap: "outerHTML" });
  }

  function refreshPanel(id) {
    // OOB-only response: header, controls, timeline, audit; the editor's inputs stay.
    htmx.ajax("GET", urlFor(body.dataset.panelUrl, id) + "?part=live", { source: "#panel", target: "#panel", swap: "none" });
  }

  let boardTimer = null;
  function refreshBoard() {
    clearTimeout(boardTimer);
    boardTimer = setTimeout(function () {
      htmx.ajax("GET", body.dataset.boardUrl, { source: "#board", target: "#board", swap: "outerHTML" });
    }, 300);
  }

  // The frame already says the new score: show it at once (the card refetch that
  // follows brings the rest). The card's version is left alone so that refetch applies.
  function patchScore(id, version, score) {
    const card = document.getElementById("card-" + id);
    if (!card || !score || Number(card.dataset.version) >= version) return;
    const parts = score.split("-");
    const cells = card.querySelectorAll(".card-line .sc");
    if (parts.length !== 2 || cells.length !== 2) return;
    parts.forEach(function (value, i) {
      if (cells[i].textContent !== value) {
        cells[i].textContent = value;
        cells[i].classList.add("flash");
      }
    });
  }

  function eventChanged(id, version, status) {
    const card = document.getElementById("card-" + id);
    if (!card) {
      if (status === "live" || status === "break") refreshBoard(); // newly live
      return;
    }
    const wasLive = card.dataset.status === "live" || card.dataset.status === "break";
    const isLive = status === "live" || status === "break";
    // A match leaving (or entering) play moves between the board's groups.
    if (status && wasLive !== isLive) refreshBoard();
    else if (Number(card.dataset.version) < version) refreshCard(id);
    if (openPanelId() === String(id)) {
      const head = document.getElementById("panel-head");
      if (!head || Number(head.dataset.version) < version) refreshPanel(id);
    }
  }

  function handleFrame(data) {
    if (data.charAt(0) === "{") {
      let msg;
      try { msg = JSON.parse(data); } catch (e) { return; }
      if (msg.type === "resync") { refreshBoard(); refreshOpenPanel(); }
      else if (msg.type === "heartbeat" && msg.seq > cursor) catchUp();
      else if (msg.type === "replayed") setStatus("live");
      return;
    }
    const tpl = document.createElement("template");
    tpl.innerHTML = data;
    const seen = {};
    tpl.content.querySelectorAll("[data-event][data-version]").forEach(function (el) {
      const id = el.dataset.event;
      const v = Number(el.dataset.version);
      if (!seen[id] || seen[id].v < v) seen[id] = { v: v, status: el.dataset.status, score: el.dataset.score };
    });
    Object.keys(seen).forEach(function (id) {
      patchScore(id, seen[id].v, seen[id].score);
      eventChanged(id, seen[id].v, seen[id].status);
    });
    const seq = tpl.content.querySelector("#live-cursor");
    if (seq) cursor = Math.max(cursor, Number(seq.dataset.seq || 0));
  }

  function refreshOpenPanel() {
    const id = openPanelId();
    if (id) refreshPanel(id);
  }

  // Fallback and gap filler: ask which events changed after our cursor.
  function catchUp() {
    fetch(body.dataset.changesUrl + "?after=" + cursor, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.events.forEach(function (id) {
          refreshCard(id);
          if (openPanelId() === String(id)) refreshPanel(id);
        });
        cursor = Math.max(cursor, data.seq);
      })
      .catch(function () {});
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(catchUp, 2000);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function connectLive() {
    const url = SCHEME + location.host + body.dataset.liveWs + "&since=" + cursor;
    try { liveSocket = new WebSocket(url); } catch (e) { scheduleLive(); return; }
    liveSocket.onopen = function () { liveRetries = 0; stopPolling(); setStatus("live"); };
    liveSocket.onmessage = function (m) { if (typeof m.data === "string") handleFrame(m.data); };
    liveSocket.onclose = function () { scheduleLive(); };
  }

  function scheduleLive() {
    liveRetries += 1;
    // Without the socket the console still follows changes, by polling.
    startPolling();
    setStatus(liveRetries > 3 ? "polling" : "reconnecting");
    const cap = Math.min(30000, 500 * Math.pow(2, liveRetries)); // full jitter backoff
    setTimeout(connectLive, Math.random() * cap);
  }

  // ------------------------------------------------------------------- presence
  let presence = {};
  let presenceSocket = null;
  const me = (document.querySelector(".me b") || {}).textContent || "";

  function sendOpen() {
    if (presenceSocket && presenceSocket.readyState === WebSocket.OPEN) {
      const id = openPanelId();
      presenceSocket.send(JSON.stringify({ type: "open", event: id ? Number(id) : null }));
    }
  }

  function applyPresence() {
    document.querySelectorAll(".presence[data-event]").forEach(function (el) {
      const names = presence[el.dataset.event] || [];
      el.replaceChildren();
      names.forEach(function (name) {
        const chip = document.createElement("span");
        chip.className = "who" + (name === me ? " me" : "");
        chip.title = name === me ? name + " (you)" : name + " has this event open";
        chip.textContent = name;
        el.appendChild(chip);
      });
      const others = names.filter(function (n) { return n !== me; }).length;
      el.classList.toggle("has-others", others > 0);
    });
  }

  function connectPresence() {
    presenceSocket = new WebSocket(SCHEME + location.host + body.dataset.presenceWs);
    presenceSocket.onopen = sendOpen;
    presenceSocket.onmessage = function (m) {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === "presence") { presence = msg.events || {}; applyPresence(); }
    };
    presenceSocket.onclose = function () { setTimeout(connectPresence, 2000 + Math.random() * 3000); };
  }

  // ----------------------------------------------------------------------- clock
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    const now = Date.now();
    document.querySelectorAll(".clock[data-clock-running='1']").forEach(function (el) {
      const anchor = Date.parse(el.dataset.clockAnchor);
      let elapsed = Number(el.dataset.clockElapsed);
      if (!isNaN(anchor)) elapsed += Math.max(0, Math.floor((now - anchor) / 1000));
      let shown;
      if (el.dataset.clockDown === "1") shown = Math.max(0, Number(el.dataset.periodSeconds) - elapsed);
      else shown = Number(el.dataset.minuteBase) * 60 + elapsed;
      el.textContent = Math.floor(shown / 60) + ":" + pad(shown % 60);
    });
  }

  // ------------------------------------------------------------------ selection
  function markOpenCard() {
    const id = openPanelId();
    document.querySelectorAll(".card").forEach(function (c) {
      c.classList.toggle("is-open", c.dataset.event === id);
    });
  }

  function moveSelection(step) {
    const cards = Array.from(document.querySelectorAll(".card"));
    if (!cards.length) return;
    const id = openPanelId();
    let i = cards.findIndex(function (c) { return c.dataset.event === id; });
    i = i < 0 ? 0 : Math.min(cards.length - 1, Math.max(0, i + step));
    const link = cards[i].querySelector(".card-link");
    if (link) { link.click(); cards[i].scrollIntoView({ block: "nearest" }); }
  }

  // -------------------------------------------------------------------- keyboard
  // A shortcut pressed while an action is being saved waits for its answer, so it is
  // based on the version that action produced (not refused as stale by our own edit).
  let actionsInFlight = 0;
  let pendingKeys = [];

  function clickKey(key) {
    const button = document.querySelector("#panel-controls [data-key='" + key + "'], #toast [data-key='" + key + "']");
    if (!button) return false;
    if (actionsInFlight > 0) { pendingKeys.push(key); return true; }
    if (button.disabled) return true; // not allowed right now: swallow the key
    // A button swapped in a moment ago (the undo toast) may not be wired by htmx yet
    // (it does that when the swap settles); process() is a no-op once it is.
    htmx.process(button);
    button.click();
    return true;
  }

  function isAction(e) {
    const cfg = e.detail.requestConfig;
    return cfg && cfg.verb === "post" && /\/(act|undo)\//.test(cfg.path || "");
  }
  // Count actions in flight on the request itself: its `loadend` always fires (answer,
  // error or abort), even when htmx's own events land on an element already swapped out.
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    if (!isAction(e)) return;
    actionsInFlight += 1;
    e.detail.xhr.addEventListener("loadend", function () {
      actionsInFlight = Math.max(0, actionsInFlight - 1);
      // Let the answer settle (new buttons, new version) before the next key.
      setTimeout(flushPendingKeys, 30);
    });
  });
  function flushPendingKeys() {
    if (actionsInFlight === 0 && pendingKeys.length) clickKey(pendingKeys.shift());
  }
  document.body.addEventListener("htmx:afterRequest", function (e) {
    const elt = requester(e);
    if (elt) elt.removeAttribute("data-answering");
    const head = document.getElementById("panel-head");
    if (deferredVersion && head && Number(head.dataset.version) < deferredVersion) {
      deferredVersion = 0;
      refreshPanel(head.dataset.event);
    }
  });

  document.addEventListener("keydown", function (e) {
    const t = e.target;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
    if (typing) {
      if (e.key === "Escape") t.blur();
      if (e.key === "Enter" && t.closest("#quick-form")) e.preventDefault();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?") {
      const keys = document.querySelector(".keys");
      if (keys) { keys.scrollIntoView({ block: "nearest" }); keys.classList.remove("flash"); void keys.offsetWidth; keys.classList.add("flash"); }
      return;
    }
    if (e.key === "j" || e.key === "ArrowDown") { moveSelection(1); e.preventDefault(); return; }
    if (e.key === "k" || e.key === "ArrowUp") { moveSelection(-1); e.preventDefault(); return; }
    if (role !== "editor") return;
    if (e.key === "/") {
      const field = document.getElementById("qf-player");
      if (field) { field.focus(); e.preventDefault(); }
      return;
    }
    if (["h", "a", "c", "n", "u"].indexOf(e.key) >= 0 && clickKey(e.key)) e.preventDefault();
  });

  // ---------------------------------------------------------------- undo toast
  let toastTimer = null;
  function armToast() {
    const toast = document.getElementById("toast");
    clearInterval(toastTimer);
    const undo = toast.querySelector(".b-undo[data-expires-in]");
    let left = undo ? Number(undo.dataset.expiresIn) : 0;
    const hideAt = Date.now() + (undo ? left * 1000 + 1500 : 6000);
    toastTimer = setInterval(function () {
      if (undo && left > 0) {
        left -= 1;
        const c = undo.querySelector(".countdown");
        if (c) c.textContent = left;
        if (left <= 0) undo.remove();
      }
      if (Date.now() >= hideAt) { toast.classList.remove("is-on"); clearInterval(toastTimer); }
    }, 1000);
  }

  // After an action the quick fields are spent: clear them for the next one.
  function clearQuickForm() {
    ["qf-player", "qf-minute", "qf-off"].forEach(function (id) {
      const el = document.getElementById(id);
      if (el) el.value = "";
    });
    const kind = document.getElementById("qf-kind");
    if (kind) kind.value = "goal";
  }

  // -------------------------------------------------------------------- metrics
  const series = {};
  const MAX_POINTS = 30; // 2 s apart: the last minute

  function spark(svg, lines) {
    const all = [].concat.apply([], lines.map(function (l) { return l.values; })).filter(function (v) { return v != null; });
    const max = Math.max(1e-9, Math.max.apply(null, all.length ? all : [1]));
    svg.replaceChildren();
    lines.forEach(function (line) {
      const pts = [];
      line.values.forEach(function (v, i) {
        if (v == null) return;
        const x = (i / (MAX_POINTS - 1)) * 120;
        const y = 26 - (v / max) * 24;
        pts.push(x.toFixed(1) + "," + y.toFixed(1));
      });
      const poly = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      poly.setAttribute("points", pts.join(" "));
      poly.setAttribute("class", line.cls);
      svg.appendChild(poly);
    });
  }

  function push(name, value) {
    (series[name] = series[name] || []).push(value);
    if (series[name].length > MAX_POINTS) series[name].shift();
    return series[name];
  }

  function fmt(v, digits) { return v == null ? "n/a" : Number(v).toFixed(digits); }

  function pollMetrics() {
    fetch(body.dataset.metricsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m) return;
        const box = function (name) { return document.querySelector(".metric[data-metric='" + name + "']"); };
        let el = box("connections");
        spark(el.querySelector("svg"), [{ values: push("connections", m.connections), cls: "l1" }]);
        el.querySelector(".m-value").textContent = fmt(m.connections, 0);
        el.querySelector(".m-src").textContent = m.connections_source || "";
        el = box("messages_per_s");
        spark(el.querySelector("svg"), [{ values: push("mps", m.messages_per_s), cls: "l1" }]);
        el.querySelector(".m-value").textContent = fmt(m.messages_per_s, 1);
        el.querySelector(".m-src").textContent = m.messages_source || "";
        el = box("latency");
        spark(el.querySelector("svg"), [
          { values: push("p99", m.latency_p99_ms), cls: "l2" },
          { values: push("p50", m.latency_p50_ms), cls: "l1" },
        ]);
        el.querySelector(".m-value").textContent =
          m.latency_p50_ms == null ? "n/a" : fmt(m.latency_p50_ms, 0) + " / " + fmt(m.latency_p99_ms, 0) + " ms";
        el.querySelector(".m-src").textContent = m.latency_source || "";
      })
      .catch(function () {});
  }

  // ------------------------------------------------------- version-ordered swaps
  // Responses can overtake each other (an action's answer, a refetch after a frame):
  // never let an older or same version of an event's region replace what is shown,
  // and never let a region of another event land in the open panel.
  function fragmentRoot(fragment) {
    return fragment instanceof DocumentFragment ? fragment.firstElementChild : fragment;
  }

  function staleOrForeign(current, incoming) {
    if (!current || !incoming || !incoming.dataset || !current.dataset) return false;
    if (incoming.dataset.event && current.dataset.event && incoming.dataset.event !== current.dataset.event) return true;
    if (incoming.dataset.version === undefined || current.dataset.version === undefined) return false;
    return Number(incoming.dataset.version) <= Number(current.dataset.version);
  }

  // A region holding the button or form of a request still in flight is not replaced
  // by another response: the request's own answer would then swap into a detached
  // tree (htmx resolves out-of-band targets from the requesting element's root) and be
  // lost. The answer brings the region; anything newer is fetched once it lands.
  let deferredVersion = 0;
  function requester(e) {
    const cfg = e.detail.requestConfig;
    return cfg && cfg.elt && cfg.elt.setAttribute ? cfg.elt : null;
  }
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    const elt = requester(e);
    if (elt) elt.setAttribute("data-answering", "");
  });

  function holdsPendingRequest(region) {
    if (!region || !region.classList) return false;
    const mine = ".htmx-request:not([data-answering])";
    return region.matches(mine) || region.querySelector(mine) !== null;
  }

  // Keep an open correction form (and what was typed in it) across a timeline refresh.
  let openFix = null;
  document.body.addEventListener("htmx:oobBeforeSwap", function (e) {
    const incoming = fragmentRoot(e.detail.fragment);
    if (staleOrForeign(e.detail.target, incoming)) { e.detail.shouldSwap = false; return; }
    if (holdsPendingRequest(e.detail.target)) {
      e.detail.shouldSwap = false;
      if (incoming && incoming.dataset && incoming.dataset.version) {
        deferredVersion = Math.max(deferredVersion, Number(incoming.dataset.version));
      }
      return;
    }
    if (e.detail.target.id === "panel-timeline") {
      const details = e.detail.target.querySelector("details.fix[open]");
      if (details) {
        const values = Array.from(details.querySelectorAll("input:not([type=hidden])")).map(function (i) { return i.value; });
        const incident = details.querySelector("input[name=incident]").value;
        openFix = { incident: incident, values: values };
      }
    }
  });
  document.body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "panel-timeline" && openFix) {
      const input = document.querySelector("#panel-timeline details.fix input[name=incident][value='" + openFix.incident + "']");
      const details = input && input.closest("details");
      if (details) {
        details.open = true;
        details.querySelectorAll("input:not([type=hidden])").forEach(function (el, i) {
          if (openFix.values[i] !== undefined) el.value = openFix.values[i];
        });
      }
      openFix = null;
    }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    const target = e.detail.target;
    if (!target || !target.classList || !target.classList.contains("card")) return;
    const m = /data-version="(\d+)"/.exec(e.detail.serverResponse || "");
    if (m && Number(m[1]) <= Number(target.dataset.version)) e.detail.shouldSwap = false;
  });

  // ---------------------------------------------------------------------- wiring
  document.body.addEventListener("htmx:afterSettle", function (e) {
    applyPresence();
    markOpenCard();
    tick();
    const target = e.detail.target;
    if (target && target.id === "panel") sendOpen();
  });
  document.body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "toast") armToast();
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    const xhr = e.detail.xhr;
    const path = e.detail.requestConfig && e.detail.requestConfig.path;
    if (e.detail.requestConfig && e.detail.requestConfig.verb === "post" && xhr.status === 200 && path && path.indexOf("/undo/") < 0) {
      clearQuickForm();
    }
  });
  window.addEventListener("popstate", function () { location.reload(); });
  // Wired here, not inline: the Content-Security-Policy allows no inline handlers.
  document.addEventListener("submit", function (e) {
    if (e.target.id === "quick-form") e.preventDefault();  // its buttons post through htmx
  });
  document.addEventListener("click", function (e) {
    const button = e.target.closest("[data-dismiss]");
    if (button) button.closest(button.dataset.dismiss).remove();
  });

  if (!window.WebSocket) {
    startPolling();
    setStatus("polling");
  } else {
    connectLive();
    connectPresence();
  }
  applyPresence();
  markOpenCard();
  tick();
  setInterval(tick, 1000);
  pollMetrics();
  setInterval(pollMetrics, 2000);
})();

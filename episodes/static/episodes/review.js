// The review page: a player over the stream's clips, a zoomable timeline, the transcript and chat in sync,
// and keyboard triage of the proposals. Writes go to /api/review/ with the session's CSRF token.
"use strict";

(() => {
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const STREAM = data.stream.id;
  const DURATION = Math.max(0.001, data.stream.duration);
  const $ = (id) => document.getElementById(id);
  const video = $("player");

  // ---------------------------------------------------------------------------------------------- helpers
  function fmt(seconds, tenths = false) {
    const s = Math.max(0, seconds);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
    const pad = (n) => String(n).padStart(2, "0");
    const base = `${h}:${pad(m)}:${pad(sec)}`;
    return tenths ? `${base}.${Math.floor((s * 10) % 10)}` : base;
  }
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  // Index of the last entry whose key is <= t (-1 when none): every list here is sorted by time.
  function lastAtOrBefore(list, t, key) {
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (key(list[mid]) <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  let toastTimer = null;
  function toast(message, error = false) {
    const box = $("toast");
    box.textContent = message;
    box.className = error ? "toast error" : "toast";
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, error ? 6000 : 2500);
  }
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  async function api(method, path, body) {
    const response = await fetch(`/api/review/${path}`, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(payload.detail || `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return payload;
  }

  // ----------------------------------------------------------------------------------------------- player
  const clips = data.clips;
  const player = { index: -1, shuttle: 0, shuttleTimer: null, wantPlay: false };
  window.reviewSeeks = [];

  function clipIndexAt(t) {
    const i = lastAtOrBefore(clips, t, (c) => c.start);
    return clamp(i, 0, clips.length - 1);
  }
  function now() {
    if (player.index < 0) return player.pendingTime || 0;
    if (player.pendingTime !== undefined) return player.pendingTime;
    return clips[player.index].start + video.currentTime;
  }
  function note(text) {
    const box = $("player-note");
    box.textContent = text || "";
    box.hidden = !text;
  }
  function showClip(i, offset) {
    const clip = clips[i];
    player.pendingTime = clip.start + offset;
    if (!clip.url) {
      note(`A browser-playable copy of ${clip.name} (${clip.codec}) is being made; reload the page in a minute.`);
      return;
    }
    note("");
    if (i !== player.index) {
      player.index = i;
      video.src = clip.url;
      video.addEventListener("loadedmetadata", () => {
        video.currentTime = Math.min(offset, Math.max(0, video.duration - 0.05));
        if (player.wantPlay) video.play().catch(() => {});
      }, { once: true });
    } else {
      video.currentTime = offset;
    }
  }
  function seek(t) {
    if (!clips.length) return;
    t = clamp(t, 0, DURATION);
    const i = clipIndexAt(t);
    window.reviewSeekStarted = performance.now();
    showClip(i, clamp(t - clips[i].start, 0, clips[i].duration));
    render(t);
  }
  function play() { player.wantPlay = true; if (player.index < 0) seek(0); video.play().catch(() => {}); }
  function pause() { player.wantPlay = false; video.pause(); }
  function togglePlay() { stopShuttle(); (video.paused ? play : pause)(); }

  video.addEventListener("seeked", () => {
    player.pendingTime = undefined;
    if (window.reviewSeekStarted !== undefined) {
      window.reviewSeeks.push(performance.now() - window.reviewSeekStarted);
      window.reviewSeekStarted = undefined;
    }
    render(now());
  });
  video.addEventListener("playing", () => { player.pendingTime = undefined; });
  video.addEventListener("play", () => { $("play").textContent = "❚❚"; loop(); });
  video.addEventListener("pause", () => { $("play").textContent = "▶"; render(now()); });
  video.addEventListener("ended", () => {
    if (player.index < clips.length - 1) { player.wantPlay = true; showClip(player.index + 1, 0); }
  });
  video.addEventListener("error", () => {
    const clip = clips[player.index];
    if (clip) note(`${clip.name} cannot be played here (${clip.codec || "no video"}).`);
  });
  function loop() {
    if (video.paused) return;
    render(now());
    requestAnimationFrame(loop);
  }

  // J/K/L: forward plays faster with each L; backward steps the playhead (browsers do not play in reverse).
  const SPEEDS = [1, 2, 4, 8];
  function stopShuttle() {
    player.shuttle = 0;
    clearInterval(player.shuttleTimer);
    player.shuttleTimer = null;
    video.playbackRate = 1;
    $("rate").textContent = "";
  }
  function shuttle(direction) {
    const level = Math.sign(player.shuttle) === direction ? Math.min(SPEEDS.length - 1, SPEEDS.indexOf(Math.abs(player.shuttle)) + 1) : 0;
    const speed = SPEEDS[level];
    clearInterval(player.shuttleTimer);
    player.shuttle = speed * direction;
    $("rate").textContent = `${direction < 0 ? "◀◀" : "▶▶"} ${speed}×`;
    if (direction > 0) {
      video.playbackRate = speed;
      play();
    } else {
      pause();
      player.shuttleTimer = setInterval(() => {
        const t = now() - speed * 0.25;
        seek(t);
        if (t <= 0) stopShuttle();
      }, 250);
    }
  }

  // --------------------------------------------------------------------------------------------- timeline
  const canvas = $("timeline");
  const ctx = canvas.getContext("2d");
  const view = { start: 0, end: DURATION };
  const LANES = { ruler: [0, 16], wave: [18, 52], speech: [74, 8], chat: [86, 26], highlights: [116, 24], episodes: [144, 36] };
  const COLORS = { wave: "#5b9dff", speech: "#3ecf8e", silence: "#2a2f3a", chat: "#b69cff", playhead: "#ff5470",
                   proposed: "#f5b942", accepted: "#5b9dff", manual: "#c77dff", text: "#e6e8ee", muted: "#8b93a5" };
  let wave = null;  // {rate, levels: [Uint8Array]}: levels[k] holds the max of 2^k peaks

  function buildLevels(peaks, rate) {
    const levels = [Uint8Array.from(peaks)];
    while (levels[levels.length - 1].length > 1) {
      const prev = levels[levels.length - 1];
      const next = new Uint8Array(Math.ceil(prev.length / 2));
      for (let i = 0; i < next.length; i++) next[i] = Math.max(prev[2 * i], prev[2 * i + 1] || 0);
      levels.push(next);
    }
    return { rate, levels };
  }
  function resizeCanvas() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = 184;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    drawTimeline(now());
  }
  const xOf = (t, width) => ((t - view.start) / (view.end - view.start)) * width;
  const tOf = (x, width) => view.start + (x / width) * (view.end - view.start);

  function scoreColor(score, max) {
    const k = max > 0 ? clamp(score / max, 0, 1) : 0.5;
    return `hsl(${Math.round(50 - 50 * k)}, 95%, ${Math.round(62 - 10 * k)}%)`;
  }
  function tickStep(span, width) {
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
    return steps.find((s) => (s / span) * width >= 70) || 7200;
  }
  function drawTimeline(t) {
    const width = canvas.clientWidth, height = 184;
    ctx.clearRect(0, 0, width, height);
    const span = view.end - view.start;
    // ruler
    ctx.fillStyle = COLORS.muted;
    ctx.font = "11px system-ui, sans-serif";
    const step = tickStep(span, width);
    for (let tick = Math.ceil(view.start / step) * step; tick <= view.end; tick += step) {
      const x = Math.round(xOf(tick, width)) + 0.5;
      ctx.fillRect(x, 10, 1, 6);
      ctx.fillText(fmt(tick), x + 3, 10);
    }
    // waveform: the zoom level with about one peak per pixel, then the max over each pixel's span
    const [wy, wh] = LANES.wave;
    if (wave) {
      const perPixel = (span * wave.rate) / width;
      const level = clamp(Math.floor(Math.log2(Math.max(1, perPixel))), 0, wave.levels.length - 1);
      const values = wave.levels[level];
      const scale = wave.rate / 2 ** level;
      const mid = wy + wh / 2 + 8;
      ctx.fillStyle = COLORS.wave;
      for (let x = 0; x < width; x++) {
        const a = Math.floor(tOf(x, width) * scale), b = Math.max(a + 1, Math.floor(tOf(x + 1, width) * scale));
        let peak = 0;
        for (let i = Math.max(0, a); i < Math.min(values.length, b); i++) if (values[i] > peak) peak = values[i];
        const half = Math.max(0.5, (peak / 255) * (wh / 2 + 8));
        ctx.fillRect(x, mid - half, 1, half * 2);
      }
    }
    // speech and silence
    const [sy, sh] = LANES.speech;
    ctx.fillStyle = COLORS.silence;
    ctx.fillRect(0, sy, width, sh);
    ctx.fillStyle = COLORS.speech;
    for (const [a, b] of data.speech) {
      if (b < view.start || a > view.end) continue;
      const x0 = xOf(a, width), x1 = xOf(b, width);
      ctx.fillRect(x0, sy, Math.max(1, x1 - x0), sh);
    }
    // chat rate
    const [cy, ch] = LANES.chat;
    const counts = data.chat.messages, win = data.chat.window;
    if (counts.length) {
      const max = Math.max(1, ...counts);
      ctx.fillStyle = COLORS.chat;
      const first = Math.max(0, Math.floor(view.start / win)), last = Math.min(counts.length - 1, Math.ceil(view.end / win));
      for (let i = first; i <= last; i++) {
        if (!counts[i]) continue;
        const x0 = xOf(i * win, width), x1 = xOf((i + 1) * win, width);
        const h = (counts[i] / max) * ch;
        ctx.fillRect(x0, cy + ch - h, Math.max(1, x1 - x0 - 0.5), h);
      }
    }
    // highlights coloured by score; episodes proposed (amber, outlined) and accepted (blue, solid)
    const [hy, hh] = LANES.highlights;
    const maxScore = Math.max(0, ...items.highlights.map((h) => h.score));
    for (const h of items.highlights) {
      if (h.end < view.start || h.start > view.end) continue;
      const x0 = xOf(h.start, width), x1 = xOf(h.end, width);
      ctx.globalAlpha = h.status === "rejected" ? 0.25 : 0.9;
      ctx.fillStyle = h.source === "manual" ? COLORS.manual : scoreColor(h.score, maxScore);
      ctx.fillRect(x0, hy, Math.max(2, x1 - x0), hh);
      ctx.globalAlpha = 1;
      if (isSelected("highlight", h.id)) { ctx.strokeStyle = "#fff"; ctx.lineWidth = 2; ctx.strokeRect(x0, hy, Math.max(2, x1 - x0), hh); }
    }
    const [ey, eh] = LANES.episodes;
    ctx.font = "12px system-ui, sans-serif";
    for (const e of items.episodes) {
      if (e.end < view.start || e.start > view.end) continue;
      const accepted = e.status !== "proposed";
      for (const track of e.tracks) {
        const x0 = xOf(track.start, width), x1 = xOf(track.end, width);
        ctx.fillStyle = accepted ? "rgba(91,157,255,.55)" : "rgba(245,185,66,.22)";
        ctx.fillRect(x0, ey, Math.max(2, x1 - x0), eh);
        ctx.strokeStyle = isSelected("episode", e.id) ? "#fff" : accepted ? COLORS.accepted : COLORS.proposed;
        ctx.lineWidth = isSelected("episode", e.id) ? 2 : 1;
        ctx.setLineDash(accepted ? [] : [4, 3]);
        ctx.strokeRect(x0 + 0.5, ey + 0.5, Math.max(2, x1 - x0) - 1, eh - 1);
        ctx.setLineDash([]);
      }
      const x0 = Math.max(2, xOf(e.start, width) + 4), x1 = xOf(e.end, width);
      if (x1 - x0 > 30) {
        ctx.save();
        ctx.beginPath(); ctx.rect(x0, ey, x1 - x0 - 4, eh); ctx.clip();
        ctx.fillStyle = COLORS.text;
        ctx.fillText(e.title, x0, ey + 22);
        ctx.restore();
      }
    }
    // lane names, then the playhead
    ctx.font = "10px system-ui, sans-serif";
    [["waveform", wy], ["speech", sy - 1], ["chat", cy], ["highlights", hy], ["episodes", ey]].forEach(([name, y]) => {
      ctx.fillStyle = "rgba(15,17,21,.75)";
      ctx.fillRect(2, y, ctx.measureText(name).width + 6, 12);
      ctx.fillStyle = "#aab2c3";
      ctx.fillText(name, 5, y + 9);
    });
    const px = Math.round(xOf(t, width)) + 0.5;
    ctx.fillStyle = COLORS.playhead;
    ctx.fillRect(px - 1, 0, 2, height);
  }
  function setView(start, end) {
    const span = clamp(end - start, Math.min(10, DURATION), DURATION);
    start = clamp(start, 0, DURATION - span);
    view.start = start;
    view.end = start + span;
    drawTimeline(now());
  }
  function zoom(factor, around) {
    const t = around === undefined ? now() : around;
    const span = (view.end - view.start) * factor;
    const k = (t - view.start) / (view.end - view.start);
    setView(t - k * span, t - k * span + span);
  }
  function follow(t) {
    const span = view.end - view.start;
    if (span >= DURATION) return;
    if (t < view.start || t > view.end - span * 0.05) setView(t - span * 0.1, t - span * 0.1 + span);
  }
  let drag = null;
  canvas.addEventListener("mousedown", (event) => { drag = { x: event.offsetX, start: view.start, moved: false }; });
  window.addEventListener("mousemove", (event) => {
    if (!drag) return;
    const dx = event.clientX - canvas.getBoundingClientRect().left - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (drag.moved) {
      const span = view.end - view.start;
      setView(drag.start - (dx / canvas.clientWidth) * span, drag.start - (dx / canvas.clientWidth) * span + span);
    }
  });
  window.addEventListener("mouseup", (event) => {
    if (drag && !drag.moved && event.target === canvas) {
      const t = tOf(event.offsetX, canvas.clientWidth);
      selectAt(t, event.offsetY);
      seek(t);
    }
    drag = null;
  });
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      const span = view.end - view.start;
      const shift = ((event.deltaX || event.deltaY) / canvas.clientWidth) * span;
      setView(view.start + shift, view.end + shift);
    } else {
      zoom(event.deltaY > 0 ? 1.25 : 0.8, tOf(event.offsetX, canvas.clientWidth));
    }
  }, { passive: false });
  // A click on an episode or highlight in its lane selects it too.
  function selectAt(t, y) {
    const [hy, hh] = LANES.highlights, [ey, eh] = LANES.episodes;
    if (y >= hy && y <= hy + hh) {
      const h = items.highlights.find((x) => x.start <= t && t <= x.end);
      if (h) select("highlight", h.id, false);
    } else if (y >= ey && y <= ey + eh) {
      const e = items.episodes.find((x) => x.start <= t && t <= x.end);
      if (e) select("episode", e.id, false);
    }
  }

  // ------------------------------------------------------------------------------------------- proposals
  let items = { episodes: data.episodes, highlights: data.highlights };
  let selected = null;  // {kind, id}
  const undoStack = [];

  function ordered() {
    return [
      ...items.episodes.map((e) => ({ kind: "episode", id: e.id, start: e.start, row: e })),
      ...items.highlights.map((h) => ({ kind: "highlight", id: h.id, start: h.start, row: h })),
    ].sort((a, b) => a.start - b.start || (a.kind < b.kind ? -1 : 1));
  }
  const isSelected = (kind, id) => selected && selected.kind === kind && selected.id === id;
  function selectedRow() {
    if (!selected) return null;
    const list = selected.kind === "episode" ? items.episodes : items.highlights;
    return list.find((row) => row.id === selected.id) || null;
  }
  function select(kind, id, seekTo = true) {
    selected = { kind, id };
    renderItems();
    const row = selectedRow();
    if (row && seekTo) seek(row.start);
    const card = document.querySelector(`.item[data-kind="${kind}"][data-id="${id}"]`);
    if (card) card.scrollIntoView({ block: "nearest" });
    drawTimeline(now());
  }
  function step(direction) {
    const list = ordered();
    if (!list.length) return;
    let index = selected ? list.findIndex((x) => x.kind === selected.kind && x.id === selected.id) : -1;
    if (index < 0) {
      const t = now();
      index = direction > 0 ? list.findIndex((x) => x.start > t + 0.01) : lastAtOrBefore(list, t - 0.01, (x) => x.start);
      if (index < 0) index = direction > 0 ? 0 : list.length - 1;
    } else {
      index = clamp(index + direction, 0, list.length - 1);
    }
    select(list[index].kind, list[index].id);
  }
  async function refreshItems() {
    items = await api("GET", `streams/${STREAM}/items/`);
    if (selected && !selectedRow()) selected = null;
    renderItems();
    drawTimeline(now());
  }
  // Every write: do it, remember how to take it back, refresh. Errors show as a toast and change nothing.
  async function perform(label, action, undo) {
    try {
      const result = await action();
      if (undo) undoStack.push({ label, undo: undo(result) });
      await refreshItems();
      toast(label);
      return result;
    } catch (error) {
      toast(error.message, true);
      return null;
    }
  }
  async function undoLast() {
    const last = undoStack.pop();
    if (!last) { toast("Nothing to undo"); return; }
    try {
      await last.undo();
      await refreshItems();
      toast(`Undone: ${last.label}`);
    } catch (error) {
      toast(`Cannot undo ${last.label}: ${error.message}`, true);
    }
  }
  const snapshot = (e) => ({ id: e.id, title: e.title, tracks: e.tracks, order: e.order, status: e.status === "proposed" ? "proposed" : "draft" });
  const restore = (snap) => () => api("POST", `streams/${STREAM}/restore/`, snap);
  function advanceFrom(kind, id) {
    const list = ordered();
    const index = list.findIndex((x) => x.kind === kind && x.id === id);
    const next = list[index + 1] || list[index - 1];
    if (next) select(next.kind, next.id); else { selected = null; renderItems(); }
  }

  async function accept() {
    const row = selectedRow();
    if (!row) return toast("Select a proposal first (N / P)");
    if (selected.kind === "episode") {
      const before = snapshot(row);
      const done = await perform(`Accepted “${row.title}”`, () => api("POST", `episodes/${row.id}/accept/`), () => restore(before));
      if (done) advanceFrom("episode", row.id);
    } else {
      const old = row.status;
      const done = await perform("Highlight accepted", () => api("POST", `highlights/${row.id}/status/`, { status: "accepted" }),
        () => () => api("POST", `highlights/${row.id}/status/`, { status: old }));
      if (done) advanceFrom("highlight", row.id);
    }
  }
  async function reject() {
    const row = selectedRow();
    if (!row) return toast("Select a proposal first (N / P)");
    const list = ordered();
    const index = list.findIndex((x) => x.kind === selected.kind && x.id === row.id);
    const next = list[index + 1] || list[index - 1];
    let done;
    if (selected.kind === "episode") {
      done = await perform(`Rejected “${row.title}”`, () => api("POST", `episodes/${row.id}/reject/`), (result) => restore(result.rejected));
    } else {
      const old = row.status;
      done = await perform("Highlight rejected", () => api("POST", `highlights/${row.id}/status/`, { status: "rejected" }),
        () => () => api("POST", `highlights/${row.id}/status/`, { status: old }));
    }
    if (done && next) select(next.kind, next.id);
  }
  async function trim(edge) {
    const row = selectedRow();
    if (!row || selected.kind !== "episode") return toast("Select an episode to trim (N / P)");
    const t = Math.round(now() * 1000) / 1000;
    const before = snapshot(row);
    await perform(`${edge === "start" ? "In" : "Out"} point at ${fmt(t, true)}`,
      () => api("POST", `episodes/${row.id}/trim/`, { [edge]: t }), () => restore(before));
  }
  async function split() {
    const row = selectedRow();
    if (!row || selected.kind !== "episode") return toast("Select an episode to split (N / P)");
    const t = Math.round(now() * 1000) / 1000;
    const before = snapshot(row);
    // Undo: the first part back as it was and the second part gone (a draft's second part merges back instead).
    await perform(`Split at ${fmt(t, true)}`, () => api("POST", `episodes/${row.id}/split/`, { at: t }),
      (result) => async () => {
        const [first, second] = result.episodes;
        if (second.status !== "proposed") return api("POST", `episodes/${first.id}/merge/`, { with: second.id });
        await api("POST", `episodes/${second.id}/reject/`);
        return restore(before)();
      });
  }
  async function merge() {
    const row = selectedRow();
    if (!row || selected.kind !== "episode") return toast("Select an episode to merge with the next");
    const later = items.episodes.filter((e) => e.start > row.start).sort((a, b) => a.start - b.start)[0];
    if (!later) return toast("No episode after this one to merge with", true);
    const before = snapshot(row);
    await perform(`Merged with “${later.title}”`, () => api("POST", `episodes/${row.id}/merge/`, { with: later.id }),
      (result) => async () => { await restore(before)(); await restore(result.removed)(); });
  }
  async function rename(row, title) {
    const old = row.title;
    await perform(`Renamed to “${title}”`, () => api("POST", `episodes/${row.id}/rename/`, { title }),
      () => () => api("POST", `episodes/${row.id}/rename/`, { title: old }));
  }
  async function mark() {
    const t = Math.round(now() * 1000) / 1000;
    const result = await perform(`Marked ${fmt(t)}`, () => api("POST", `streams/${STREAM}/marks/`, { time: t }),
      (created) => () => api("DELETE", `highlights/${created.id}/`));
    if (result) select("highlight", result.id, false);
  }
  async function renderEpisode() {
    const row = selectedRow();
    if (!row || selected.kind !== "episode") return toast("Select an accepted episode to render");
    try {
      const result = await api("POST", `episodes/${row.id}/render/`, { preset: $("preset").value });
      runLabels.set(result.run.id, `Render “${row.title}”`);
      upsertRun(result.run);
      await refreshItems();
      toast(`Rendering “${row.title}”`);
    } catch (error) { toast(error.message, true); }
  }
  async function vertical() {
    const row = selectedRow();
    if (!row || selected.kind !== "highlight") return toast("Select a highlight to make a vertical clip of");
    try {
      const result = await api("POST", `highlights/${row.id}/vertical/`);
      runLabels.set(result.run.id, `Vertical clip at ${fmt(row.peak)}`);
      runLinks.set(result.run.id, result.url);
      upsertRun(result.run);
      toast("Vertical clip queued");
    } catch (error) { toast(error.message, true); }
  }

  function renderItems() {
    const box = $("items");
    box.replaceChildren();
    const list = ordered();
    const maxScore = Math.max(0, ...items.highlights.map((h) => h.score));
    const open = items.episodes.filter((e) => e.status === "proposed").length + items.highlights.filter((h) => h.status === "proposed").length;
    $("counts").textContent = `${open} to review · ${items.episodes.length} episodes · ${items.highlights.length} highlights`;
    if (!list.length) box.append(el("p", { class: "muted" }, "No proposals yet: they appear when processing finishes. Mark moments with M."));
    for (const { kind, id, row } of list) {
      const status = row.status;
      const title = el("span", { class: "title" }, row.title || (kind === "highlight" ? `Moment at ${fmt(row.peak)}` : "Episode"));
      const head = el("div", { class: "row" },
        kind === "highlight" ? el("span", { class: "score", style: `background:${row.source === "manual" ? COLORS.manual : scoreColor(row.score, maxScore)}` },
          row.source === "manual" ? "mark" : row.score.toFixed(2)) : null,
        title, el("span", { class: `badge status-${status}` }, status));
      const times = el("div", { class: "times" }, `${fmt(row.start, true)} – ${fmt(row.end, true)} · ${fmt(row.end - row.start)}`);
      const button = (text, handler, hint, enabled = true) =>
        el("button", { title: hint, disabled: !enabled, onclick: (event) => { event.stopPropagation(); handler(); } }, text);
      const actions = el("div", { class: "actions" });
      if (kind === "episode") {
        const proposed = status === "proposed";
        actions.append(
          button("Accept", accept, "A", proposed), button("Reject", reject, "X", proposed),
          button("In", () => trim("start"), "I: in point at the playhead"), button("Out", () => trim("end"), "O: out point at the playhead"),
          button("Split", split, "S: split at the playhead"), button("Merge ↓", merge, "G: merge with the next episode"),
          button("Rename", () => editTitle(title, row), "Rename"),
          button("Render", renderEpisode, "R: render this episode", !proposed));
        if (row.rendered_url) actions.append(el("a", { href: row.rendered_url, target: "_blank" }, "Open render"));
      } else {
        actions.append(
          button("Accept", accept, "A", status !== "accepted"), button("Reject", reject, "X", status !== "rejected"),
          button("Vertical clip", vertical, "V: a 9:16 clip of this moment"));
      }
      const card = el("div", {
        class: `item ${kind} status-${status}${isSelected(kind, id) ? " selected" : ""}`,
        dataset: { kind, id: String(id) },
        onclick: () => select(kind, id),
      }, head, times, row.reason ? el("div", { class: "reason" }, row.reason) : null, actions);
      if (kind === "episode") title.addEventListener("dblclick", (event) => { event.stopPropagation(); editTitle(title, row); });
      box.append(card);
    }
  }
  function editTitle(node, row) {
    node.contentEditable = "true";
    node.focus();
    document.getSelection().selectAllChildren(node);
    const finish = (save) => {
      node.contentEditable = "false";
      node.removeEventListener("keydown", keys);
      node.removeEventListener("blur", blur);
      const title = node.textContent.trim();
      if (save && title && title !== row.title) rename(row, title); else node.textContent = row.title;
    };
    const keys = (event) => {
      event.stopPropagation();
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
      if (event.key === "Escape") finish(false);
    };
    const blur = () => finish(true);
    node.addEventListener("keydown", keys);
    node.addEventListener("blur", blur);
  }

  // ------------------------------------------------------------------------------------------------- runs
  const runs = new Map(), runLabels = new Map(), runLinks = new Map();
  function upsertRun(run) {
    const known = runs.has(run.id) || run.stream === STREAM || items.episodes.some((e) => e.id === run.episode);
    if (!known) return;
    const before = runs.get(run.id);
    runs.set(run.id, run);
    renderRuns();
    if (before && before.status !== run.status && run.status === "completed" && run.episode) refreshItems();
  }
  function renderRuns() {
    const box = $("runs");
    box.replaceChildren();
    if (!runs.size) { box.append(el("p", { class: "muted" }, "Nothing running.")); return; }
    for (const run of [...runs.values()].sort((a, b) => b.id - a.id)) {
      const episode = items.episodes.find((e) => e.id === run.episode);
      const label = runLabels.get(run.id) || (episode ? `Render “${episode.title}”` : `${run.kind} #${run.id}`);
      const link = run.status === "completed" && runLinks.get(run.id) ? el("a", { href: runLinks.get(run.id), target: "_blank" }, " open") : null;
      box.append(el("div", { class: `run status-${run.status}`, dataset: { run: String(run.id) } },
        el("div", {}, el("strong", {}, label), " ", el("span", { class: "run-status" }, run.status), " ",
          el("span", { class: "run-progress muted" }, `${Math.round(run.progress)}%`), link),
        el("div", { class: "bar" }, el("div", { style: `width:${clamp(run.progress, 0, 100)}%` })),
        run.error ? el("div", { class: "error" }, run.error) : null));
    }
  }
  function connect(attempt = 0) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/widgets/`);
    ws.onopen = () => { attempt = 0; $("connection").textContent = "live"; document.body.dataset.socket = "open"; };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "TASK_UPDATE") upsertRun(message.task);
    };
    ws.onclose = (event) => {
      document.body.dataset.socket = "closed";
      if (event.code === 4401) { $("connection").textContent = "offline (log in again)"; return; }
      $("connection").textContent = "reconnecting…";
      setTimeout(() => connect(attempt + 1), Math.min(30000, 500 * 2 ** attempt));
    };
  }

  // ------------------------------------------------------------------------------------------- transcript
  let segments = [];
  let currentSeg = -1, currentWord = -1, editing = null;
  const segBox = $("segments");

  function renderTranscript() {
    segBox.replaceChildren();
    if (!segments.length) { segBox.append(el("p", { class: "muted" }, "No transcript yet.")); return; }
    // One HTML string parsed once: thousands of rows built node by node took over a second on a busy machine.
    segBox.innerHTML = segments.map((segment, i) =>
      `<div class="segment" data-i="${i}" data-id="${segment.id}"><span class="t">${fmt(segment.start)}</span>` +
      `<span class="text">${escapeHtml(segment.text)}</span>` +
      `<button class="edit ghost" title="Correct this line (E)">✎</button></div>`).join("");
  }
  segBox.addEventListener("click", (event) => {
    const row = event.target.closest(".segment");
    if (!row) return;
    const segment = segments[Number(row.dataset.i)];
    if (event.target.classList.contains("edit")) { editSegment(Number(row.dataset.i)); return; }
    if (editing !== null) return;
    if (event.target.classList.contains("w")) seek(segment.words[Number(event.target.dataset.w)][0]);
    else if (event.target.classList.contains("t") || event.target.classList.contains("text")) seek(segment.start);
  });
  segBox.addEventListener("dblclick", (event) => {
    const row = event.target.closest(".segment");
    if (row && editing === null) editSegment(Number(row.dataset.i));
  });
  function segText(i) { return segBox.children[i] && segBox.children[i].querySelector(".text"); }
  function showWords(i) {
    const node = segText(i);
    const segment = segments[i];
    if (!node || editing === i) return;
    if (!segment.words.length) { node.textContent = segment.text; return; }
    node.replaceChildren(...segment.words.flatMap(([, , word], w) => [el("span", { class: "w", dataset: { w: String(w) } }, word), " "]));
  }
  function syncTranscript(t) {
    if (!segments.length) return;
    const i = lastAtOrBefore(segments, t + 0.02, (s) => s.start);
    if (i !== currentSeg) {
      if (currentSeg >= 0 && segBox.children[currentSeg]) {
        segBox.children[currentSeg].classList.remove("current");
        if (editing !== currentSeg) segText(currentSeg).textContent = segments[currentSeg].text;
      }
      currentSeg = i;
      currentWord = -1;
      if (i >= 0) {
        segBox.children[i].classList.add("current");
        showWords(i);
        if ($("follow").checked && editing === null) {
          const row = segBox.children[i];
          segBox.scrollTop = row.offsetTop - segBox.clientHeight / 3;
        }
      }
    }
    if (i >= 0 && editing !== i) {
      const words = segments[i].words;
      const w = lastAtOrBefore(words, t + 0.02, (word) => word[0]);
      if (w !== currentWord) {
        const node = segText(i);
        const old = node.querySelector(".w.now");
        if (old) old.classList.remove("now");
        const span = w >= 0 && t <= words[w][1] + 0.3 ? node.querySelector(`.w[data-w="${w}"]`) : null;
        if (span) span.classList.add("now");
        currentWord = w;
      }
    }
  }
  function editSegment(i) {
    if (i < 0 || !segments[i]) return;
    const node = segText(i);
    const segment = segments[i];
    editing = i;
    node.textContent = segment.text;
    node.contentEditable = "true";
    node.focus();
    document.getSelection().selectAllChildren(node);
    const finish = async (save) => {
      node.removeEventListener("keydown", keys);
      node.removeEventListener("blur", blur);
      node.contentEditable = "false";
      editing = null;
      const text = node.textContent.replace(/\s+/g, " ").trim();
      if (!save || !text || text === segment.text) { node.textContent = segment.text; return; }
      const old = segment.text;
      const ok = await correct(i, text);
      if (ok) undoStack.push({ label: "Transcript correction", undo: () => correct(i, old) });
    };
    const keys = (event) => {
      event.stopPropagation();
      if (event.key === "Enter") { event.preventDefault(); node.blur(); }
      if (event.key === "Escape") { node.removeEventListener("blur", blur); finish(false); }
    };
    const blur = () => finish(true);
    node.addEventListener("keydown", keys);
    node.addEventListener("blur", blur);
  }
  async function correct(i, text) {
    const segment = segments[i];
    try {
      const result = await api("POST", `segments/${segment.id}/`, { text });
      segment.text = result.text;
      segment.words = result.words;
      const node = segText(i);
      node.textContent = segment.text;
      if (i === currentSeg) { currentWord = -1; showWords(i); }
      segBox.children[i].classList.add("saved");
      toast("Transcript corrected");
      return true;
    } catch (error) {
      segText(i).textContent = segment.text;
      toast(error.message, true);
      return false;
    }
  }

  // ------------------------------------------------------------------------------------------------- chat
  let chat = [], chatShown = -2;
  const chatBox = $("chat");
  function syncChat(t) {
    const upto = lastAtOrBefore(chat, t, (m) => m[0]);
    if (upto === chatShown) return;
    const first = Math.max(0, upto - 150);
    chatBox.replaceChildren(...chat.slice(first, upto + 1).map(([at, who, text]) =>
      el("div", { class: "msg" }, el("span", { class: "t", dataset: { t: String(at) } }, fmt(at)), el("span", { class: "who" }, who), text)));
    chatBox.scrollTop = chatBox.scrollHeight;
    chatShown = upto;
  }
  chatBox.addEventListener("click", (event) => { if (event.target.dataset.t) seek(Number(event.target.dataset.t)); });

  // ------------------------------------------------------------------------------------------- everything
  let lastRendered = -1;
  function render(t) {
    $("clock").textContent = fmt(t, true);
    if (!video.paused) follow(t);
    drawTimeline(t);
    if (Math.abs(t - lastRendered) > 0.04) {
      syncTranscript(t);
      syncChat(t);
      lastRendered = t;
    }
  }

  function toggleHelp(show) { $("help").hidden = show === undefined ? !$("help").hidden : !show; }
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    const actions = {
      " ": togglePlay,
      k: () => { stopShuttle(); pause(); }, l: () => shuttle(1), j: () => shuttle(-1),
      ArrowLeft: () => seek(now() - (event.shiftKey ? 5 : 1)), ArrowRight: () => seek(now() + (event.shiftKey ? 5 : 1)),
      i: () => trim("start"), o: () => trim("end"), n: () => step(1), p: () => step(-1),
      a: accept, x: reject, u: undoLast, s: split, g: merge, m: mark, r: renderEpisode, v: vertical,
      e: () => editSegment(currentSeg),
      "+": () => zoom(0.5), "=": () => zoom(0.5), "-": () => zoom(2), "0": () => setView(0, DURATION),
      "?": () => toggleHelp(), Escape: () => toggleHelp(false),
    };
    const action = actions[key.length === 1 ? key.toLowerCase() : key] || (key === "?" ? actions["?"] : null);
    if (!action) return;
    event.preventDefault();
    if (key === " " && target.tagName === "BUTTON") target.blur();
    action();
  });
  $("help").addEventListener("click", () => toggleHelp(false));
  $("help-button").addEventListener("click", () => toggleHelp(true));
  $("play").addEventListener("click", togglePlay);
  $("mark").addEventListener("click", mark);
  $("zoom-in").addEventListener("click", () => zoom(0.5));
  $("zoom-out").addEventListener("click", () => zoom(2));
  $("zoom-fit").addEventListener("click", () => setView(0, DURATION));
  window.addEventListener("resize", resizeCanvas);

  // Start: the lanes we have at once, then the waveform, transcript and chat in parallel.
  for (const run of data.runs) upsertRun(run);
  renderItems();
  resizeCanvas();
  if (clips.length) showClip(0, 0);
  connect();
  const waveform = api("GET", `streams/${STREAM}/waveform/`).then((w) => { wave = buildLevels(w.peaks, w.per_second); drawTimeline(now()); });
  const transcript = api("GET", `streams/${STREAM}/transcript/`).then((t) => { segments = t.segments; renderTranscript(); syncTranscript(now()); });
  api("GET", `streams/${STREAM}/chat/`).then((c) => {
    chat = c.messages;
    $("chat-count").textContent = `${chat.length} messages`;
    syncChat(now());
  }).catch((error) => toast(`Chat: ${error.message}`, true));
  Promise.all([waveform, transcript]).then(() => {
    window.reviewReady = performance.now();
    document.body.dataset.ready = "true";
  }).catch((error) => toast(error.message, true));
  window.review = { seek, now, select, items: () => items, view };
})();

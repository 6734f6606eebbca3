// The review page's timeline: lanes on a canvas (waveform, speech, chat rate, highlights, episodes), zoomed with
// the wheel, panned by dragging, clicked to seek. The waveform is drawn from a pyramid of maxima built once, so
// any zoom of a 4-hour stream reads about one value per pixel.
"use strict";

window.ReviewTimeline = (canvas, { duration, lanes, getItems, isSelected, now, onSeek, onSelect }) => {
  const { fmt, clamp } = window.ReviewUtil;
  const DURATION = duration;
  const ctx = canvas.getContext("2d");
  const view = { start: 0, end: DURATION };
  const data = lanes;
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
    const items = getItems();
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
      const accepted = e.status !== "proposed" && e.status !== "rejected";
      ctx.globalAlpha = e.status === "rejected" ? 0.3 : 1;
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
      ctx.globalAlpha = 1;
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
      onSeek(t);
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
    const items = getItems();
    const [hy, hh] = LANES.highlights, [ey, eh] = LANES.episodes;
    if (y >= hy && y <= hy + hh) {
      const h = items.highlights.find((x) => x.start <= t && t <= x.end);
      if (h) onSelect("highlight", h.id);
    } else if (y >= ey && y <= ey + eh) {
      const e = items.episodes.find((x) => x.start <= t && t <= x.end);
      if (e) onSelect("episode", e.id);
    }
  }

  return {
    view, COLORS, scoreColor, setView, zoom, follow,
    draw: drawTimeline,
    resize: resizeCanvas,
    setWave(peaks, rate) { wave = buildLevels(peaks, rate); drawTimeline(now()); },
  };
};

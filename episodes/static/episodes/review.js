// The review page: a player over the stream's clips, a zoomable timeline, the transcript and chat in sync,
// and keyboard triage of the proposals. Writes go to /api/review/ with the session's CSRF token.
"use strict";

(() => {
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const STREAM = data.stream.id;
  const DURATION = Math.max(0.001, data.stream.duration);
  const $ = (id) => document.getElementById(id);
  const video = $("player");

  const { fmt, escapeHtml, clamp, lastAtOrBefore, el, toast, api } = window.ReviewUtil;

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
  const timeline = window.ReviewTimeline($("timeline"), {
    duration: DURATION,
    lanes: data,
    getItems: () => items,
    isSelected: (kind, id) => isSelected(kind, id),
    now: () => now(),
    onSeek: (t) => seek(t),
    onSelect: (kind, id) => select(kind, id, false),
  });

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
    timeline.draw(now());
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
    timeline.draw(now());
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
  // Undo: accept and reject by reopening; trim, split and merge by restoring the "before" the server answered.
  const reopen = (id) => () => api("POST", `episodes/${id}/reopen/`);
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
      const done = await perform(`Accepted “${row.title}”`, () => api("POST", `episodes/${row.id}/accept/`), () => reopen(row.id));
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
      done = await perform(`Rejected “${row.title}”`, () => api("POST", `episodes/${row.id}/reject/`), () => reopen(row.id));
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
    await perform(`${edge === "start" ? "In" : "Out"} point at ${fmt(t, true)}`,
      () => api("POST", `episodes/${row.id}/trim/`, { [edge]: t }), (result) => restore(result.before));
  }
  async function split() {
    const row = selectedRow();
    if (!row || selected.kind !== "episode") return toast("Select an episode to split (N / P)");
    const t = Math.round(now() * 1000) / 1000;
    // Undo: the second part merges back into the first, which then gets its title and chapters back.
    await perform(`Split at ${fmt(t, true)}`, () => api("POST", `episodes/${row.id}/split/`, { at: t }),
      (result) => async () => {
        const [first, second] = result.episodes;
        await api("POST", `episodes/${first.id}/merge/`, { with: second.id });
        return restore(result.before)();
      });
  }
  async function merge() {
    const row = selectedRow();
    if (!row || selected.kind !== "episode") return toast("Select an episode to merge with the next");
    const later = items.episodes.filter((e) => e.start > row.start).sort((a, b) => a.start - b.start)[0];
    if (!later) return toast("No episode after this one to merge with", true);
    await perform(`Merged with “${later.title}”`, () => api("POST", `episodes/${row.id}/merge/`, { with: later.id }),
      (result) => async () => { await restore(result.before)(); await restore(result.removed)(); });
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
        kind === "highlight" ? el("span", { class: "score", style: `background:${row.source === "manual" ? timeline.COLORS.manual : timeline.scoreColor(row.score, maxScore)}` },
          row.source === "manual" ? "mark" : row.score.toFixed(2)) : null,
        title, el("span", { class: `badge status-${status}` }, status));
      const times = el("div", { class: "times" }, `${fmt(row.start, true)} – ${fmt(row.end, true)} · ${fmt(row.end - row.start)}`);
      const button = (text, handler, hint, enabled = true) =>
        el("button", { title: hint, disabled: !enabled, onclick: (event) => { event.stopPropagation(); handler(); } }, text);
      const actions = el("div", { class: "actions" });
      if (kind === "episode") {
        const proposed = status === "proposed";
        actions.append(
          button("Accept", accept, "A", proposed || status === "rejected"), button("Reject", reject, "X", proposed),
          button("In", () => trim("start"), "I: in point at the playhead"), button("Out", () => trim("end"), "O: out point at the playhead"),
          button("Split", split, "S: split at the playhead"), button("Merge ↓", merge, "G: merge with the next episode"),
          button("Rename", () => editTitle(title, row), "Rename"),
          button("Render", renderEpisode, "R: render this episode", !proposed && status !== "rejected"));
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
    if (!video.paused) timeline.follow(t);
    timeline.draw(t);
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
      "+": () => timeline.zoom(0.5), "=": () => timeline.zoom(0.5), "-": () => timeline.zoom(2), "0": () => timeline.setView(0, DURATION),
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
  $("zoom-in").addEventListener("click", () => timeline.zoom(0.5));
  $("zoom-out").addEventListener("click", () => timeline.zoom(2));
  $("zoom-fit").addEventListener("click", () => timeline.setView(0, DURATION));
  window.addEventListener("resize", timeline.resize);

  // Start: the lanes we have at once, then the waveform, transcript and chat in parallel.
  for (const run of data.runs) upsertRun(run);
  renderItems();
  timeline.resize();
  if (clips.length) showClip(0, 0);
  connect();
  const waveform = api("GET", `streams/${STREAM}/waveform/`).then((w) => timeline.setWave(w.peaks, w.per_second));
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
  window.review = { seek, now, select, items: () => items, view: timeline.view };
})();

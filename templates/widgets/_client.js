// Shared by the OBS page and the control page: the websocket with reconnect and server clock, and the renderers.
"use strict";

function formatDuration(seconds) {
  const total = Math.max(0, Math.ceil(seconds - 1e-6));
  const pad = (n) => String(n).padStart(2, "0");
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

// Seconds left on a countdown at server time `serverNow` (CONTRACTS.md §5): never from a local tick counter,
// so a page open for hours shows what the server would.
function countdownLeft(state, serverNow) {
  let left = Number(state.duration_left) || 0;
  if (state.enabled && state.last_tick_timestamp != null) {
    left -= Math.max(0, serverNow - state.last_tick_timestamp);
  }
  return Math.max(0, left);
}

class WidgetSocket {
  constructor(url, { onMessage, onStatus = () => {}, onOpen = () => {} }) {
    Object.assign(this, { url, onMessage, onStatus, onOpen });
    this.attempt = 0;
    this.samples = [];     // recent {rtt, offset} from PING/PONG
    this.offset = null;    // server clock minus this browser's clock, in seconds
    this.stopped = false;
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.pingSent = null;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus("connected");
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), 20000);
      this.onOpen();
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const now = Date.now() / 1000;
      if (message.type === "PONG") {
        this.pong(message, now);
      } else if (message.timestamp && this.samples.length === 0) {
        this.offset = message.timestamp - now;  // until a PING has measured the round trip
      }
      this.onMessage(message);
    };
    ws.onclose = (event) => this.dropped(ws, event.code);
  }

  dropped(ws, code) {
    if (ws !== this.ws) return;
    clearInterval(this.pingTimer);
    // 4401: bad credentials, 4403: token rotated or widget deleted; retrying cannot help.
    if (code === 4401 || code === 4403) {
      this.stopped = true;
      this.onStatus("closed");
      return;
    }
    const delay = Math.min(30000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.onStatus("reconnecting");
    setTimeout(() => this.connect(), delay);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  ping() {
    if (this.pingSent && !this.ponged) {
      // No answer to the last PING: the connection is dead without a close frame (laptop slept, NAT dropped it).
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close();
      this.pingSent = null;
      this.dropped(null, 1006);
      return;
    }
    this.pingSent = Date.now() / 1000;
    this.ponged = false;
    this.send({ type: "PING" });
  }

  pong(message, now) {
    this.ponged = true;
    const rtt = now - this.pingSent;
    this.samples = [...this.samples.slice(-4), { rtt, offset: message.timestamp - (this.pingSent + now) / 2 }];
    this.offset = this.samples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
  }

  serverNow() {
    return Date.now() / 1000 + (this.offset || 0);
  }
}

function element(parent, tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  parent.appendChild(node);
  return node;
}

// Renders one widget into `root`; `tick(serverNow)` repaints what changes with time.
class WidgetView {
  constructor(root) {
    this.root = root;
    this.widget = null;
  }

  setWidget(widget) {
    this.widget = widget;
    this.build();
  }

  setConfig(update) {
    if (!this.widget) return;
    Object.assign(this.widget, { config: update.config, title: update.title, active: update.active });
    this.build();
  }

  setState(state) {
    if (!this.widget) return;
    this.widget.state = state;
    this.paint();
  }

  build() {
    const { type, config } = this.widget;
    this.root.replaceChildren();
    this.root.className = `widget widget-${type}`;
    if (type === "countdown") {
      element(this.root, "div", "countdown-title").textContent = config.title || "";
      this.time = element(this.root, "div", "countdown-time");
      element(this.root, "div", "countdown-text").textContent = config.text || "";
    } else if (type === "text_overlay") {
      const style = config.style || {};
      this.root.dataset.position = style.position || "bottom";
      this.text = element(this.root, "div", "overlay-text");
      Object.assign(this.text.style, {
        color: style.color, background: style.background, fontFamily: style.font_family,
        fontSize: `${style.font_size}px`, fontWeight: style.font_weight, textShadow: style.text_shadow,
        textAlign: style.align,
      });
    } else if (type === "poll") {
      element(this.root, "div", "poll-question").textContent = config.question || "";
      this.options = (config.options || []).map((label, index) => {
        const row = element(this.root, "div", "poll-option");
        element(row, "span", "poll-label").textContent = `${index + 1}. ${label}`;
        const bar = element(element(row, "div", "poll-bar"), "div", "poll-fill");
        const count = element(row, "span", "poll-count");
        return { bar, count };
      });
      this.pollStatus = element(this.root, "div", "poll-status");
    }
    this.paint();
  }

  paint() {
    const { type, state, active } = this.widget;
    this.root.hidden = !active;
    if (type === "text_overlay") {
      this.text.textContent = state.text || "";
      this.text.classList.toggle("hidden", !state.visible);
    } else if (type === "poll") {
      const total = state.total || 0;
      this.options.forEach(({ bar, count }, index) => {
        const votes = (state.votes || [])[index] || 0;
        const share = total ? Math.round((100 * votes) / total) : 0;
        bar.style.width = `${share}%`;
        count.textContent = `${votes} (${share}%)`;
      });
      this.pollStatus.textContent = state.open ? "Vote in chat: !vote <number>" : "Poll closed";
    }
  }

  tick(serverNow) {
    if (this.widget && this.widget.type === "countdown") {
      const text = formatDuration(countdownLeft(this.widget.state, serverNow));
      if (this.time.textContent !== text) this.time.textContent = text;
    }
  }

  // Applies a server message to the view; returns true if it was about this widget.
  handle(message) {
    if (!this.widget && message.type !== "WIDGET_INITIAL_STATE") return false;
    if (message.type === "WIDGET_INITIAL_STATE") this.setWidget(message.widget);
    else if (message.widgetId !== this.widget.id) return false;
    else if (message.type === "WIDGET_STATE_UPDATE") this.setState(message.state);
    else if (message.type === "WIDGET_CONFIG_UPDATE") this.setConfig(message);
    else return false;
    return true;
  }
}

function socketUrl(query) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return `${scheme}${location.host}/ws/widgets/${query}`;
}

/* The explorer's play player: receives one play as a compact spec (the first frame's
 * plotly figure + one column of values per moved attribute) and animates every tracking
 * frame in the browser, so a play switch sends the play once and playback, seeking,
 * speed, trails and highlighting never wait for the server.
 *
 * Streamlit component protocol (v1), spoken directly: "componentReady" once, then a
 * "render" message per script run with the Python arguments; "setFrameHeight" back.
 */
(function () {
  "use strict";

  const gd = document.getElementById("plot");
  const ui = {
    play: document.getElementById("play"),
    speed: document.getElementById("speed"),
    slider: document.getElementById("slider"),
    label: document.getElementById("label"),
    jumps: document.getElementById("jumps"),
    trails: document.getElementById("trails"),
    follow: document.getElementById("follow"),
    focus: document.getElementById("focus"),
    focusName: document.getElementById("focus-name"),
    focusClear: document.getElementById("focus-clear"),
    hint: document.getElementById("hint"),
  };
  const TRAIL_FRAMES = 10; // one second of 10 Hz tracking
  const STILL = { frame: { duration: 0, redraw: false }, transition: { duration: 0 },
                  mode: "immediate" };

  let specText = null;
  let spec = null;
  let frames = [];        // frames[k] = update objects aligned with spec.traces
  let k = 0;
  let timer = null;
  let trailTrace = -1;    // index of the trails trace (appended to the figure)
  let pathTrace = -1;     // index of the highlighted player's path trace
  let focus = null;       // {trace, point}
  let positions = null;   // {trace: {x: [[...per frame]], y: [...]}}
  let ball = null;        // {trace, x: [[x] per frame], y: [...]}: the ball, for "follow ball"
  let clock = null;       // {trace, slot, x, y, color}: the time read-out, moved with the view
  let baseRanges = null;  // the field's axis ranges as the server sent them
  // until plotly.js has drawn the play: the sketch (preview.js) the controls drive, one
  // canvas redrawn per frame ({text, fig, base, width, canvas, hidden: trace indices})
  let sketchView = null;
  let sketched = null;    // {text, theme}: the spec on the sketch (live or about to be)

  // ---- the frame on screen: this player's k is the one source of truth. A new spec of the
  // same play (Explain, zoom, theme) keeps it; the page keeps a copy (the tab's window
  // outlives this frame, which a visit to another page removes) so the play comes back on
  // the same moment; the link carries it (rememberFrame) for a reload or a shared URL.
  function playKey(s) { return s ? s.game + "-" + s.play : null; }

  function memory() {
    try { return window.parent.__coverageFrame || null; } catch (e) { return null; }
  }

  function remember() {
    try {
      if (spec) window.parent.__coverageFrame = { play: playKey(spec), frame: spec.names[k] };
    } catch (e) { /* another origin: the link still carries the frame */ }
  }

  function send(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
  }

  function setPath(obj, path, value) {
    const parts = path.split(".");
    let o = obj;
    for (let i = 0; i < parts.length - 1; i++) {
      o = o[parts[i]] = o[parts[i]] || {};
    }
    o[parts[parts.length - 1]] = value;
  }

  function buildFrames() {
    const n = spec.names.length;
    const slot = new Map(spec.traces.map((t, j) => [t, j]));
    frames = [];
    for (let f = 0; f < n; f++) frames.push(spec.traces.map(() => ({})));
    positions = {};
    for (const col of spec.columns) {
      const j = slot.get(col.trace);
      if (!col.values) col.values = col.index.map((i) => col.unique[i]);  // deduplicated
      for (let f = 0; f < n; f++) setPath(frames[f][j], col.path, col.values[f]);
      if (ball && col.trace === ball.trace && (col.path === "x" || col.path === "y")) {
        ball[col.path] = col.values;
      }
      if ((spec.players || []).includes(col.trace) && (col.path === "x" || col.path === "y")) {
        positions[col.trace] = positions[col.trace] || {};
        positions[col.trace][col.path] = col.values;
      }
    }
  }

  function trailUpdate(f) {
    const xs = [], ys = [];
    if (ui.trails.checked) {
      for (const t of spec.players || []) {
        const p = positions[t];
        if (!p || !p.x) continue;
        const nPlayers = (p.x[f] || []).length;
        for (let i = 0; i < nPlayers; i++) {
          for (let g = Math.max(0, f - TRAIL_FRAMES); g <= f; g++) {
            xs.push(p.x[g][i]);
            ys.push(p.y[g][i]);
          }
          xs.push(null);
          ys.push(null);
        }
      }
    }
    return { x: xs, y: ys };
  }

  function show(f) {
    if (!spec || !frames.length || (!sketchView && !window.Plotly)) return;
    k = Math.max(0, Math.min(frames.length - 1, f));
    if (sketchView) {
      sketchFrame(k);
      ui.slider.value = String(k);
      ui.label.textContent = spec.labels[k] || "";
      remember();
      return;
    }
    const data = frames[k].slice();
    const traces = spec.traces.slice();
    if (trailTrace >= 0) {
      data.push(trailUpdate(k));
      traces.push(trailTrace);
    }
    const frame = { data: data, traces: traces };
    const win = ui.follow.checked ? followWindow(k) : null;
    if (win) {
      frame.layout = { xaxis: { range: win.x }, yaxis: { range: win.y } };
      if (clock) {  // the time read-out stays in the view's corner
        data[clock.slot] = Object.assign({}, data[clock.slot],
                                         { x: [win.x[0] + 0.6], y: [win.y[1] - 1.2] });
      }
    }
    Plotly.animate(gd, frame, STILL);
    ui.slider.value = String(k);
    ui.label.textContent = spec.labels[k] || "";
    remember();
  }

  // ---- follow the ball: a fixed window (the zoom to the box's size) centred on the ball,
  // moved with it every frame; off: back to the view the server sent
  function ballAt(f) {
    if (!ball || !ball.x || !ball.y) return null;
    for (let g = Math.min(f, ball.x.length - 1); g >= 0; g--) {
      const x = ball.x[g] && ball.x[g][0], y = ball.y[g] && ball.y[g][0];
      if (typeof x === "number" && typeof y === "number" && isFinite(x) && isFinite(y)) return [x, y];
    }
    return null;
  }

  function followWindow(f) {
    const b = ballAt(f);
    if (!b) return null;
    // the field's full extent and the zoomed window's height: the server's
    // (coverage.views.field.field_extent), so the followed window matches its zoom
    const fx = spec.field.x, fy = spec.field.y, h = spec.field.zoom_yd;
    const w = h * (fx[1] - fx[0]) / (fy[1] - fy[0]);
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    const x0 = clamp(b[0] - w / 2, fx[0], fx[1] - w);
    const y0 = clamp(b[1] - h / 2, fy[0], fy[1] - h);
    return { x: [x0, x0 + w], y: [y0, y0 + h] };
  }

  function setFollow() {
    if (!spec) return;
    if (sketchView) { show(k); return; }
    if (clock) Plotly.restyle(gd, { "textfont.color": ui.follow.checked ? "white" : clock.color },
                              [clock.trace]);
    if (ui.follow.checked) { show(k); return; }
    if (baseRanges) {
      Plotly.relayout(gd, { "xaxis.range": baseRanges.x.slice(), "yaxis.range": baseRanges.y.slice() });
    }
    if (clock) Plotly.restyle(gd, { x: [clock.x], y: [clock.y] }, [clock.trace]);
  }

  function schedule() {
    clearTimeout(timer);
    const speed = parseFloat(ui.speed.value) || 1;
    timer = setTimeout(tick, (spec.frame_ms || 100) / speed);
  }

  function tick() {
    if (k >= frames.length - 1) { pause(); return; }
    show(k + 1);
    schedule();
  }

  function play() {
    if (!spec || frames.length < 2) return;
    if (k >= frames.length - 1) show(0);
    ui.play.textContent = "❚❚ Pause";
    ui.play.dataset.playing = "1";
    schedule();
  }

  function pause() {
    clearTimeout(timer);
    timer = null;
    ui.play.textContent = "▶ Play";
    delete ui.play.dataset.playing;
    rememberFrame();
  }

  function toggle() { if (timer) pause(); else play(); }

  function seek(f) { pause(); show(f); rememberFrame(); }

  // the frame joins the page's link, so a shared URL opens on the same moment
  function rememberFrame() {
    try {
      const loc = window.parent.location;
      const params = new URLSearchParams(loc.search);
      if (!spec || params.get("game") !== String(spec.game) ||
          params.get("play") !== String(spec.play)) return;
      if (k > 0) params.set("frame", spec.names[k]); else params.delete("frame");
      window.parent.history.replaceState(window.parent.history.state, "",
                                         loc.pathname + "?" + params.toString() + loc.hash);
    } catch (e) { /* another origin: no deep link, nothing else lost */ }
  }

  function pressParent(key) {
    try {
      const b = window.parent.document.querySelector(".st-key-" + key + " button");
      if (b) { b.click(); return true; }
    } catch (e) { /* not reachable */ }
    return false;
  }

  function handleKey(key) {
    if (key === " ") { toggle(); return true; }
    if (key === "ArrowRight") { seek(k + 1); return true; }
    if (key === "ArrowLeft") { seek(k - 1); return true; }
    if (key === "Home") { seek(0); return true; }
    if (key === "End") { seek(frames.length - 1); return true; }
    if (key === "f") { ui.follow.checked = !ui.follow.checked; setFollow(); return true; }
    if (key === "j") return pressParent("next_play");
    if (key === "k") return pressParent("prev_play");
    return false;
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const tag = (e.target && e.target.tagName || "").toLowerCase();
    if (tag === "select" || (tag === "input" && e.target.type !== "checkbox" &&
                             e.target.type !== "range")) return;
    if (handleKey(e.key)) e.preventDefault();
  });

  function jumpButtons(s) {
    ui.jumps.replaceChildren();
    for (const ev of s.events || []) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = ev.label;
      b.title = "Jump to " + ev.label + " (" + (s.labels[ev.k] || "") + ")";
      b.addEventListener("click", () => seek(ev.k));
      ui.jumps.appendChild(b);
    }
  }

  function pointName(trace, point) {
    const t = gd.data[trace];
    const text = (t.hovertext && t.hovertext[point]) || (t.text && t.text[point]) || "";
    return String(text).split("<br>")[0];
  }

  function applyFocus() {
    const players = spec.players || [];
    const update = { "marker.opacity": players.map((t) => {
      const n = (gd.data[t].x || []).length;
      return Array.from({ length: n }, (_, i) =>
        !focus ? 1 : (t === focus.trace && i === focus.point ? 1 : 0.35));
    }) };
    Plotly.restyle(gd, update, players);
    if (pathTrace >= 0) {
      const p = focus && positions[focus.trace];
      const xs = p ? p.x.map((row) => row[focus.point]) : [];
      const ys = p ? p.y.map((row) => row[focus.point]) : [];
      Plotly.restyle(gd, { x: [xs], y: [ys] }, [pathTrace]);
    }
    focusUI();
  }

  function focusUI() {
    ui.focus.hidden = !focus;
    ui.hint.hidden = !!focus;
    ui.focusName.textContent = focus ? "following " + pointName(focus.trace, focus.point) : "";
  }

  function onClick(ev) {
    const pt = ev && ev.points && ev.points[0];
    if (!pt) return;
    const trace = pt.curveNumber;
    if ((spec.players || []).includes(trace)) {
      const same = focus && focus.trace === trace && focus.point === pt.pointNumber;
      focus = same ? null : { trace: trace, point: pt.pointNumber };
      applyFocus();
    } else if (pt.xaxis && pt.xaxis._id === "x2" && spec.secs) {
      let best = 0;
      for (let i = 1; i < spec.secs.length; i++) {
        if (Math.abs(spec.secs[i] - pt.x) < Math.abs(spec.secs[best] - pt.x)) best = i;
      }
      seek(best);
    }
  }

  function drawTitle(t) {
    // text only: play descriptions come from the data files
    document.getElementById("title").hidden = !t;
    if (!t) return;
    document.getElementById("badge").hidden = !t.synthetic;
    document.getElementById("title-text").textContent = t.title || "";
    document.getElementById("subtitle").textContent = t.subtitle || "";
  }

  function drawLegend(s, hidden) {
    const box = document.getElementById("legend");
    box.replaceChildren();
    const legend = s.legend || { items: [] };
    if (legend.title) {
      const t = document.createElement("span");
      t.className = "title";
      t.textContent = legend.title;
      box.appendChild(t);
    }
    for (const it of legend.items) {
      const item = document.createElement("span");
      item.className = "item";
      item.dataset.trace = String(it.trace);
      const swatch = document.createElement("span");
      swatch.className = it.kind === "line" ? "line" : (it.symbol === "diamond" ? "diamond" : "dot");
      swatch.style.background = it.color;
      if (it.outline) swatch.style.border = "2px solid " + it.outline;
      const label = document.createElement("span");
      label.textContent = it.name;
      item.append(swatch, label);
      item.title = "Hide or show " + it.name;
      if (hidden && hidden.has(it.trace)) item.classList.add("off");
      item.addEventListener("click", () => {
        const off = !item.classList.contains("off");
        item.classList.toggle("off", off);
        if (sketchView || !window.Plotly) {  // the sketch's (live or about to be)
          if (off) hidden.add(it.trace); else hidden.delete(it.trace);
          if (sketchView) show(k);
          return;
        }
        Plotly.restyle(gd, { visible: off ? false : true }, [it.trace]);
      });
      box.appendChild(item);
    }
  }

  function themeColors(theme) {
    if (!theme) return;
    const root = document.documentElement.style;
    if (theme.textColor) root.setProperty("--text", theme.textColor);
    if (theme.secondaryBackgroundColor) root.setProperty("--panel", theme.secondaryBackgroundColor);
    if (theme.primaryColor) root.setProperty("--accent", theme.primaryColor);
    root.setProperty("--line", theme.base === "dark" ? "#3b3f4b" : "#d5d7de");
    root.setProperty("--badge", theme.base === "dark" ? "#ff6b6b" : "#D00000");
  }

  // ---- the page's dark theme, applied here: the server cannot know the theme on its first
  // run, and a switch of theme must not wait for one (mirrors coverage/views/theme.py)
  const DARK_INKS = new Set(["#222", "#222222", "#333", "#333333", "#444", "#444444", "#555",
    "#555555", "#666", "#666666", "#888", "#888888", "black", "#000", "#000000", "#2c3e50"]);
  const PANEL = "#1A1D26", GRID = "#343842";

  function rgbOf(hex) {
    let c = hex.replace("#", "");
    if (c.length === 3) c = c.split("").map((ch) => ch + ch).join("");
    return [0, 2, 4].map((i) => parseInt(c.slice(i, i + 2), 16));
  }
  function luminance(rgb) {
    const lin = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  }
  function readable(color, bg, text) {
    if (typeof color !== "string") return color;
    if (DARK_INKS.has(color.toLowerCase())) return text;
    if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color)) return color;
    const rgb = rgbOf(color), lb = luminance(rgbOf(bg));
    for (let step = 0; step <= 10; step++) {
      const t = step / 10;
      const mixed = rgb.map((v) => Math.round(v + (255 - v) * t));
      if ((luminance(mixed) + 0.05) / (lb + 0.05) >= 4.5) {
        return "#" + mixed.map((v) => v.toString(16).padStart(2, "0")).join("");
      }
    }
    return "#ffffff";
  }

  function darken(fig, theme) {
    const L = fig.layout;
    const bg = /^#[0-9a-f]{6}$/i.test(theme.backgroundColor || "") ? theme.backgroundColor : "#0E1117";
    const text = readable(theme.textColor || "#FAFAFA", bg, "#E6E6E6");
    L.paper_bgcolor = bg;
    L.plot_bgcolor = PANEL;
    L.font = Object.assign({}, L.font, { color: text });
    if (L.title) {
      L.title.font = Object.assign({}, L.title.font, { color: text });
      if (typeof L.title.text === "string") {
        L.title.text = L.title.text.replace(/color:\s*(#[0-9a-f]{3,6})/gi,
                                            (m, c) => "color:" + readable(c, bg, text));
      }
    }
    for (const k of Object.keys(L)) {
      if (/^[xy]axis\d*$/.test(k)) {
        Object.assign(L[k], { color: text, gridcolor: GRID, linecolor: GRID, zerolinecolor: GRID });
      }
    }
    L.hoverlabel = { bgcolor: PANEL, font: { color: text } };
    for (const a of L.annotations || []) {
      a.font = Object.assign({}, a.font, { color: a.font && a.font.color ? readable(a.font.color, bg, text) : text });
    }
    for (const t of fig.data) {
      if (t.textfont && typeof t.textfont.color === "string" && t.name === "clock") {
        t.textfont.color = readable(t.textfont.color, bg, text);
      }
    }
  }

  function extraTraces(fig) {
    const xa = "x", ya = "y";
    fig.data.push({ type: "scatter", mode: "lines", name: "trails", x: [], y: [],
                    line: { color: "rgba(255,255,255,0.55)", width: 1.5 },
                    hoverinfo: "skip", showlegend: false, xaxis: xa, yaxis: ya });
    trailTrace = fig.data.length - 1;
    fig.data.push({ type: "scatter", mode: "lines", name: "path", x: [], y: [],
                    line: { color: "rgba(255,230,0,0.95)", width: 2.5 },
                    hoverinfo: "skip", showlegend: false, xaxis: xa, yaxis: ya });
    pathTrace = fig.data.length - 1;
  }

  let themeBase = "light";
  let lastTheme = null;
  let drawn = [];  // the traces on screen, with their JSON text: kept where a new play repeats them

  // The field's lines and numbers are the same on every play: handing plotly the very objects
  // it already draws lets Plotly.react skip recomputing them on a play switch.
  // Animated traces are never reused: Plotly.animate moves their objects in place, so one
  // would bring the old play's (or the old spec's) frame back onto the field.
  function reuseUnchanged(data, moved) {
    const texts = data.map((t) => JSON.stringify(t));
    const out = data.map((t, i) => (drawn[i] && !drawn[i].moved && drawn[i].text === texts[i]
      ? drawn[i].trace : t));
    drawn = out.map((t, i) => ({ trace: t, text: texts[i], moved: moved.has(i) }));
    return out;
  }

  // Between the field and the curve sit the curve's tick labels and its "P(man)" title; the
  // figure's gap is a fraction of the width, which at 1024 px left them running over the end
  // zone. So on a narrow screen the field and the curve each give up half of what is missing.
  const AXIS_GAP_PX = 58;
  let columnsBase = null;  // the field's and the curve's x domains as the server sent them

  function columnDomains(layout, width) {
    if (!columnsBase) return null;
    const [field, curve] = columnsBase;
    const m = layout.margin || {};
    const plot = width - (m.l || 0) - (m.r || 0);
    if (!(plot > 0)) return null;
    const short = Math.max(0, AXIS_GAP_PX / plot - (curve[0] - field[1])) / 2;
    return [[field[0], field[1] - short], [curve[0] + short, curve[1]]];
  }

  function fitColumns(layout, width) {
    const xa = layout.xaxis, xb = layout.xaxis2;
    columnsBase = xa && xb && xa.domain && xb.domain ? [xa.domain.slice(), xb.domain.slice()] : null;
    const d = columnDomains(layout, width);
    if (d) [xa.domain, xb.domain] = d;
  }

  // The field keeps square yards, so on a laptop screen its column is wider than tall and
  // the plot held ~70 px of empty margin above and below it, which pushed the play controls
  // under the fold at 1366x768. The plot is as tall as the field needs, between MIN_PLOT_PX
  // (the curve stays readable) and the height the server asked for.
  const MIN_PLOT_PX = 330;
  let mostHeight = null;  // the server's height for the plot

  // The page above the player and the player's own title, legend and bar leave the plot
  // this much of the browser's window: the Play bar stays above the fold on a laptop.
  const MIN_FIT_PX = 240;
  function viewportRoom() {
    try {
      const f = window.frameElement, P = window.parent;
      if (!f) return Infinity;
      let top = f.getBoundingClientRect().top;
      for (let e = f.parentElement; e; e = e.parentElement) top += e.scrollTop || 0;
      const h = (id, least) => Math.max(least, (document.getElementById(id) || {}).offsetHeight || 0);
      const room = P.innerHeight - top - h("title", 40) - h("legend", 20) - h("bar", 30) - 10;
      return room > 0 ? Math.max(MIN_FIT_PX, Math.round(room)) : Infinity;
    } catch (e) { return Infinity; }  // another origin: the server's height
  }

  function fitHeight(layout, width, serverMost) {
    mostHeight = serverMost;
    const most = Math.min(serverMost, viewportRoom());
    const xa = layout.xaxis, ya = layout.yaxis, m = layout.margin || {};
    if (!xa || !ya || !xa.range || !ya.range || !xa.domain || ya.scaleanchor !== "x") return most;
    const fieldPx = (xa.domain[1] - xa.domain[0]) * (width - (m.l || 0) - (m.r || 0));
    const yd = ya.domain || [0, 1];
    const need = fieldPx * Math.abs(ya.range[1] - ya.range[0]) / Math.abs(xa.range[1] - xa.range[0])
      / (yd[1] - yd[0]) + (m.t || 0) + (m.b || 0);
    if (!(need > 0)) return most;
    return Math.round(Math.max(Math.min(MIN_PLOT_PX, most), Math.min(most, need)));
  }

  // the server's figure fitted to the frame's width: columns, then height
  function fitPlot(layout, width, most) {
    fitColumns(layout, width);
    layout.height = fitHeight(layout, width, most);
  }

  // a resize while plotly.js is still loading (the sidebar closing on a narrow screen's
  // first load, coverage/app/layout.py) is applied once the plot is up: the plot was fitted
  // to the frame's old width
  function refit(tries) {
    if (!window.Plotly || !gd.layout || !gd.layout.xaxis) {
      if (tries > 0) setTimeout(() => refit(tries - 1), 150);
      return;
    }
    const d = columnDomains(gd.layout, gd.clientWidth);
    const update = {};
    if (d && Math.abs(d[0][1] - (gd.layout.xaxis.domain || [])[1]) > 1e-4) {
      update["xaxis.domain"] = d[0];
      update["xaxis2.domain"] = d[1];
    }
    const fitted = { xaxis: Object.assign({}, gd.layout.xaxis, d ? { domain: d[0] } : {}),
                     yaxis: gd.layout.yaxis, margin: gd.layout.margin };
    const height = mostHeight ? fitHeight(fitted, gd.clientWidth, mostHeight) : null;
    if (height && height !== gd.layout.height) update.height = height;
    // plotly keeps the width it first laid out until told (no `responsive` config)
    const full = gd._fullLayout && gd._fullLayout.width;
    if (full && gd.clientWidth && Math.abs(full - gd.clientWidth) > 1) update.width = gd.clientWidth;
    if (Object.keys(update).length) {
      Plotly.relayout(gd, update).then(() =>
        send("streamlit:setFrameHeight", { height: document.body.scrollHeight }));
    }
  }
  window.addEventListener("resize", () => refit(40));

  // the figure's ball (follow ball), clock (moved with the view) and the field's view
  function bindFigure(fig) {
    const named = (name) => fig.data.findIndex((t) => t.name === name);
    const ballTrace = named("ball"), clockTrace = named("clock");
    ball = ballTrace >= 0 ? { trace: ballTrace } : null;
    const ct = clockTrace >= 0 ? fig.data[clockTrace] : null;
    clock = ct && spec.traces.includes(clockTrace) ? {
      trace: clockTrace, slot: spec.traces.indexOf(clockTrace), x: ct.x, y: ct.y,
      color: (ct.textfont && ct.textfont.color) || null } : null;
    const xa = fig.layout.xaxis || {}, ya = fig.layout.yaxis || {};
    baseRanges = xa.range && ya.range ? { x: xa.range.slice(), y: ya.range.slice() } : null;
  }

  // a trace with a frame's update applied (the update's nested objects merged, its
  // arrays and values replacing), as Plotly.animate applies it
  function merged(base, update) {
    const out = Object.assign({}, base);
    for (const key of Object.keys(update)) {
      const v = update[key];
      out[key] = v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
        ? merged(base && typeof base[key] === "object" ? base[key] : {}, v) : v;
    }
    return out;
  }

  // frame f on the sketch's canvas: the moved traces, trails, the followed window
  function sketchFrame(f) {
    const v = sketchView, data = v.base.slice();
    spec.traces.forEach((t, j) => { data[t] = merged(v.base[t], frames[f][j]); });
    for (const t of v.hidden) if (data[t]) data[t] = Object.assign({}, data[t], { visible: false });
    if (ui.trails.checked) {
      data.push(Object.assign(trailUpdate(f), { type: "scatter", mode: "lines",
        line: { color: "rgba(255,255,255,0.55)", width: 1.5 }, xaxis: "x", yaxis: "y" }));
    }
    let layout = v.fig.layout;
    const win = ui.follow.checked ? followWindow(f) : null;
    if (win) {
      layout = Object.assign({}, layout, {
        xaxis: Object.assign({}, layout.xaxis, { range: win.x }),
        yaxis: Object.assign({}, layout.yaxis, { range: win.y }) });
      if (clock) {
        data[clock.trace] = Object.assign({}, data[clock.trace], {
          x: [win.x[0] + 0.6], y: [win.y[1] - 1.2],
          textfont: Object.assign({}, data[clock.trace].textfont, { color: "white" }) });
      }
    }
    window.coveragePreview.draw({ data: data, layout: layout }, v.width, v.canvas);
  }

  // the sketched play's controls live: play, pause, speed, the slider, the event jumps, the
  // keys, trails, follow ball, the legend and a click on the curve work on the sketch, so
  // the analyst can watch the play before plotly.js has come (hover and a click on a
  // player wait for it)
  function liven(next, args, theme, fig, width, canvas, hidden) {
    if (plotlyState === "ready" || !canvas.isConnected) return;  // plotly or a newer play
    const start = startFrame(next, args);
    pause();
    spec = next;
    bindFigure(fig);
    buildFrames();
    sketchView = { text: args.spec, theme: theme, spec: next, fig: fig, base: fig.data.slice(),
                   width: width, canvas: canvas, hidden: hidden };
    canvas.addEventListener("click", (e) => {
      if (sketchView === null || sketchView.canvas !== canvas || !spec.secs) return;
      const s = window.coveragePreview.valueAt(fig, width, e.offsetX, e.offsetY, "x2");
      if (s == null) return;
      let best = 0;
      for (let i = 1; i < spec.secs.length; i++) {
        if (Math.abs(spec.secs[i] - s) < Math.abs(spec.secs[best] - s)) best = i;
      }
      seek(best);
    });
    ui.slider.max = String(Math.max(0, spec.names.length - 1));
    k = 0;
    if (start > 0 || ui.trails.checked || ui.follow.checked || hidden.size) show(start); else {
      ui.slider.value = "0";
      ui.label.textContent = spec.labels[0] || "";
      remember();
    }
    document.body.dataset.play = spec.game + "-" + spec.play;
    document.body.dataset.frames = String(spec.names.length);
    if (!document.body.dataset.live) {
      document.body.dataset.live = String(performance.timeOrigin + performance.now());
    }
    send("streamlit:setFrameHeight", { height: document.body.scrollHeight });
  }

  // the frame a new spec opens on: the one on screen for a new spec of the same play, else
  // the tab's copy for this play (back from another page), else the link's, else the first
  function startFrame(next, args) {
    const names = next.names.map(String);
    const tries = [];
    if (spec && playKey(spec) === playKey(next)) tries.push(spec.names[k]);
    const m = memory();
    if (m && m.play === playKey(next)) tries.push(m.frame);
    if (args.start != null) tries.push(args.start);
    for (const name of tries) {
      const i = names.indexOf(String(name));
      if (i >= 0) return i;
    }
    return 0;
  }

  function load(args, parsed) {
    const next = parsed || JSON.parse(args.spec);
    const start = startFrame(next, args);
    // plotly's figure takes over from the sketch of the same play: the legend items hidden
    // there stay hidden, and a playback started there goes on
    const handoff = sketchView && playKey(sketchView.spec) === playKey(next) ? sketchView : null;
    const resume = !!(handoff && timer);
    spec = next;
    specText = args.spec;
    pause();
    sketchView = null;
    const fig = spec.figure;
    fitPlot(fig.layout, gd.clientWidth || document.body.clientWidth,
            args.height || fig.layout.height || 560);
    if (themeBase === "dark") darken(fig, lastTheme || {});
    const hidden = handoff ? handoff.hidden : new Set();
    for (const t of hidden) if (fig.data[t]) fig.data[t].visible = false;
    extraTraces(fig);
    bindFigure(fig);
    buildFrames();
    focus = null;
    drawTitle(spec.title);
    const t0 = performance.now();
    const sketch = document.getElementById("preview");
    if (sketch) sketch.remove();  // in the same task as the draw below: no blank frame
    return Plotly.react(gd, reuseUnchanged(fig.data, new Set(spec.traces)), fig.layout,
                        { displaylogo: false, responsive: true, scrollZoom: false })
      .then(() => {
        if (!gd.__coverageClick) {
          gd.on("plotly_click", onClick);
          gd.__coverageClick = true;
        }
        ui.slider.max = String(Math.max(0, spec.names.length - 1));
        jumpButtons(spec);
        drawLegend(spec, hidden);
        focusUI();  // the new traces are drawn unfocused: no restyle needed
        if (ui.follow.checked && clock) {
          Plotly.restyle(gd, { "textfont.color": "white" }, [clock.trace]);
        }
        if (start > 0 || ui.trails.checked || ui.follow.checked) {
          show(start);
        } else {  // the figure already is the first frame
          k = 0;
          ui.slider.value = "0";
          ui.label.textContent = spec.labels[0] || "";
          remember();
        }
        if (resume) play();
        rememberFrame();
        document.body.dataset.play = spec.game + "-" + spec.play;
        document.body.dataset.frames = String(spec.names.length);
        document.body.dataset.drawn = String(performance.timeOrigin + performance.now());
        if (!document.body.dataset.painted) document.body.dataset.painted = document.body.dataset.drawn;
        document.body.dataset.reactMs = String(Math.round(performance.now() - t0));
        // a counter the browser tests and benchmarks wait on: one per play drawn
        document.body.dataset.renders = String((parseInt(document.body.dataset.renders || "0", 10)) + 1);
        send("streamlit:setFrameHeight", { height: document.body.scrollHeight });
        announce();
      })
      .catch((err) => { announce(); throw err; });
  }


  // ---- the next / previous play, fetched ahead (published by the server: spec_cache.py) and
  // drawn the moment the page's ▶ / ◀ is pressed; the rerun that the button also starts
  // brings the same spec, which is then left alone (and the picker and the link catch up)
  let nav = {};           // "next" / "prev" -> {url, text, parsed}
  let lastHeight = null;
  const NAV_RETRY_MS = 300, NAV_TRIES = 100;

  function setNav(urls) {
    // a JSON text (play_player.py: a dict argument makes Streamlit import pandas)
    urls = (typeof urls === "string" ? JSON.parse(urls) : urls) || {};
    const fresh = {};
    for (const dir of ["next", "prev"]) {
      const url = urls[dir];
      if (!url) continue;
      fresh[dir] = nav[dir] && nav[dir].url === url ? nav[dir] : { url: url, text: null };
    }
    nav = fresh;
    for (const dir of Object.keys(nav)) {
      const entry = nav[dir];
      if (entry.text != null || entry.fetching) continue;
      entry.fetching = true;
      fetchAhead(dir, entry, 0);
    }
  }

  function fetchAhead(dir, entry, tries) {
    // the server builds it after this rerun: the first tries may find nothing yet
    setTimeout(function () {
      if (nav[dir] !== entry) return;
      fetch(entry.url).then((r) => (r.ok ? r.text() : null)).catch(() => null).then((text) => {
        if (nav[dir] !== entry) return;
        if (text == null) {
          if (tries + 1 < NAV_TRIES) fetchAhead(dir, entry, tries + 1);
          return;
        }
        try {
          entry.parsed = JSON.parse(text);
          entry.text = text;
        } catch (e) { /* a broken file: the button's rerun draws the play */ }
      });
    }, tries === 0 ? 50 : NAV_RETRY_MS);
  }

  function drawAhead(dir) {
    const entry = nav[dir];
    if (!entry || entry.text == null || entry.text === specText) return false;
    nav = {};  // the rerun names the new neighbours
    document.body.dataset.received = String(performance.timeOrigin + performance.now());
    document.body.dataset.early = String((parseInt(document.body.dataset.early || "0", 10)) + 1);
    load({ spec: entry.text, height: lastHeight, start: null }, entry.parsed);
    return true;
  }

  function watchButtons() {
    // the page's ◀ / ▶ (and j / k, which press them): a capture listener on the page, so it
    // runs before Streamlit's own; the draw waits a tick so the rerun request goes out first
    try {
      const doc = window.parent.document;
      if (doc.__coveragePlayerNav) doc.removeEventListener("click", doc.__coveragePlayerNav, true);
      const handler = function (e) {
        try {
          const el = e.target && e.target.closest &&
            e.target.closest(".st-key-next_play, .st-key-prev_play");
          if (!el || !document.body.isConnected) return;
          const dir = el.classList.contains("st-key-next_play") ? "next" : "prev";
          if (rendered) {
            // counted here, not by the button: Streamlit merges clicks of one button that
            // arrive while a run is pending, and fast j / k presses were lost that way
            e.stopPropagation();
            e.preventDefault();
            steps += dir === "next" ? 1 : -1;
            document.body.dataset.steps = String(steps);
            reply();
          }
          setTimeout(() => drawAhead(dir), 0);
        } catch (err) { /* a frame that is gone: the rerun draws the play */ }
      };
      doc.addEventListener("click", handler, true);
      doc.__coveragePlayerNav = handler;
    } catch (e) { /* another origin: the buttons rerun as before */ }
  }

  ui.play.addEventListener("click", toggle);
  ui.slider.addEventListener("input", () => seek(parseInt(ui.slider.value, 10)));
  ui.speed.addEventListener("change", () => { if (timer) schedule(); });
  ui.trails.addEventListener("change", () => show(k));
  ui.follow.addEventListener("change", setFollow);
  ui.focusClear.addEventListener("click", () => { focus = null; applyFocus(); });
  window.addEventListener("resize", () => send("streamlit:setFrameHeight", { height: document.body.scrollHeight }));

  let lastSeq = null;     // the server run the last arguments came from

  // ---- plotly.js is run only after the play's first frame is on screen: its 1.2 MB are
  // compiled on the page's one main thread, which would hold the first draw back by about a
  // second (index.html preloads it meanwhile). Until then the frame is a canvas drawn from
  // the same figure (preview.js), whose controls work once its frames are unpacked (liven).
  let plotlyState = "none";  // none -> loading -> ready
  let waiting = null;        // the newest render message that came before plotly

  // once, when the first play is up (drawn, or sketched and plotly.js failed to come):
  // the explorer sends the rest of its page (the play list) only then, so on a first load
  // the browser draws the play before the list's grid (play_player.py)
  let announced = false;
  const ANNOUNCE_LATEST_MS = 6000;
  function announce() {
    if (announced) return;
    announced = true;
    reply();
  }

  // The player's one value: whether its first play is drawn, and a running count of the
  // ◀ / ▶ steps asked for here (j / k press those buttons). A count, not a click: of values
  // sent while a run is pending the server keeps the last, which still holds every step.
  // ``id`` names this frame, whose count starts at 0 (play_player.pending_steps).
  const playerId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  let steps = 0;
  let rendered = false;  // a render message came: Streamlit takes this frame's values
  // One value in flight at a time: a value sent while the run answering the last one (or
  // the page run it announces, ``settling``) was under way left the browser on an older
  // play, or with a run that never ended, while the server had the right one. Steps
  // counted meanwhile go in the next value; a run that never answers is given up on.
  const ANSWER_LATEST_MS = 5000;
  let inflight = 0;      // when the value awaiting its run was sent (0: none)
  let owed = false;      // a newer value waits for that run
  let answerSeq = null;  // the newest run arguments seen
  function reply() {
    if (inflight && performance.now() - inflight < ANSWER_LATEST_MS) { owed = true; return; }
    owed = false;
    inflight = performance.now();
    const sent = inflight;
    setTimeout(() => { if (inflight === sent) { inflight = 0; if (owed) reply(); } },
               ANSWER_LATEST_MS);
    send("streamlit:setComponentValue",
         { value: { drawn: announced, id: playerId, steps: steps }, dataType: "json" });
  }
  function answered(args) {
    // a new run's arguments (not a re-send of the last ones); a settling run is followed
    // by the page's own, which answers in its place
    if (args.seq == null || args.seq === answerSeq) return;
    answerSeq = args.seq;
    if (args.settling) return;
    inflight = 0;
    if (owed) reply();
  }

  function addScript(src, fallback) {
    const el = document.createElement("script");
    el.src = src;
    el.async = true;
    const failed = () => (fallback ? addScript(fallback, null) : announce());
    el.onload = () => (window.Plotly ? plotlyLoaded() : failed());
    el.onerror = failed;
    document.head.appendChild(el);
  }

  function startPlotly() {
    if (plotlyState !== "none") return;
    plotlyState = "loading";
    // the app's static route first (the browser may keep it: play_player.publish_static),
    // else the component's own copy; after the next paint, so the sketch shows first
    requestAnimationFrame(() => setTimeout(() => addScript("../../app/static/plotly-basic.min.js",
                                                           "plotly-basic.min.js"), 0));
  }

  function plotlyLoaded() {
    plotlyState = "ready";
    document.body.dataset.plotly = String(performance.timeOrigin + performance.now());
    if (waiting) {
      const msg = waiting;
      waiting = null;
      onRender(msg);
    }
  }

  function sketch(msg) {
    const args = msg.args || {};
    if (!args.spec || !window.coveragePreview) return;
    try {
      const next = JSON.parse(args.spec);
      const fig = next.figure;
      const theme = (msg.theme && msg.theme.base) || "light";
      if (theme === "dark") darken(fig, msg.theme || {});
      const width = gd.clientWidth || document.body.clientWidth;
      fitPlot(fig.layout, width, args.height || fig.layout.height || 560);
      const canvas = window.coveragePreview.draw(fig, width);
      canvas.id = "preview";
      canvas.setAttribute("aria-hidden", "true");
      if (sketchView) { pause(); sketchView = null; }  // the controls wait for its frames
      sketched = { text: args.spec, theme: theme };
      gd.replaceChildren(canvas);
      // the whole player at the paint: its legend and jumps coming later moved the bar
      const hidden = new Set();
      drawTitle(next.title);
      drawLegend(next, hidden);
      jumpButtons(next);
      send("streamlit:setFrameHeight", { height: document.body.scrollHeight });
      if (!document.body.dataset.painted) {
        document.body.dataset.painted = String(performance.timeOrigin + performance.now());
      }
      // the frames are unpacked after the paint, so the first frame shows first
      requestAnimationFrame(() => setTimeout(() => {
        try { liven(next, args, theme, fig, width, canvas, hidden); } catch (e) { sketchView = null; }
      }, 0));
    } catch (e) { /* the interactive figure follows */ }
  }

  window.addEventListener("message", function (event) {
    const msg = event.data;
    if (!msg || msg.type !== "streamlit:render") return;
    rendered = true;
    answered(msg.args || {});
    if (!announced) setTimeout(announce, ANNOUNCE_LATEST_MS);  // whatever happens to the draw
    if (plotlyState !== "ready") {
      themeColors(msg.theme);
      waiting = msg;
      const base = (msg.theme && msg.theme.base) || "light";
      // the same play and theme again (Streamlit re-sends a run's arguments): the sketch
      // on screen, and the frame the analyst is on, stay
      if (sketched && sketched.text === (msg.args || {}).spec && base === sketched.theme) {
        return;
      }
      sketch(msg);
      startPlotly();
      return;
    }
    onRender(msg);
  });

  function onRender(msg) {
    themeColors(msg.theme);
    const args = msg.args || {};
    const base = (msg.theme && msg.theme.base) || "light";
    lastTheme = msg.theme || null;
    lastHeight = args.height || lastHeight;
    // Streamlit also re-sends the arguments of the last run (a rerun starting, a resize):
    // those must not undo a play drawn ahead of its rerun, only a theme change counts then
    const fresh = args.seq == null || args.seq !== lastSeq;
    lastSeq = args.seq;
    if (!fresh) {
      if (base !== themeBase && specText !== null) {
        themeBase = base;
        load({ spec: specText, height: lastHeight, start: spec.names[k] });
      }
      return;
    }
    if (args.spec === specText && base === themeBase) { // a rerun that left the play alone
      setNav(args.nav);
      rememberFrame();  // the run rewrote the link from the server's copy: the frame again
      return;
    }
    themeBase = base;
    // wall-clock stamps (shared with the parent page) the speed benchmark splits a switch by
    document.body.dataset.received = String(performance.timeOrigin + performance.now());
    load(args);  // a new spec of the play on screen keeps its frame (startFrame)
    setNav(args.nav);
  }

  // the parent page's key listener (coverage/app/keyboard.py) calls in here
  window.coveragePlayer = { key: handleKey, frame: () => k, playing: () => !!timer,
                            frames: () => frames.length, ball: () => ballAt(k) };
  watchButtons();
  document.body.dataset.ready = String(performance.timeOrigin + performance.now());
  send("streamlit:componentReady", { apiVersion: 1 });
})();

/* The play's first frame drawn on a canvas from the plotly figure the server sent, before
 * plotly.js has loaded. plotly.js (1.2 MB) is parsed and compiled on the browser's one
 * main thread after Streamlit's own code; on a first load the play would stay blank for
 * about a second. This draws what plotly will draw (subplot layout with the field's
 * 1:1 aspect, shapes, lines, markers, text, annotations, the curve's grid) in a few ms,
 * and again for each frame the player shows until plotly is ready (player.js: the sketch
 * plays, seeks and jumps), when it swaps the canvas for the interactive figure. It reads only the
 * subset of plotly's figure format the server writes (coverage/views/field.py, curves).
 */
(function () {
  "use strict";

  const FONT = '"Open Sans", verdana, arial, sans-serif';

  // plotly's typed-array packing: {dtype, bdata (base64)} -> a typed array
  const TYPED = { f8: Float64Array, f4: Float32Array, i1: Int8Array, u1: Uint8Array,
                  i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array };
  function values(v) {
    if (v == null) return [];
    if (Array.isArray(v)) return v;
    if (v.bdata != null && TYPED[v.dtype]) {
      const raw = atob(v.bdata);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      return Array.from(new TYPED[v.dtype](bytes.buffer));
    }
    return [v];
  }
  const at = (v, i) => (Array.isArray(v) ? v[i] : v);
  const finite = (v) => v != null && Number.isFinite(v);
  const plain = (s) => String(s == null ? "" : s).replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, "");
  const bold = (s) => /<b>/i.test(String(s || ""));

  // axis name ("x", "x2", "y") -> {domain in px, range}; yaxis.scaleanchor keeps 1:1
  function axes(layout, W, H) {
    const m = Object.assign({ l: 80, r: 80, t: 100, b: 80 }, layout.margin || {});
    const L = m.l, R = W - m.r, T = m.t, B = H - m.b;
    const out = {};
    for (const key of Object.keys(layout)) {
      const hit = /^([xy])axis(\d*)$/.exec(key);
      if (!hit) continue;
      const a = layout[key], d = a.domain || [0, 1], r = a.range || [0, 1];
      const name = hit[1] + hit[2];
      out[name] = hit[1] === "x"
        ? { x: true, p0: L + d[0] * (R - L), p1: L + d[1] * (R - L), r: r.slice(), a: a }
        : { x: false, p0: B - d[0] * (B - T), p1: B - d[1] * (B - T), r: r.slice(), a: a };
    }
    for (const name of Object.keys(out)) {
      const ax = out[name], anchor = ax.a.scaleanchor && out[ax.a.scaleanchor];
      if (!anchor) continue;
      const ratio = ax.a.scaleratio || 1;
      const k = (o) => Math.abs(o.p1 - o.p0) / Math.abs(o.r[1] - o.r[0]);
      const unit = Math.min(k(ax) / ratio, k(anchor));  // px per x unit
      for (const [o, u] of [[anchor, unit], [ax, unit * ratio]]) {
        const len = u * Math.abs(o.r[1] - o.r[0]), mid = (o.p0 + o.p1) / 2;
        const dir = o.p1 >= o.p0 ? 1 : -1;
        o.p0 = mid - dir * len / 2;
        o.p1 = mid + dir * len / 2;
      }
    }
    return { axes: out, L: L, R: R, T: T, B: B };
  }

  function toPx(geo, ref, v, isX) {
    ref = ref || (isX ? "x" : "y");
    if (ref === "paper") return isX ? geo.L + v * (geo.R - geo.L) : geo.B - v * (geo.B - geo.T);
    const dom = / domain$/.test(ref);
    const ax = geo.axes[ref.replace(/ domain$/, "")];
    if (!ax) return NaN;
    if (dom) return ax.p0 + v * (ax.p1 - ax.p0);
    return ax.p0 + (v - ax.r[0]) / (ax.r[1] - ax.r[0]) * (ax.p1 - ax.p0);
  }

  function dash(ctx, d) {
    ctx.setLineDash(d === "dash" ? [6, 4] : d === "dot" ? [2, 3] : []);
  }

  function shape(ctx, geo, s) {
    const x0 = toPx(geo, s.xref, s.x0, true), x1 = toPx(geo, s.xref, s.x1, true);
    const y0 = toPx(geo, s.yref, s.y0, false), y1 = toPx(geo, s.yref, s.y1, false);
    if (![x0, x1, y0, y1].every(Number.isFinite)) return;
    ctx.save();
    ctx.globalAlpha = s.opacity == null ? 1 : s.opacity;
    const line = s.line || {};
    if (s.type === "rect") {
      if (s.fillcolor) {
        ctx.fillStyle = s.fillcolor;
        ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      }
      if (line.width !== 0 && (line.color || !s.fillcolor)) {
        ctx.strokeStyle = line.color || "#444";
        ctx.lineWidth = line.width == null ? 2 : line.width;
        dash(ctx, line.dash);
        ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      }
    } else if (s.type === "line" && line.width !== 0) {
      ctx.strokeStyle = line.color || "#444";
      ctx.lineWidth = line.width == null ? 2 : line.width;
      dash(ctx, line.dash);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
    }
    ctx.restore();
  }

  function text(ctx, s, x, y, size, color, weight, alignX, alignY) {
    ctx.font = (weight || "") + " " + size + "px " + FONT;
    ctx.fillStyle = color;
    ctx.textAlign = alignX;
    ctx.textBaseline = alignY;
    ctx.fillText(s, x, y);
  }

  function trace(ctx, geo, t, prev, fontColor) {
    if (t.visible === false || t.visible === "legendonly" || t.type && t.type !== "scatter") return;
    const xs = values(t.x), ys = values(t.y);
    const xr = t.xaxis || "x", yr = t.yaxis || "y";
    const px = xs.map((v) => (finite(v) ? toPx(geo, xr, v, true) : NaN));
    const py = ys.map((v) => (finite(v) ? toPx(geo, yr, v, false) : NaN));
    const mode = t.mode || "markers";
    ctx.save();
    ctx.globalAlpha = t.opacity == null ? 1 : t.opacity;
    if ((t.fill === "toself" || t.fill === "tonexty") && t.fillcolor) {
      ctx.fillStyle = t.fillcolor;
      ctx.beginPath();
      const pts = [];
      for (let i = 0; i < px.length; i++) if (Number.isFinite(px[i] + py[i])) pts.push([px[i], py[i]]);
      if (t.fill === "tonexty" && prev) {
        for (let i = prev.px.length - 1; i >= 0; i--) {
          if (Number.isFinite(prev.px[i] + prev.py[i])) pts.push([prev.px[i], prev.py[i]]);
        }
      }
      pts.forEach((p, i) => (i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
      ctx.closePath();
      ctx.fill();
    }
    if (mode.includes("lines") && !(t.line && t.line.width === 0)) {
      const line = t.line || {};
      ctx.strokeStyle = line.color || "#1f77b4";
      ctx.lineWidth = line.width == null ? 2 : line.width;
      dash(ctx, line.dash);
      ctx.lineJoin = "round";
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < px.length; i++) {
        if (!Number.isFinite(px[i] + py[i])) { pen = false; continue; }
        if (pen) ctx.lineTo(px[i], py[i]); else ctx.moveTo(px[i], py[i]);
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (mode.includes("markers")) {
      const mk = t.marker || {}, ml = mk.line || {};
      for (let i = 0; i < px.length; i++) {
        if (!Number.isFinite(px[i] + py[i])) continue;
        const r = (at(mk.size, i) == null ? 6 : at(mk.size, i)) / 2;
        ctx.beginPath();
        if (mk.symbol === "diamond") {
          ctx.moveTo(px[i], py[i] - r * 1.3); ctx.lineTo(px[i] + r * 1.3, py[i]);
          ctx.lineTo(px[i], py[i] + r * 1.3); ctx.lineTo(px[i] - r * 1.3, py[i]);
          ctx.closePath();
        } else {
          ctx.arc(px[i], py[i], r, 0, 2 * Math.PI);
        }
        ctx.fillStyle = at(mk.color, i) || "#1f77b4";
        ctx.fill();
        const w = at(ml.width, i);
        if (w) {
          ctx.lineWidth = w;
          ctx.strokeStyle = at(ml.color, i) || "#444";
          ctx.stroke();
        }
      }
    }
    if (mode.includes("text")) {
      const tf = t.textfont || {}, texts = values(t.text), pos = t.textposition || "middle center";
      const alignX = /right/.test(pos) ? "left" : /left/.test(pos) ? "right" : "center";
      const alignY = /^top/.test(pos) ? "bottom" : /^bottom/.test(pos) ? "top" : "middle";
      for (let i = 0; i < px.length; i++) {
        const s = at(texts, i);
        if (s == null || !Number.isFinite(px[i] + py[i])) continue;
        const size = at(tf.size, i) || 12;
        const dx = alignX === "left" ? 3 : alignX === "right" ? -3 : 0;
        text(ctx, plain(s), px[i] + dx, py[i], size, at(tf.color, i) || fontColor,
             bold(s) ? "bold" : "", alignX, alignY);
      }
    }
    ctx.restore();
    return { px: px, py: py };
  }

  function niceTicks(r, n) {
    const lo = Math.min(r[0], r[1]), hi = Math.max(r[0], r[1]);
    const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }

  function grid(ctx, geo, name, ax, layout, fontColor) {
    const a = ax.a;
    if (a.visible === false) return;
    const other = geo.axes[a.anchor] || null;
    if (!other) return;
    // about one label per 80 px across, 40 px up (plotly's automatic tick density)
    const len = Math.abs(ax.p1 - ax.p0);
    const ticks = a.tickvals ? values(a.tickvals)
      : niceTicks(ax.r, Math.max(3, Math.round(len / (ax.x ? 80 : 40))));
    const labels = a.ticktext ? values(a.ticktext) : null;
    ctx.save();
    ctx.strokeStyle = a.gridcolor || "#eee";
    ctx.lineWidth = 1;
    ticks.forEach((v, i) => {
      const p = toPx(geo, name, v, ax.x);
      if (!Number.isFinite(p)) return;
      ctx.beginPath();
      if (ax.x) { ctx.moveTo(p, other.p0); ctx.lineTo(p, other.p1); } else {
        ctx.moveTo(other.p0, p); ctx.lineTo(other.p1, p);
      }
      if (a.showgrid !== false) ctx.stroke();
      const label = labels ? plain(labels[i]) : String(v);
      if (ax.x) text(ctx, label, p, Math.max(other.p0, other.p1) + 4, 12, a.color || fontColor, "", "center", "top");
      else text(ctx, label, Math.min(other.p0, other.p1) - 4, p, 12, a.color || fontColor, "", "right", "middle");
    });
    const title = a.title && a.title.text;
    if (title) {
      if (ax.x) {
        text(ctx, plain(title), (ax.p0 + ax.p1) / 2, Math.max(other.p0, other.p1) + 22, 13,
             a.color || fontColor, "", "center", "top");
      } else {
        ctx.translate(Math.min(other.p0, other.p1) - 36, (ax.p0 + ax.p1) / 2);
        ctx.rotate(-Math.PI / 2);
        text(ctx, plain(title), 0, 0, 13, a.color || fontColor, "", "center", "bottom");
      }
    }
    ctx.restore();
  }

  function annotation(ctx, geo, a, fontColor) {
    const x = toPx(geo, a.xref || "paper", a.x, true), y = toPx(geo, a.yref || "paper", a.y, false);
    if (!Number.isFinite(x + y)) return;
    const f = a.font || {}, size = f.size || 12;
    const alignX = a.xanchor === "left" ? "left" : a.xanchor === "right" ? "right" : "center";
    const alignY = a.yanchor === "top" ? "top" : a.yanchor === "bottom" ? "bottom" : "middle";
    const s = plain(a.text);
    ctx.font = (bold(a.text) ? "bold " : "") + size + "px " + FONT;
    if (a.bgcolor) {
      const w = ctx.measureText(s).width + 4;
      const x0 = alignX === "left" ? x : alignX === "right" ? x - w : x - w / 2;
      const y0 = alignY === "top" ? y : alignY === "bottom" ? y - size - 4 : y - (size + 4) / 2;
      ctx.fillStyle = a.bgcolor;
      ctx.fillRect(x0, y0, w, size + 4);
    }
    text(ctx, s, x + (alignX === "left" ? 2 : alignX === "right" ? -2 : 0),
         y + (alignY === "top" ? 2 : alignY === "bottom" ? -2 : 0), size, f.color || fontColor,
         bold(a.text) ? "bold" : "", alignX, alignY);
  }

  // figure -> a canvas of `width` x layout.height CSS px, drawn (onto `into` when given:
  // the player redraws each frame of a playback on the one canvas)
  function draw(fig, width, into) {
    const layout = fig.layout || {}, H = layout.height || 450, W = Math.max(1, width);
    const canvas = into || document.createElement("canvas");
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    canvas.style.width = W + "px";
    canvas.style.height = H + "px";
    canvas.style.display = "block";  // inline, it sat on a text line, taller than plotly's
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fontColor = (layout.font && layout.font.color) || "#444";
    ctx.fillStyle = layout.paper_bgcolor || "white";
    ctx.fillRect(0, 0, W, H);
    const geo = axes(layout, W, H);
    // each subplot's background (x with its anchored y)
    for (const name of Object.keys(geo.axes)) {
      const ax = geo.axes[name], other = geo.axes[ax.a.anchor];
      if (!ax.x || !other || ax.a.visible === false) continue;
      ctx.fillStyle = layout.plot_bgcolor || "white";
      ctx.fillRect(Math.min(ax.p0, ax.p1), Math.min(other.p0, other.p1),
                   Math.abs(ax.p1 - ax.p0), Math.abs(other.p1 - other.p0));
    }
    const shapes = layout.shapes || [];
    for (const name of Object.keys(geo.axes)) grid(ctx, geo, name, geo.axes[name], layout, fontColor);
    for (const s of shapes) if (s.layer === "below") shape(ctx, geo, s);
    let prev = null;
    for (const t of fig.data || []) prev = trace(ctx, geo, t, prev, fontColor) || prev;
    for (const s of shapes) if (s.layer !== "below") shape(ctx, geo, s);
    for (const a of layout.annotations || []) annotation(ctx, geo, a, fontColor);
    return canvas;
  }

  // a point on the canvas (CSS px) -> the value on axis `name` ("x2": the curve's seconds),
  // null outside that subplot: a click on the curve seeks before plotly.js has come
  function valueAt(fig, width, px, py, name) {
    const layout = fig.layout || {};
    const geo = axes(layout, Math.max(1, width), layout.height || 450);
    const ax = geo.axes[name], other = ax && geo.axes[ax.a.anchor];
    if (!ax || !other || !ax.x) return null;
    if ((px - ax.p0) * (px - ax.p1) > 0 || (py - other.p0) * (py - other.p1) > 0) return null;
    return ax.r[0] + (px - ax.p0) / (ax.p1 - ax.p0) * (ax.r[1] - ax.r[0]);
  }

  window.coveragePreview = { draw: draw, values: values, valueAt: valueAt };
})();

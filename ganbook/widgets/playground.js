// The 2-D GAN playground's canvas (ganbook/widgets/playground.py, class Canvas).
// The kernel sends each frame as the `frame` trait (JSON lists); this file only draws it
// and sends the points the reader draws: {type: "points", xy: [[x, y], ...]} in data units.
const W = 600, H = 500, L = 50, T = 30, P = 440;           // canvas, plot's left/top/size
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
const GAP = 10;                                            // px between points of one drag

function colour(t) {
  t = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(t), VIRIDIS.length - 2), f = t - i;
  return VIRIDIS[i].map((c, j) => Math.round(c + f * (VIRIDIS[i + 1][j] - c)));
}

function ticks(lo, hi) {
  const step = [0.25, 0.5, 1, 2, 5].find((s) => (hi - lo) / s <= 8) || 5;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(2));
  return out;
}

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.width = W; canvas.height = H;
  canvas.style.cursor = "crosshair";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const off = document.createElement("canvas"), octx = off.getContext("2d");
  let sent = [], down = false, last = null;

  const frame = () => model.get("frame") || {};
  const scale = (f) => {
    const [lo, hi] = f.lim || [-2, 2];
    return { lo, hi, x: (v) => L + ((v - lo) / (hi - lo)) * P, y: (v) => T + ((hi - v) / (hi - lo)) * P };
  };
  const dot = (x, y, r, fill) => { ctx.fillStyle = fill; ctx.fillRect(x - r, y - r, 2 * r, 2 * r); };

  function draw() {
    const f = frame(), s = scale(f);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    const n = f.res || 0, [a, b] = f.heat_range || [0, 1];
    if (n && f.heat) {                                     // D's output on the grid
      off.width = n; off.height = n;
      const img = octx.createImageData(n, n);
      for (let i = 0; i < n * n; i++) {
        const c = colour((f.heat[i] - a) / (b - a || 1));
        img.data.set([c[0], c[1], c[2], 255], 4 * i);
      }
      octx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(off, L, T, P, P);
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(L, T, P, P); ctx.clip();
    ctx.strokeStyle = "rgba(255, 170, 80, 0.55)"; ctx.lineWidth = 1;   // G's image of a z grid
    const mesh = f.mesh || [];
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < mesh.length; i++) {
        ctx.beginPath();
        for (let j = 0; j < mesh.length; j++) {
          const p = pass ? mesh[j][i] : mesh[i][j];
          j ? ctx.lineTo(s.x(p[0]), s.y(p[1])) : ctx.moveTo(s.x(p[0]), s.y(p[1]));
        }
        ctx.stroke();
      }
    }
    for (const p of f.data || []) dot(s.x(p[0]), s.y(p[1]), 1.2, "#111");
    for (const p of f.samples || []) dot(s.x(p[0]), s.y(p[1]), 1.6, "#ff4d1a");
    const arrows = f.arrows || [];
    const longest = Math.max(1e-12, ...arrows.map((v) => Math.hypot(v[2], v[3])));
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.2;
    for (const [x, y, dx, dy] of arrows) {                 // longest arrow: 6 % of the plot
      const x0 = s.x(x), y0 = s.y(y), k = (0.06 * P) / longest;
      const x1 = x0 + k * dx, y1 = y0 - k * dy, ang = Math.atan2(y1 - y0, x1 - x0);
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1);
      for (const d of [2.6, -2.6]) { ctx.moveTo(x1, y1); ctx.lineTo(x1 - 5 * Math.cos(ang + d / 6), y1 - 5 * Math.sin(ang + d / 6)); }
      ctx.stroke();
    }
    ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5;         // the drawn points (and unsent ones)
    for (const p of (f.points || []).concat(sent)) {
      const x = s.x(p[0]), y = s.y(p[1]);
      ctx.beginPath(); ctx.moveTo(x - 4, y); ctx.lineTo(x + 4, y); ctx.moveTo(x, y - 4); ctx.lineTo(x, y + 4); ctx.stroke();
    }
    ctx.restore();
    axes(f, s, a, b);
  }

  function axes(f, s, a, b) {
    ctx.strokeStyle = "#000"; ctx.lineWidth = 1; ctx.strokeRect(L, T, P, P);
    ctx.fillStyle = "#000"; ctx.font = "11px sans-serif";
    for (const v of ticks(s.lo, s.hi)) {
      ctx.textAlign = "center"; ctx.fillText(String(v), s.x(v), T + P + 14);
      ctx.beginPath(); ctx.moveTo(s.x(v), T + P); ctx.lineTo(s.x(v), T + P + 4); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(String(v), L - 6, s.y(v) + 4);
      ctx.beginPath(); ctx.moveTo(L - 4, s.y(v)); ctx.lineTo(L, s.y(v)); ctx.stroke();
    }
    ctx.textAlign = "center"; ctx.fillText("x\u2081", L + P / 2, H - 2);
    ctx.save(); ctx.translate(12, T + P / 2); ctx.rotate(-Math.PI / 2); ctx.fillText("x\u2082", 0, 0); ctx.restore();
    const cx = L + P + 16;                                  // the colour legend of D's output
    for (let i = 0; i < P; i++) { ctx.fillStyle = `rgb(${colour(1 - i / P).join(",")})`; ctx.fillRect(cx, T + i, 14, 1); }
    ctx.strokeRect(cx, T, 14, P);
    ctx.fillStyle = "#000"; ctx.textAlign = "left";
    for (const t of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText((a + t * (b - a)).toPrecision(3), cx + 18, T + (1 - t) * P + 4);
    ctx.save(); ctx.translate(W - 6, T + P / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = "center";
    ctx.fillText(f.heat_label || "D(x)", 0, 0); ctx.restore();
    ctx.textAlign = "left"; ctx.font = "12px sans-serif";
    const key = [["#111", "p_data"], ["#ff4d1a", "G(z)"], ["#fff", "\u2192 \u2212\u2202loss_G/\u2202x"], ["#ffaa50", f.mesh_label || "G(z grid)"]];
    let x = L;
    ctx.fillText(`iteration ${f.iteration ?? 0}`, x, 14); x += 100;
    for (const [c, label] of key) {
      ctx.fillStyle = "#555"; ctx.fillRect(x, 5, 10, 10); ctx.fillStyle = c; ctx.fillRect(x + 2, 7, 6, 6);
      ctx.fillStyle = "#000"; ctx.fillText(label, x + 14, 14); x += 20 + ctx.measureText(label).width;
    }
    if (f.drawing) { ctx.fillStyle = "#000"; ctx.fillText("click or drag to add points", L + P - 170, T + P - 8); }
  }

  function toData(ev) {
    const r = canvas.getBoundingClientRect(), s = scale(frame());
    const px = ((ev.clientX - r.left) * W) / r.width, py = ((ev.clientY - r.top) * H) / r.height;
    if (px < L || px > L + P || py < T || py > T + P) return null;
    const u = (px - L) / P, v = (py - T) / P;
    return { px, py, xy: [s.lo + u * (s.hi - s.lo), s.hi - v * (s.hi - s.lo)] };
  }
  function add(ev, first) {
    const p = toData(ev);
    if (!p || (!first && last && Math.hypot(p.px - last.px, p.py - last.py) < GAP)) return;
    last = p; sent.push(p.xy);
    model.send({ type: "points", xy: [p.xy] });
    draw();
  }
  const onDown = (ev) => { if (model.get("drawing")) { down = true; add(ev, true); } };
  const onMove = (ev) => { if (down) add(ev, false); };
  const onUp = () => { down = false; last = null; };
  canvas.addEventListener("mousedown", onDown);
  canvas.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  const onFrame = () => { sent = []; draw(); };            // the frame holds what was sent
  model.on("change:frame", onFrame);
  draw();
  return () => { model.off("change:frame", onFrame); window.removeEventListener("mouseup", onUp); };
}

export default { render };

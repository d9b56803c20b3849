/// The style sheet and script inlined into `replay/index.html` (see `ReplayPage`).
///
/// The script reads the JSON in `#replay-data`, builds the panels, charts and config table,
/// and keeps them on one snapshot index: `show(i)` is the single place that changes it
/// (slider `input`, play timer, keys). It sets `data-ready` on `<body>` once set up, so a
/// test can tell a page whose script stopped half-way.
enum ReplayPageAssets {
    static let css = """
        :root { --ink: #1f1f1f; --muted: #666; --line: #ddd; --accent: #1f77b4; --warn: #b35900; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fafafa; }
        header { padding: 16px 24px 4px; }
        h1 { margin: 0; font-size: 22px; font-family: ui-monospace, monospace; }
        h2 { font-size: 15px; margin: 18px 0 8px; color: var(--muted); font-weight: 600; }
        .kind { margin: 2px 0; color: var(--muted); }
        .status { margin: 8px 0; padding: 8px 12px; border-left: 4px solid var(--warn); background: #fff4e5; color: #5c2e00; }
        .controls { position: sticky; top: 0; z-index: 2; display: flex; gap: 14px; align-items: center; flex-wrap: wrap;
                    padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
        .controls button { min-width: 72px; padding: 5px 12px; font: inherit; border: 1px solid #bbb; border-radius: 4px; background: #f3f3f3; cursor: pointer; }
        #epoch-slider { flex: 1 1 320px; }
        .epoch { font-family: ui-monospace, monospace; font-size: 17px; min-width: 130px; }
        .hint { color: var(--muted); font-size: 13px; }
        main { padding: 0 24px 32px; }
        .charts { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 14px; }
        .chart { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 6px; }
        .chart svg { display: block; }
        .chart .legend { font-size: 13px; padding: 2px 6px; font-family: ui-monospace, monospace; }
        .chart .legend span { margin-right: 14px; white-space: nowrap; }
        .panels { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
        figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 6px; }
        figcaption { font-size: 13px; color: var(--muted); margin-bottom: 4px; }
        figure img { display: block; image-rendering: pixelated; }
        figure.missing img { display: none; }
        figure.missing::after { content: "not in this snapshot"; color: var(--muted); font-size: 13px; }
        #frame { max-width: 100%; image-rendering: auto; border: 1px solid var(--line); background: #fff; }
        table { border-collapse: collapse; background: #fff; font-size: 14px; }
        td { border: 1px solid var(--line); padding: 3px 10px; font-family: ui-monospace, monospace; vertical-align: top; }
        td:first-child { color: var(--muted); }
        """

    static let script = """
        (function () {
          'use strict';
          var data = JSON.parse(document.getElementById('replay-data').textContent);
          var slider = document.getElementById('epoch-slider');
          var label = document.getElementById('epoch-label');
          var playButton = document.getElementById('play');
          var speed = document.getElementById('speed');
          var frame = document.getElementById('frame');
          var count = data.epochs.length;
          var index = 0, timer = null;
          var SVG = 'http://www.w3.org/2000/svg';

          function pad(n) { var s = String(n); while (s.length < 4) { s = '0' + s; } return s; }
          function el(tag, cls, text) {
            var e = document.createElement(tag);
            if (cls) { e.className = cls; }
            if (text !== undefined) { e.textContent = text; }
            return e;
          }
          function svg(tag, attrs, parent) {
            var e = document.createElementNS(SVG, tag);
            Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
            if (parent) { parent.appendChild(e); }
            return e;
          }
          function format(v) {
            if (v === null || v === undefined || !isFinite(v)) { return '-'; }
            var a = Math.abs(v);
            if (a !== 0 && (a < 0.01 || a >= 1e5)) { return v.toExponential(2); }
            return a >= 100 ? v.toFixed(1) : (a >= 10 ? v.toFixed(2) : v.toFixed(3));
          }
          function niceTicks(lo, hi, target, minStep) {
            if (!(hi > lo)) { return [lo]; }
            var rough = (hi - lo) / Math.max(target - 1, 1);
            var mag = Math.pow(10, Math.floor(Math.log10(rough))), f = rough / mag;
            var step = Math.max((f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag, minStep || 0);
            var ticks = [];
            for (var t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) { ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t); }
            return ticks;
          }

          // Small pictures (a 64-pixel render) are shown enlarged by a whole factor, pixels kept sharp.
          function enlarge(img) {
            var side = Math.max(img.naturalWidth, img.naturalHeight);
            var factor = side > 0 ? Math.max(1, Math.floor(256 / side)) : 1;
            img.style.width = (img.naturalWidth * factor) + 'px';
          }

          // Panels: fixed pictures (the target), then the snapshot's pictures.
          var panelBox = document.getElementById('panels');
          (data.fixedPanels || []).forEach(function (p) {
            var fig = el('figure'); fig.appendChild(el('figcaption', '', p.title));
            var img = el('img'); img.alt = p.title;
            img.addEventListener('load', function () { enlarge(img); });
            img.src = p.src; fig.appendChild(img); panelBox.appendChild(fig);
          });
          var panels = data.panels.map(function (p) {
            var fig = el('figure'); fig.appendChild(el('figcaption', '', p.title));
            var img = el('img'); img.alt = p.title;
            img.addEventListener('error', function () { fig.classList.add('missing'); });
            img.addEventListener('load', function () { fig.classList.remove('missing'); enlarge(img); });
            fig.appendChild(img); panelBox.appendChild(fig);
            return { img: img, file: p.file };
          });
          if (!data.frames) { document.getElementById('frame-section').style.display = 'none'; }

          // Charts: the whole run drawn faintly, the part up to the cursor drawn strongly.
          var W = 380, H = 230, L = 52, R = 12, T = 26, B = 34;
          var xMax = Math.max(data.lastAxisEpoch, 1);
          function px(e) { return L + (W - L - R) * e / xMax; }
          var charts = data.charts.map(function (c) {
            var box = el('div', 'chart');
            var root = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
            var lo = c.range[0], hi = c.range[1];
            if (!(hi > lo)) { lo = 0; hi = 1; }
            function py(v) { return H - B - (H - T - B) * (v - lo) / (hi - lo); }
            var title = svg('text', { x: W / 2, y: 16, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 600 }, root);
            title.textContent = c.title + (c.yLabel ? ' (' + c.yLabel + ')' : '');
            niceTicks(lo, hi, 5).forEach(function (t) {
              svg('line', { x1: L, x2: W - R, y1: py(t), y2: py(t), stroke: '#eee' }, root);
              var tx = svg('text', { x: L - 6, y: py(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, root);
              tx.textContent = String(+t.toPrecision(6));
            });
            niceTicks(0, xMax, 6, 1).forEach(function (t) {
              var tx = svg('text', { x: px(t), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#555' }, root);
              tx.textContent = String(t);
            });
            var xl = svg('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#555' }, root);
            xl.textContent = 'epoch';
            svg('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'none', stroke: '#999' }, root);
            var cursor = svg('line', { class: 'cursor', x1: L, x2: L, y1: T, y2: H - B, stroke: '#d62728', 'stroke-width': 1.5 }, root);
            var lines = c.lines.map(function (line) {
              var pts = [];
              line.values.forEach(function (v, i) { if (v !== null && isFinite(v)) { pts.push([px(data.epochs[i]), py(v), i]); } });
              function path(upTo) {
                return pts.filter(function (p) { return p[2] <= upTo; }).map(function (p) { return p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' ');
              }
              svg('polyline', { points: path(count), fill: 'none', stroke: line.color, 'stroke-width': 1.5, opacity: 0.25 }, root);
              var strong = svg('polyline', { fill: 'none', stroke: line.color, 'stroke-width': 2.5 }, root);
              var dot = svg('circle', { r: 4, fill: line.color }, root);
              return { line: line, path: path, strong: strong, dot: dot };
            });
            var legend = el('div', 'legend');
            var readouts = lines.map(function (l) {
              var span = el('span'); span.style.color = l.line.color; legend.appendChild(span); return span;
            });
            box.appendChild(root); box.appendChild(legend);
            document.getElementById('charts').appendChild(box);
            return {
              update: function (i) {
                var x = px(data.epochs[i]).toFixed(1);
                cursor.setAttribute('x1', x); cursor.setAttribute('x2', x);
                lines.forEach(function (l, k) {
                  l.strong.setAttribute('points', l.path(i));
                  var v = l.line.values[i];
                  var ok = v !== null && isFinite(v);
                  l.dot.setAttribute('visibility', ok ? 'visible' : 'hidden');
                  if (ok) { l.dot.setAttribute('cx', x); l.dot.setAttribute('cy', py(v).toFixed(1)); }
                  readouts[k].textContent = l.line.label + ' ' + format(v);
                });
              }
            };
          });

          // Config: every setting, then how the run was started.
          var table = document.getElementById('config');
          function row(key, value) {
            var tr = el('tr'); tr.appendChild(el('td', '', key));
            tr.appendChild(el('td', '', typeof value === 'string' ? value : JSON.stringify(value))); table.appendChild(tr);
          }
          var config = data.config && typeof data.config === 'object' ? data.config : {};
          Object.keys(config).sort().forEach(function (k) { row(k, config[k]); });
          row('command', (data.details.argv || []).join(' '));
          ['version', 'seed', 'status', 'reason'].forEach(function (k) { if (data.details[k] !== undefined) { row(k, data.details[k]); } });

          function show(i) {
            index = Math.max(0, Math.min(count - 1, i | 0));
            var epoch = data.epochs[index];
            slider.value = String(index);
            label.textContent = 'epoch ' + epoch + (data.plannedEpochs !== null ? ' / ' + data.plannedEpochs : '');
            panels.forEach(function (p) { p.img.src = data.snapshotBase + pad(epoch) + '/' + p.file; });
            if (data.frames) { frame.src = data.frames[index]; }
            charts.forEach(function (c) { c.update(index); });
          }
          function stop() { if (timer !== null) { clearTimeout(timer); timer = null; } playButton.textContent = 'Play'; }
          function tick() {
            var last = index >= count - 1;
            show(last ? 0 : index + 1);
            var delay = 1000 / (data.fps * parseFloat(speed.value));
            timer = setTimeout(tick, index === count - 1 ? Math.max(delay * 3, 1500) : delay);
          }
          function toggle() {
            if (timer !== null) { stop(); return; }
            playButton.textContent = 'Pause';
            timer = setTimeout(tick, 1000 / (data.fps * parseFloat(speed.value)));
          }
          slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
          playButton.addEventListener('click', toggle);
          document.addEventListener('keydown', function (e) {
            if (e.target && e.target.tagName === 'SELECT') { return; }
            if (e.key === 'ArrowRight') { stop(); show(index + 1); e.preventDefault(); }
            else if (e.key === 'ArrowLeft') { stop(); show(index - 1); e.preventDefault(); }
            else if (e.key === 'Home') { stop(); show(0); e.preventDefault(); }
            else if (e.key === 'End') { stop(); show(count - 1); e.preventDefault(); }
            else if (e.key === ' ' && e.target === document.body) { toggle(); e.preventDefault(); }
          });
          show(count - 1);
          document.body.setAttribute('data-ready', '1');
        })();
        """
}

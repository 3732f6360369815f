// The page's only script, inlined and allowed by its hash in the Content-Security-Policy.
// It reads the embedded cells and chart variants (JSON in <script type="application/json">),
// and on every filter change: swaps in the pre-rendered chart variant for the repository and
// path prefix, dims the marks of other weeks/repositories, and rebuilds the filtered tables with
// DOM calls (textContent only: no markup is ever built from data). Plain ES2017, no modules, so it
// runs from file:// in any current browser.
//
// Cells arrive compact (docs/dashboard.md §data): [week index, repository index, path,
// sensitive 0/1, hunks, added lines, lines by verdict × 6 (VERDICTS order), stated AI lines,
// unattested AI lines, unattested hunks, contradicted hunks].
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('tm-data').textContent);
  var charts = JSON.parse(document.getElementById('tm-charts').textContent);
  var weeks = data.weeks, repos = data.repositories, prefixes = data.prefixes, verdicts = data.verdicts;
  var cells = data.cells;
  var fRepo = document.getElementById('f-repo');
  var fPath = document.getElementById('f-path');
  var fWeek = document.getElementById('f-week');
  var PATH_ROWS = data.pathRows;

  function num(n) { return n.toLocaleString('en-US'); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  // The first cell is the row header; cells from numFrom on are numbers (right-aligned).
  function row(cellsOut, numFrom) {
    var tr = document.createElement('tr');
    for (var i = 0; i < cellsOut.length; i++) {
      var c = cellsOut[i];
      tr.appendChild(i === 0 ? el('th', c, { scope: 'row' }) : el('td', c, i >= numFrom ? { 'class': 'num' } : undefined));
    }
    return tr;
  }
  function fill(id, rows, empty, colspan) {
    var tbody = document.getElementById(id);
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    if (rows.length === 0) {
      var tr = document.createElement('tr');
      tr.appendChild(el('td', empty, { colspan: String(colspan) }));
      tbody.appendChild(tr);
    }
    for (var i = 0; i < rows.length; i++) tbody.appendChild(rows[i]);
  }

  function state() {
    return { repo: Number(fRepo.value), prefix: Number(fPath.value), week: Number(fWeek.value) };
  }
  function keep(c, s, withWeek) {
    if (s.repo >= 0 && c[1] !== s.repo) return false;
    if (s.prefix >= 0 && c[2].lastIndexOf(prefixes[s.prefix], 0) !== 0) return false;
    if (withWeek && s.week >= 0 && c[0] !== s.week) return false;
    return true;
  }
  function pct(a, b) { return b === 0 ? '–' : (Math.round((1000 * a) / b) / 10).toFixed(1) + '%'; }

  function update() {
    var s = state();
    var i, j, c;
    // Per week (all weeks: the trend), for the repository and prefix.
    var perWeek = weeks.map(function () { return { hunks: 0, lines: 0, stated: 0, unatt: 0, v: verdicts.map(function () { return 0; }) }; });
    var byRepo = repos.map(function () { return { lines: 0, unatt: 0, contra: 0 }; });
    var byPath = {};
    var view = { hunks: 0, lines: 0, stated: 0, unatt: 0, gap: 0, cells: 0 };
    for (i = 0; i < cells.length; i++) {
      c = cells[i];
      var gap = c[7] + c[8];
      if (keep(c, s, false)) {
        var w = perWeek[c[0]];
        w.hunks += c[4]; w.lines += c[5]; w.stated += c[12]; w.unatt += c[13];
        for (j = 0; j < verdicts.length; j++) w.v[j] += c[6 + j];
      }
      // The repository table compares repositories: it ignores the repository filter.
      if (keep(c, { repo: -1, prefix: s.prefix, week: s.week }, true)) {
        var r = byRepo[c[1]];
        r.lines += gap; r.unatt += c[14]; r.contra += c[15];
      }
      if (!keep(c, s, true)) continue;
      view.cells += 1; view.hunks += c[4]; view.lines += c[5]; view.stated += c[12]; view.unatt += c[13]; view.gap += gap;
      var key = c[1] + '\u0000' + c[2];
      var p = byPath[key];
      if (!p) p = byPath[key] = { repo: c[1], path: c[2], sensitive: c[3] === 1, lines: 0, unatt: 0, contra: 0 };
      p.lines += gap; p.unatt += c[14]; p.contra += c[15];
    }

    fill('t-trend', perWeek.map(function (w, k) {
      var tr = row([weeks[k], num(w.stated), num(w.unatt), pct(w.stated, w.stated + w.unatt), num(w.lines)], 1);
      if (k === s.week) tr.className = 'current';
      return tr;
    }), 'no data', 5);
    fill('t-verdict', perWeek.map(function (w, k) {
      var tr = row([weeks[k]].concat(w.v.map(num)), 1);
      if (k === s.week) tr.className = 'current';
      return tr;
    }), 'no data', verdicts.length + 1);
    fill('t-gaps-repo', byRepo.map(function (r, k) { return { name: repos[k], r: r, k: k }; })
      .filter(function (x) { return x.r.lines > 0 || x.r.unatt > 0 || x.r.contra > 0; })
      .sort(function (a, b) { return b.r.lines - a.r.lines || (a.name < b.name ? -1 : 1); })
      .map(function (x) {
        var tr = row([x.name, num(x.r.unatt), num(x.r.contra), num(x.r.lines)], 1);
        if (x.k === s.repo) tr.className = 'current';
        return tr;
      }), 'no gaps under these filters', 4);
    var paths = Object.keys(byPath).map(function (k) { return byPath[k]; })
      .filter(function (p) { return p.unatt > 0 || p.contra > 0; })
      .sort(function (a, b) { return b.lines - a.lines || b.unatt + b.contra - a.unatt - a.contra || (repos[a.repo] + a.path < repos[b.repo] + b.path ? -1 : 1); });
    function pathRow(p) { return row([p.path, repos[p.repo], num(p.unatt), num(p.contra), num(p.lines)], 2); }
    var plain = paths.filter(function (p) { return !p.sensitive; });
    var sensitive = paths.filter(function (p) { return p.sensitive; });
    fill('t-gaps-path', plain.slice(0, PATH_ROWS).map(pathRow), 'no gaps under these filters', 5);
    fill('t-gaps-sensitive', sensitive.slice(0, PATH_ROWS).map(pathRow), 'no sensitive path with gaps under these filters', 5);
    document.getElementById('gaps-path-more').textContent = plain.length > PATH_ROWS ? (plain.length - PATH_ROWS) + ' more paths not shown.' : '';
    document.getElementById('gaps-sensitive-more').textContent = sensitive.length > PATH_ROWS ? (sensitive.length - PATH_ROWS) + ' more sensitive paths not shown.' : '';

    var inview = document.getElementById('inview');
    inview.textContent = num(view.hunks) + ' hunks, ' + num(view.lines) + ' added lines, ' + num(view.stated) + ' with stated AI involvement, ' +
      num(view.unatt) + ' inferred AI but not attested (stated share ' + pct(view.stated, view.stated + view.unatt) + '), ' + num(view.gap) + ' gap lines';

    // Charts: the variant for (repository, prefix); then dim other weeks / repositories.
    swap('trend', charts.trend[s.repo + '|' + s.prefix], function (k) { return s.week < 0 || k === 'w' + s.week; });
    swap('verdict', charts.verdict[s.repo + '|' + s.prefix], function (k) { return s.week < 0 || k === 'w' + s.week; });
    swap('gaps', charts.gaps[String(s.prefix)], function (k) {
      var m = /^r(-?\d+)w(\d+)$/.exec(k);
      if (!m) return true;
      return (s.repo < 0 || Number(m[1]) === s.repo) && (s.week < 0 || Number(m[2]) === s.week);
    });

    var parts = [];
    if (s.repo >= 0) parts.push('repository ' + repos[s.repo]);
    if (s.prefix >= 0) parts.push('paths under ' + prefixes[s.prefix]);
    if (s.week >= 0) parts.push('week ' + weeks[s.week]);
    document.getElementById('f-status').textContent = parts.length === 0 ? 'Showing everything.' : 'Showing ' + parts.join(', ') + '.';
  }

  function swap(name, index, lit) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box) return;
    // No variant: a repository beyond the pre-rendered ones (html.ts MAX_CHART_REPOSITORIES).
    var missing = index === undefined;
    box.hidden = missing;
    box.parentNode.querySelector('.chart-missing').hidden = !missing;
    if (missing) return;
    if (box.getAttribute('data-variant') !== String(index)) {
      // Vega's SVG output, rendered by us at build time (its text is escaped by Vega).
      box.innerHTML = charts.svgs[index];
      box.setAttribute('data-variant', String(index));
    }
    var marks = box.querySelectorAll('[data-key]');
    for (var i = 0; i < marks.length; i++) {
      var on = lit(marks[i].getAttribute('data-key'));
      if (on) marks[i].classList.remove('dim'); else marks[i].classList.add('dim');
    }
  }

  fRepo.addEventListener('change', update);
  fPath.addEventListener('change', update);
  fWeek.addEventListener('change', update);
  var reset = document.getElementById('f-reset');
  reset.addEventListener('click', function () {
    [fRepo, fPath, fWeek].forEach(function (f) { f.value = f.getAttribute('data-default'); });
    update();
  });
  // Printing shows every accessible table.
  window.addEventListener('beforeprint', function () {
    var ds = document.querySelectorAll('details');
    for (var i = 0; i < ds.length; i++) ds[i].open = true;
  });
  document.documentElement.classList.add('js');
  update();
})();
`;

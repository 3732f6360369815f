// The page's only stylesheet, inlined and allowed by its hash in the Content-Security-Policy.
// Light and dark follow prefers-color-scheme; the charts' text and axes take the page's colours
// (CSS rules outrank the SVG presentation attributes Vega writes). A generic font stack keeps the
// page free of font requests; no transitions or animations (screenshots compare exactly).
export const DASHBOARD_STYLE = `
:root{--bg:#ffffff;--fg:#1b1f24;--muted:#59636e;--line:#d0d7de;--panel:#f6f8fa;--accent:#0b5cad;--ok:#1a7f37;--bad:#c62828;--grid:#d0d7de;--dim:.15;color-scheme:light dark}
@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--panel:#161b22;--accent:#58a6ff;--ok:#3fb950;--bad:#ff7b72;--grid:#3d444d;--dim:.3}}
*,*::before,*::after{box-sizing:border-box;animation:none!important;transition:none!important}
html{background:var(--bg);color:var(--fg);font-family:sans-serif;font-size:15px;line-height:1.45}
body{margin:0 auto;max-width:1180px;padding:0 20px 40px}
a{color:var(--accent)}
h1{font-size:1.6rem;margin:20px 0 4px}
h2{font-size:1.3rem;margin:32px 0 10px;padding-top:10px;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:20px 0 8px}
code{font-family:monospace;font-size:.9em;overflow-wrap:anywhere}
code.hash{font-size:.8em}
.meta,.note,.muted{color:var(--muted)}
.note{font-size:.9rem}
.ok{color:var(--ok)}
.bad{color:var(--bad)}
.erased{font-family:monospace;color:var(--muted)}
.filters{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;padding:10px 12px;margin:12px 0;background:var(--panel);border:1px solid var(--line);border-radius:6px}
.filters label{display:flex;gap:6px;align-items:center;font-size:.95rem}
.filters select,.filters button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:3px 6px;max-width:260px}
.filters output{color:var(--muted);font-size:.9rem}
html:not(.js) .filters{display:none}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:0}
.figure{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.figure dt{font-size:.85rem;color:var(--muted)}
.figure dd{margin:0}
.figure .value{display:block;font-size:1.5rem;font-weight:bold}
.figure .detail{display:block;font-size:.8rem;color:var(--muted)}
.inview{margin-top:12px}
figure.chart{margin:16px 0;padding:10px 12px;border:1px solid var(--line);border-radius:6px;break-inside:avoid}
figcaption{font-weight:bold;margin-bottom:6px}
.svg svg{display:block;width:100%;max-width:760px;height:auto}
.svg svg text{fill:var(--fg);font-family:sans-serif}
.svg svg .role-axis-grid line{stroke:var(--grid)}
.svg svg .role-axis-domain line,.svg svg .role-axis-tick line{stroke:var(--muted)}
.svg svg .dim{opacity:var(--dim)}
details{margin-top:8px}
summary{cursor:pointer;color:var(--accent)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;font-size:.9rem;min-width:50%}
caption{text-align:left;color:var(--muted);padding:4px 0;font-size:.85rem}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
thead th{background:var(--panel)}
tbody th{font-weight:normal;overflow-wrap:anywhere;max-width:420px}
.num{text-align:right;font-variant-numeric:tabular-nums}
td:not(:first-child){font-variant-numeric:tabular-nums}
tr.current{background:var(--panel);font-weight:bold}
@media (max-width:640px){body{padding:0 10px 30px}.filters{position:static}.figure .value{font-size:1.25rem}}
@media print{
:root{--bg:#fff;--fg:#000;--muted:#444;--line:#999;--panel:#fff;--grid:#ccc}
.filters,summary{display:none}
body{max-width:none;padding:0}
h2{break-after:avoid}
figure.chart,table{break-inside:avoid}
a{color:inherit;text-decoration:none}
}
`;

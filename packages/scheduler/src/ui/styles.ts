/**
 * The UI's one stylesheet, inlined in every page (no external assets). Colours are CSS variables
 * with a dark scheme; every text colour keeps at least 4.5:1 contrast on its background.
 */

/** The CSS of every page, including the DAG and timeline SVGs. */
export const STYLES = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--link:#0550ae;
--border:#d1d9e0;--surface:#f6f8fa;--focus:#0969da;--ok-fg:#116329;--ok-bg:#dafbe1;
--bad-fg:#82071e;--bad-bg:#ffebe9;--run-fg:#0550ae;--run-bg:#ddf4ff;--skip-fg:#59636e;
--skip-bg:#eff2f5;--warn-fg:#7d4e00;--warn-bg:#fff8c5;--shuffle:#bc4c00;--bar-done:#1a7f37;
--bar-run:#54aeff;--bar-bad:#cf222e;--bar-bg:#e6eaef}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--link:#4493f8;--border:#3d444d;--surface:#151b23;--focus:#4493f8;--ok-fg:#56d364;--ok-bg:#12261e;
--bad-fg:#ff9492;--bad-bg:#2d1214;--run-fg:#79c0ff;--run-bg:#0c2d6b;--skip-fg:#9198a1;
--skip-bg:#212830;--warn-fg:#e3b341;--warn-bg:#2e2309;--shuffle:#f0883e;--bar-done:#3fb950;
--bar-run:#388bfd;--bar-bad:#f85149;--bar-bg:#2a313c}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-10000px;top:0}
.skip:focus{left:1rem;top:.5rem;z-index:2;background:var(--bg);padding:.5rem 1rem}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.5rem 1.5rem;
border-bottom:1px solid var(--border);background:var(--surface)}
.brand{font-weight:700;font-size:1.15rem;color:var(--fg);text-decoration:none}
.top ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
.top nav a{display:block;padding:.3rem .75rem;border-radius:6px;color:var(--fg);text-decoration:none}
.top nav a:hover{background:var(--border)}
.top nav a[aria-current=page]{background:var(--fg);color:var(--bg)}
.app{margin-left:auto;color:var(--muted)}
.live{display:flex;gap:.5rem;align-items:center;color:var(--muted);font-size:.9rem}
.live button{font:inherit;padding:.15rem .6rem;border:1px solid var(--border);border-radius:6px;
background:var(--bg);color:var(--fg);cursor:pointer}
main{max-width:1600px;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem}
.muted{color:var(--muted)}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1.25rem;margin:0 0 1rem}
dl.summary dt{color:var(--muted)}
dl.summary dd{margin:0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{padding:.35rem .6rem;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{background:var(--surface);font-weight:600;vertical-align:bottom}
.num{text-align:right;white-space:nowrap}
td.desc{min-width:12rem;max-width:28rem;overflow-wrap:anywhere}
tbody th,td.nowrap{white-space:nowrap}
td.error-text{min-width:16rem}
.kind{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
.badge{display:inline-block;padding:0 .55rem;border-radius:999px;font-size:.85em;font-weight:600;
white-space:nowrap}
.st-succeeded,.st-complete,.st-success,.st-alive{color:var(--ok-fg);background:var(--ok-bg)}
.st-failed,.st-fetchFailed,.st-lost{color:var(--bad-fg);background:var(--bad-bg)}
.st-running,.st-active{color:var(--run-fg);background:var(--run-bg)}
.st-cancelled,.st-killed,.st-resubmitted{color:var(--warn-fg);background:var(--warn-bg)}
.st-pending,.st-skipped{color:var(--skip-fg);background:var(--skip-bg)}
.progress{display:inline-flex;gap:.5rem;align-items:center;white-space:nowrap}
.progress .track{fill:var(--bar-bg)}
.progress .done{fill:var(--bar-done)}
.progress .running{fill:var(--bar-run)}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--surface);padding:.5rem;
border-radius:6px;font-size:.8rem;margin:.25rem 0 0}
.error-text{color:var(--bad-fg);overflow-wrap:anywhere}
.notice{padding:.5rem 1rem;border-radius:6px;background:var(--warn-bg);color:var(--warn-fg)}
.notice.bad{background:var(--bad-bg);color:var(--bad-fg)}
form.kill{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:1rem 0}
form.kill label{display:flex;flex-direction:column;font-size:.9rem}
form.kill input,form.kill button{font:inherit;padding:.3rem .6rem;border:1px solid var(--border);
border-radius:6px;background:var(--bg);color:var(--fg)}
form.kill button{color:var(--bad-fg);font-weight:600;cursor:pointer}
.pager{display:flex;gap:1rem;margin:.5rem 0}
figure{margin:0 0 1rem}
figcaption{color:var(--muted);font-size:.9rem;margin-top:.25rem}
.scroll{overflow-x:auto;border:1px solid var(--border);border-radius:6px;padding:.5rem;
background:var(--bg)}
svg text{font-family:inherit}
.dag .box{fill:var(--surface);stroke:var(--muted);stroke-width:1.5;stroke-dasharray:6 4}
.dag .st-active .box{stroke:var(--run-fg);stroke-width:2.5}
.dag .st-complete .box{stroke:var(--ok-fg)}
.dag .st-failed .box{stroke:var(--bad-fg);stroke-width:2.5}
.dag .st-skipped{opacity:.55}
.dag a:focus-visible{outline:none}
.dag a:focus-visible .box,.dag a:hover .box{stroke:var(--focus);stroke-width:3;stroke-dasharray:none}
.dag .stage-label{fill:var(--fg);font-size:13px;font-weight:600}
.dag .stage-status{fill:var(--muted);font-size:12px}
.dag .node rect{fill:var(--bg);stroke:var(--fg);stroke-width:1.2}
.dag .node.cached rect{stroke:var(--ok-fg);stroke-width:3}
.dag .node .name{fill:var(--fg);font-size:12.5px;font-weight:600}
.dag .node .sub{fill:var(--muted);font-size:11px}
.dag .edge{pointer-events:none;fill:none;stroke:var(--fg);stroke-width:1.4}
.dag .edge.shuffle{stroke:var(--shuffle);stroke-width:2;stroke-dasharray:7 4}
.dag .arrow{fill:var(--fg)}
.dag .arrow.shuffle{fill:var(--shuffle)}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none;padding:0;margin:.25rem 0 0;
color:var(--muted);font-size:.9rem}
.legend svg{vertical-align:middle;margin-right:.3rem}
.timeline .lane-label{fill:var(--fg);font-size:12px}
.timeline .axis{stroke:var(--border)}
.timeline .tick{fill:var(--muted);font-size:11px}
.timeline .t-success{fill:var(--bar-done)}
.timeline .t-running{fill:var(--bar-run)}
.timeline .t-failed,.timeline .t-fetchFailed,.timeline .t-lost{fill:var(--bar-bad)}
.timeline .t-killed{fill:var(--muted)}
footer{max-width:1600px;margin:0 auto;padding:0 1.5rem 2rem;color:var(--muted);font-size:.85rem}
`;

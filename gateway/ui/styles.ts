import { createHash } from 'node:crypto';

/**
 * The UI's one style sheet, inlined in every page's head (so the log-in page needs no separately served file) and
 * allowed by its hash in the Content-Security-Policy, which allows nothing else: no script, no other style.
 *
 * Colours meet WCAG AA for text (4.5:1, most 7:1) and for borders of controls (3:1); every focusable element gets
 * a visible focus ring.
 */

export const CSS = `
:root { --fg: #1b1f24; --muted: #4a5361; --bg: #ffffff; --panel: #f1f3f5; --line: #c3c9d0; --control: #596270;
  --link: #0b57a4; --accent: #0b3d6e; --error: #a4161a; --error-bg: #fcecec; --ok: #1d6b35; --ok-bg: #e8f4ec; }
* { box-sizing: border-box; }
html { color-scheme: light; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--fg); outline-offset: 2px; box-shadow: 0 0 0 6px #ffd43b; }
.skip { position: absolute; left: 0.5rem; top: -4rem; background: #fff; color: var(--link); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { top: 0.5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
header.top { background: var(--accent); color: #fff; }
header.top .bar { max-width: 76rem; margin: 0 auto; padding: 0.6rem 1.5rem; display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; align-items: center; }
header.top a, header.top .who { color: #fff; }
header.top .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
header.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
header.top .session { margin-left: auto; display: flex; gap: 1rem; align-items: center; }
header.top button { background: #fff; color: var(--accent); border-color: #fff; padding: 0.25rem 0.75rem; }
main { max-width: 76rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
main:focus { outline: none; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0.75rem 0 1rem; }
h2 { font-size: 1.35rem; margin: 1.75rem 0 0.75rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 0.5rem; }
p { max-width: 48rem; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.95em; }
.muted { color: var(--muted); }
.crumbs { margin: 0.5rem 0 0; color: var(--muted); }
.crumbs a { color: var(--link); }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem 1.25rem; align-items: center; margin: 1rem 0; }
.flash { border-left: 6px solid var(--ok); background: var(--ok-bg); padding: 0.6rem 1rem; margin: 1rem 0; max-width: 48rem; }
.flash.error { border-left-color: var(--error); background: var(--error-bg); }
.flash p { margin: 0; }
.summary { border: 3px solid var(--error); padding: 0.75rem 1.25rem; margin: 1rem 0 1.5rem; max-width: 48rem; }
.summary h2 { margin: 0 0 0.5rem; font-size: 1.2rem; }
.summary ul { margin: 0; padding-left: 1.25rem; }
.summary a { color: var(--error); font-weight: 600; }
form.stack { max-width: 48rem; }
form.wide { max-width: none; }
form.inline { display: inline; margin: 0; }
td.wrap { overflow-wrap: anywhere; max-width: 14rem; }
td.failure { min-width: 16rem; max-width: 24rem; overflow-wrap: anywhere; }
td.failure p { margin: 0; }
td button { white-space: nowrap; }
fieldset { border: 1px solid var(--line); border-radius: 4px; padding: 0.75rem 1.25rem 0.25rem; margin: 0 0 1.25rem; }
legend { font-weight: 700; padding: 0 0.35rem; }
.field { margin: 0 0 1.1rem; }
.field label { display: block; font-weight: 600; }
.hint { color: var(--muted); font-size: 0.94rem; margin: 0.1rem 0 0.3rem; }
.error { color: var(--error); font-weight: 600; margin: 0.2rem 0 0.3rem; }
.field.invalid { border-left: 4px solid var(--error); padding-left: 0.75rem; }
input[type="text"], input[type="search"], input[type="password"], input[type="file"], select, textarea {
  font: inherit; color: var(--fg); background: #fff; border: 2px solid var(--control); border-radius: 4px;
  padding: 0.4rem 0.55rem; width: 100%; max-width: 36rem; }
textarea { min-height: 4.5rem; }
.field.invalid input, .field.invalid select, .field.invalid textarea { border-color: var(--error); }
input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid var(--fg); outline-offset: 0; box-shadow: 0 0 0 6px #ffd43b; }
.readonly { font-family: ui-monospace, "DejaVu Sans Mono", monospace; padding: 0.2rem 0; }
button, .button { font: inherit; font-weight: 600; display: inline-block; padding: 0.45rem 1rem; border: 2px solid var(--accent);
  border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; line-height: 1.4; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #8c1d18; border-color: #8c1d18; }
button:hover, .button:hover { text-decoration: underline; }
.search { display: flex; flex-wrap: wrap; gap: 0.5rem 0.75rem; align-items: flex-end; margin: 0 0 1rem; }
.search .field { margin: 0; flex: 0 1 36rem; }
.table-wrap { overflow-x: auto; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0 0 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.65rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); border-bottom: 2px solid var(--control); white-space: nowrap; }
td.num, th.num { text-align: right; }
td ul { margin: 0; padding-left: 1.1rem; }
td p { margin: 0 0 0.25rem; }
dl.fields { display: grid; grid-template-columns: minmax(10rem, max-content) 1fr; gap: 0.35rem 1.5rem; margin: 0 0 1rem; }
dl.fields dt { font-weight: 600; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
.empty { color: var(--muted); }
del { background: var(--error-bg); color: var(--fg); text-decoration: none; padding: 0 0.2rem; }
ins { background: var(--ok-bg); color: var(--fg); text-decoration: none; padding: 0 0.2rem; }
.version { border-top: 2px solid var(--line); padding-top: 0.5rem; margin-top: 1.5rem; }
.badge { display: inline-block; margin-left: 0.6rem; vertical-align: 0.15em; border: 1px solid var(--control); border-radius: 3px; padding: 0 0.4rem; font-size: 0.9rem; font-weight: 600; }
.status-error { color: var(--error); font-weight: 700; }
.status-added, .status-changed { color: var(--ok); font-weight: 700; }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; padding: 0; list-style: none; }
.counts li { background: var(--panel); padding: 0.4rem 0.8rem; border-radius: 4px; }
.pager { display: flex; gap: 1.5rem; margin: 1rem 0; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 2rem; }
`;

/** The CSP source that allows exactly the style element above. */
export const CSS_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

// First-load benchmark: for each page, what a first visit downloads before the
// page is live, and how long until it is. Against a running server
// (OBSERV_BASE_URL), signed in as OBSERV_ADMIN_EMAIL / OBSERV_ADMIN_PASSWORD.
// Every load is a fresh browser context (empty cache). Printed per page: the
// JS + WASM under /pkg/ fetched before `<body data-hydrated>` (gzip -9 of each
// file, as a gzip-serving proxy would send it), the bytes the server actually
// sent for them (a `make release` build is precompressed; Chromium asks plain
// HTTP for gzip) and the time from navigation start to hydrated, median of
// RUNS loads. OBSERV_BUDGET_KB (optional) makes
// the script fail when a page's transfer is above it.
// Run through benches/first_load.sh, which builds and starts the app.
import { gzipSync } from 'node:zlib';
import { base, launch, noteHydration, signIn } from './common.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
const budgetKb = process.env.OBSERV_BUDGET_KB ? Number(process.env.OBSERV_BUDGET_KB) : null;

const browser = await launch();

// Sign in once; every measured load starts from these cookies and nothing else.
const signedIn = await browser.newContext({ baseURL: base });
await signIn(await signedIn.newPage());
const session = await signedIn.storageState();

// Data for the pages: a dataset with items and two finished runs, one trace.
const request = signedIn.request;
async function api(method, path, data) {
  const res = await request.fetch(path, { method, data });
  if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${await res.text()}`);
  return res.status() === 204 ? null : res.json();
}
const dataset = await api('POST', '/api/v1/datasets', {
  name: `first load ${Date.now()}`,
  agent_class: 'echo',
  evaluators: [{ name: 'exact', type: 'exact_match' }],
});
const items = Array.from({ length: 60 }, (_, n) => ({ input: `item ${n}`, expected_output: n % 3 ? `item ${n}` : 'other' }));
await api('POST', `/api/v1/datasets/${dataset.id}/items`, { items });
const runs = [];
for (const name of ['first', 'second']) {
  const run = await api('POST', `/api/v1/datasets/${dataset.id}/runs`, { name, concurrency: 8 });
  while ((await api('GET', `/api/v1/runs/${run.id}`)).status !== 'completed') await new Promise((r) => setTimeout(r, 100));
  runs.push(run.id);
}
const now = BigInt(Date.now()) * 1_000_000n;
await api('POST', '/v1/traces', {
  resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{
    traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'first-load',
    startTimeUnixNano: now.toString(), endTimeUnixNano: (now + 5_000_000n).toString(),
    attributes: [{ key: 'session.id', value: { stringValue: 'first-load-session' } }],
  }] }] }],
});
const trace = (await api('GET', '/api/v1/traces')).data[0];

const d = `/datasets/${dataset.id}`;
const pages = [
  ['dashboard', '/'],
  ['datasets', '/datasets'],
  ['dataset', d],
  ['dataset runs tab', `${d}?tab=runs`],
  ['run', `${d}/runs/${runs[0]}`],
  ['review', `${d}/runs/${runs[0]}/review`],
  ['compare', `${d}/compare?runs=${runs.join(',')}`],
  ['new run', `${d}/runs/new`],
  ['edit dataset', `${d}/edit`],
  ['new item', `${d}/items/new`],
  ['import', `${d}/import`],
  ['traces', '/traces'],
  ['trace', `/traces/${trace.id}`],
  ['sessions', '/sessions'],
  ['connect', '/connect'],
  ['api docs', '/api-docs'],
  ['settings', '/settings'],
  ['users', '/settings/users'],
  ['api keys', '/settings/api-keys'],
];

const gzipCache = new Map();
const gzipped = (url, body) => {
  if (!gzipCache.has(url)) gzipCache.set(url, gzipSync(body, { level: 9 }).length);
  return gzipCache.get(url);
};

async function load(path) {
  const context = await browser.newContext({ baseURL: base, storageState: session });
  const page = await context.newPage();
  await noteHydration(page);
  const fetched = [];
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.pathname.startsWith('/pkg/') && /\.(js|wasm)$/.test(url.pathname)) fetched.push(res);
  });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(path);
  await page.waitForSelector('body[data-hydrated]', { state: 'attached' }).catch((e) => {
    throw new Error(`${path} did not hydrate: ${errors.join(' | ') || e.message}`);
  });
  // Only what had arrived when the page was hydrated counts.
  const before = fetched.slice();
  const hydratedMs = await page.evaluate(() => window.__hydratedAt);
  const files = [];
  for (const res of before) {
    const sent = (await res.request().sizes()).responseBodySize;
    files.push({ path: new URL(res.url()).pathname, gzip: gzipped(res.url(), await res.body()), sent });
  }
  await context.close();
  return { hydratedMs, files };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes) => (bytes / 1024).toFixed(1);
const rows = [];
for (const [name, path] of pages) {
  const loads = [];
  for (let i = 0; i < RUNS; i++) loads.push(await load(path));
  const unique = new Map(loads.at(-1).files.map((f) => [f.path, f]));
  const gzip = [...unique.values()].reduce((a, f) => a + f.gzip, 0);
  const sent = [...unique.values()].reduce((a, f) => a + f.sent, 0);
  rows.push({ name, path, gzip, sent, files: unique.size, hydrated: median(loads.map((l) => l.hydratedMs)) });
}
await browser.close();

console.log(`first load per page (JS + WASM fetched before hydration, gzip -9; time to hydrated, median of ${RUNS})`);
console.log(`${'page'.padEnd(18)} ${'KB gzip'.padStart(9)} ${'KB sent'.padStart(9)} ${'files'.padStart(5)} ${'hydrated'.padStart(10)}`);
for (const r of rows) {
  console.log(`${r.name.padEnd(18)} ${kb(r.gzip).padStart(9)} ${kb(r.sent).padStart(9)} ${String(r.files).padStart(5)} ${(r.hydrated.toFixed(0) + ' ms').padStart(10)}`);
}
if (budgetKb !== null) {
  const over = rows.filter((r) => r.gzip > budgetKb * 1024);
  if (over.length) {
    console.error(`over the ${budgetKb} KB budget: ${over.map((r) => `${r.name} (${kb(r.gzip)} KB)`).join(', ')}`);
    process.exit(1);
  }
  console.log(`every page within the ${budgetKb} KB budget`);
}

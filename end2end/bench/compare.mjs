// Compare-page benchmark: 5 runs × 2,000 items against a running server
// (OBSERV_BASE_URL). Prints payload bytes (the REST payload, whole texts, and the
// page's, previews), server time, and in headless Chromium the time to a
// rendered, hydrated page, to apply a filter and to open a row.
// Run through benches/compare.sh, which builds and starts a release server.
import { base, launch, noteHydration, signIn } from './common.mjs';

const RUNS = 5;
const ITEMS = 2000;

async function api(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OBSERV_API_KEY}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

const pct = (sorted, p) => sorted[Math.round((sorted.length - 1) * p)];

const dataset = await api('POST', '/api/v1/datasets', {
  name: `compare bench ${Date.now()}`,
  agent_class: 'echo',
  evaluators: [
    { name: 'exact', type: 'exact_match' },
    { name: 'similar', type: 'levenshtein', threshold: 0.8 },
    { name: 'mentions', type: 'contains', keywords: ['a'], mode: 'all' },
  ],
});
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const items = Array.from({ length: ITEMS }, (_, n) => {
  const text = `${words[n % 8]} ${words[(n * 3) % 8]} ${n}`;
  return { input: text, expected_output: text };
});
await api('POST', `/api/v1/datasets/${dataset.id}/items`, { items });
const list = (await api('GET', `/api/v1/datasets/${dataset.id}/items?limit=500`)).data;
const runIds = [];
for (let r = 0; r < RUNS; r++) {
  // Between runs some expected outputs change, so runs score differently.
  for (const item of list.slice(r * 40, r * 40 + 40)) {
    await api('PATCH', `/api/v1/datasets/${dataset.id}/items/${item.id}`, { expected_output: `${item.input} changed` });
  }
  const run = await api('POST', `/api/v1/datasets/${dataset.id}/runs`, { name: `run ${r + 1}`, concurrency: 8 });
  while ((await api('GET', `/api/v1/runs/${run.id}`)).status !== 'completed') await new Promise((r) => setTimeout(r, 100));
  runIds.push(run.id);
}
const query = `runs=${runIds.join(',')}`;

// Server: the API payload.
const times = [];
let bytes = 0;
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/datasets/${dataset.id}/compare?${query}`, {
    headers: { authorization: `Bearer ${process.env.OBSERV_API_KEY}` },
  });
  const body = await res.arrayBuffer();
  times.push(performance.now() - t0);
  bytes = body.byteLength;
}
times.sort((a, b) => a - b);
console.log(`payload: ${RUNS} runs × ${ITEMS} items = ${bytes} bytes (${(bytes / 1e6).toFixed(2)} MB)`);
console.log(`server (GET compare over loopback, 20×): p50 ${pct(times, 0.5).toFixed(1)} ms, p95 ${pct(times, 0.95).toFixed(1)} ms`);

const browser = await launch();
const page = await browser.newPage();
await signIn(page);
await noteHydration(page);

const loads = [];
const navs = [];
const filters = [];
const switches = [];
const stats = [];
const opens = [];
const idle = [];
const filterWork = [];
let pageBytes = 0;
for (let i = 0; i < 5; i++) {
  // Full page load: server-rendered table, then WASM hydration.
  await page.goto(`${base}/datasets/${dataset.id}/compare?${query}`);
  await page.waitForSelector('body[data-hydrated]');
  loads.push(await page.evaluate(() => window.__hydratedAt));

  // In-app navigation from the runs tab: fetch the payload and render in WASM.
  await page.goto(`${base}/datasets/${dataset.id}?tab=runs`);
  await page.waitForSelector('body[data-hydrated]');
  for (const id of runIds) await page.locator(`tr[data-run-id="${id}"] .compare-pick`).check();
  const t0 = await page.evaluate(() => performance.now());
  const answer = page.waitForResponse((res) => new URL(res.url()).pathname.startsWith('/api/compare_runs'));
  await page.locator('#compare-selected').click();
  await page.waitForSelector('#compare-table tbody tr.compare-row');
  navs.push((await page.evaluate(() => performance.now())) - t0);
  pageBytes = (await (await answer).body()).length;

  // Open a row: its whole texts fetched and the diffs shown.
  opens.push(
    await page.evaluate(async () => {
      const row = document.querySelector('#compare-table tbody tr.compare-row');
      const t0 = performance.now();
      row.click();
      while (!document.querySelector('#compare-table .compare-texts')) await new Promise((r) => requestAnimationFrame(r));
      const t1 = performance.now();
      row.click();
      return t1 - t0;
    }),
  );

  // A filter: click → rows replaced and painted (two animation frames). Two frames
  // without any work first: the part of that figure that is waiting for frames.
  idle.push(
    await page.evaluate(async () => {
      const t0 = performance.now();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    }),
  );
  for (const name of ['Regressions', 'Outputs differ', 'All']) {
    filters.push(
      await page.evaluate(async (name) => {
        const button = document.querySelector(`button[data-filter="${name}"]`);
        const t0 = performance.now();
        button.click();
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - t0;
      }, name),
    );
  }

  // The same filters, timed without waiting for frames: click → the page's update
  // done (a task after it) → style and layout forced. Paint is left out.
  for (const name of ['Regressions', 'Outputs differ', 'All']) {
    filterWork.push(
      await page.evaluate(async (name) => {
        const button = document.querySelector(`button[data-filter="${name}"]`);
        const t0 = performance.now();
        button.click();
        await new Promise((r) => setTimeout(r, 0));
        document.body.getBoundingClientRect();
        const t = performance.now() - t0;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return t;
      }, name),
    );
  }

  // A baseline switch: every run's statistics against the new baseline (2,000 items ×
  // 4 candidates × 3 scores, 2,000 bootstrap resamples each) recomputed in WASM, then painted.
  for (const r of [1, 2, 3, 0]) {
    const [total, inWasm] = await page.evaluate(async (r) => {
      const input = document.querySelector(`input[name="baseline"][value="${r}"]`);
      const card = document.querySelector('#compare-verdicts');
      const before = card.getAttribute('data-stats-ms');
      const t0 = performance.now();
      input.click();
      await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
      return [performance.now() - t0, Number(card.getAttribute('data-stats-ms') ?? before)];
    }, r);
    switches.push(total);
    // Against the first run the page shows the server's statistics; others are computed in WASM.
    if (r !== 0) stats.push(inWasm);
  }
}
await browser.close();
const show = (label, xs) => {
  xs.sort((a, b) => a - b);
  console.log(`${label}: p50 ${pct(xs, 0.5).toFixed(1)} ms, max ${xs[xs.length - 1].toFixed(1)} ms (${xs.length} samples)`);
};
console.log(`page payload (the compare_runs server function, previews): ${pageBytes} bytes (${(pageBytes / 1e6).toFixed(2)} MB)`);
show('browser: page load → rendered and hydrated', loads);
show('browser: click Compare on the runs tab → table rendered (payload fetched, WASM render)', navs);
show('browser: apply a filter → repainted', filters);
show('browser: two animation frames with no work (the floor of the figure above)', idle);
show('browser: apply a filter → rows replaced, style and layout done (no frame wait, no paint)', filterWork);
show('browser: open a row → whole texts fetched and shown', opens);
show('browser: switch the baseline → statistics recomputed and repainted', switches);
show('WASM: statistics of 4 runs × 3 scores × 2,000 items against the baseline (debug build if run against one)', stats);

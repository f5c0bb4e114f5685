import { test, expect, APIRequestContext } from '@playwright/test';

const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const attr = (key: string, value: string | number) =>
  ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });

/** One LLM call from an app, as OTLP/JSON: `latencyMs` long, started `agoMs` ago, in
 * trace `traceId` (a new one unless given). Returns the trace id. */
async function sendGeneration(request: APIRequestContext, agoMs: number, latencyMs: number, tokens: number,
  traceId: string = hex(32)) {
  const key = await request.post('/api/v1/api-keys', { data: { name: `e2e dashboard ${Date.now()}`, role: 'member' } });
  expect(key.status()).toBe(201);
  const start = BigInt(Date.now() - agoMs) * 1_000_000n;
  const span = {
    traceId, spanId: hex(16), name: 'chat e2e-model',
    startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(latencyMs) * 1_000_000n),
    attributes: [attr('gen_ai.operation.name', 'chat'), attr('gen_ai.request.model', 'e2e-model'),
      attr('gen_ai.usage.input_tokens', tokens - 1), attr('gen_ai.usage.output_tokens', 1)],
  };
  const res = await request.post('/v1/traces', {
    headers: { Authorization: `Bearer ${(await key.json()).secret_key}`, 'Content-Type': 'application/json' },
    data: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }] }),
  });
  expect(res.status(), await res.text()).toBe(200);
  return traceId;
}

test('the dashboard follows a run started and deleted elsewhere live, asking nothing but the event stream', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `live dashboard ${Date.now()}`, agent_class: 'slow-echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  const dataset = await created.json();
  const items = Array.from({ length: 8 }, (_, n) => ({ input: { n }, expected_output: { n } }));
  expect((await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { items } })).status()).toBe(201);

  // Every request the page makes, and those after it is live.
  const all: string[] = [];
  const afterLive: string[] = [];
  let live = false;
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    all.push(path);
    if (live) afterLive.push(path);
  });
  let navigations = 0;
  await page.goto('/');
  page.on('framenavigated', () => navigations++);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.locator('#dashboard[data-live="on"]')).toHaveCount(1);
  live = true;

  const number = async (selector: string) => Number(await page.locator(selector).textContent());
  const runsBefore = await number('#card-runs .stat-value');
  const itemsBefore = await number('#card-items .stat-value');
  const tracesBefore = await number('#card-traces .stat-value');
  const chartBefore = Number(await page.locator('#chart-runs').getAttribute('data-total'));
  const total = async (chart: string) => Number(await page.locator(chart).getAttribute('data-total'));
  const tokensBefore = await total('#chart-tokens');
  const latencyBefore = await total('#chart-latency');
  await expect(page.locator(`#chart-scores-${dataset.id}`)).toHaveCount(0);

  // Elsewhere: the API, not this page.
  const started = await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name: 'from elsewhere', concurrency: 2 } });
  expect(started.status()).toBe(201);
  const run = await started.json();

  await expect(page.locator('#card-runs .stat-value')).toHaveText(String(runsBefore + 1));
  await expect(page.locator('#chart-runs')).toHaveAttribute('data-total', (chartBefore + 1).toFixed(4));
  const row = page.locator(`#recent-runs li[data-run-id="${run.id}"]`);
  await expect(row).toContainText('from elsewhere');
  // Partway: the bar moves with the run.
  await expect(row.locator('.run-counts')).toHaveText(/^[1-7]\/8$/);
  const partway = Number(await row.locator('.progress').getAttribute('aria-valuenow'));
  expect(partway).toBeGreaterThan(0);
  expect(partway).toBeLessThan(100);

  await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
  await expect(row.locator('.run-counts')).toHaveText('8/8');
  await expect(row.locator('.progress')).toHaveAttribute('aria-valuenow', '100.0');
  await expect.poll(() => number('#card-items .stat-value')).toBeGreaterThanOrEqual(itemsBefore + 8);
  await expect.poll(() => number('#card-traces .stat-value')).toBeGreaterThanOrEqual(tracesBefore + 8);
  await expect(page.locator('#card-success .stat-value')).toHaveText(/%$/);
  // The finished run's score mean joins a trend chart of its own dataset.
  await expect(page.locator(`#chart-scores-${dataset.id}`)).toHaveAttribute('data-total', '1.0000');
  // Evaluated again, elsewhere, with an evaluator no output passes: the run's point moves.
  const never = [{ name: 'never', type: 'contains', keywords: ['zzz'], mode: 'all' }];
  expect((await request.patch(`/api/v1/datasets/${dataset.id}`, { data: { evaluators: never } })).status()).toBe(200);
  expect((await request.post(`/api/v1/runs/${run.id}/evaluate`, { data: {} })).status()).toBe(200);
  await expect(page.locator(`#chart-scores-${dataset.id}`)).toHaveAttribute('data-total', '0.0000');

  // An app's LLM call 12 hours ago: its tokens join the per-model chart and
  // its latency that hour's percentiles. It is the longest call of its hour
  // (its length grows through the hour), so that hour's p95 rises.
  const hour = 3_600_000;
  const trace = await sendGeneration(request, 12 * hour, 5 * hour + (Date.now() % hour), 42);
  await expect.poll(() => total('#chart-tokens')).toBeGreaterThanOrEqual(tokensBefore + 42);
  await expect.poll(() => total('#chart-latency')).toBeGreaterThan(latencyBefore);
  // A second call of the same trace, sent later: its tokens join; the trace count stays.
  const traces = await number('#card-traces .stat-value');
  const tokens = await total('#chart-tokens');
  await sendGeneration(request, 12 * hour, 10, 7, trace);
  await expect(page.locator('#chart-tokens')).toHaveAttribute('data-total', (tokens + 7).toFixed(4));
  expect(await number('#card-traces .stat-value')).toBe(traces);

  // The run is deleted elsewhere: it leaves the recent runs and the score
  // trends, and its run and items leave the cards and the runs chart.
  const runsNow = await number('#card-runs .stat-value');
  const itemsNow = await number('#card-items .stat-value');
  const chartNow = await total('#chart-runs');
  expect((await request.delete(`/api/v1/runs/${run.id}`)).status()).toBe(204);
  await expect(row).toHaveCount(0);
  await expect(page.locator('#card-runs .stat-value')).toHaveText(String(runsNow - 1));
  await expect(page.locator('#card-items .stat-value')).toHaveText(String(itemsNow - 8));
  await expect(page.locator('#chart-runs')).toHaveAttribute('data-total', (chartNow - 1).toFixed(4));
  await expect(page.locator(`#chart-scores-${dataset.id}`)).toHaveCount(0);

  // Nothing was asked of the server but the one event stream: no server function, no reload.
  expect(all.filter((p) => p.startsWith('/api/'))).toEqual(['/api/v1/events']);
  expect(afterLive).toEqual([]);
  expect(navigations).toBe(0);
});

test('the time range is in the address and the cards compare with the period before', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.locator('#range .chip.active')).toHaveText('24 h');
  await page.locator('#range').getByRole('link', { name: '7 d' }).click();
  await expect(page).toHaveURL(/\?range=7d$/);
  await expect(page.locator('#range .chip.active')).toHaveText('7 d');
  await expect(page.locator('#card-runs .stat-change')).toHaveAttribute('title', 'against the previous 7 d');
  await expect(page.locator('#card-runs .stat-change')).toHaveText(/^(—|[↑↓→] \d+%)$/);
  await expect(page.locator('#chart-runs svg')).toBeVisible();
  await expect(page.locator('#chart-latency svg')).toBeVisible();
});

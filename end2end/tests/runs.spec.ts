import { test, expect } from '@playwright/test';

test('start a run in the UI and watch it complete with passes and failures', async ({ page, request }) => {
  const name = `lang ${Date.now()}`;
  const created = await request.post('/api/v1/datasets', { data: { name, agent_class: 'language-detector' } });
  expect(created.status()).toBe(201);
  const dataset = await created.json();
  const texts = [
    ['Bonjour, je ne sais pas où est la gare', 'fr'],
    ['What is the capital of France and how big is it?', 'en'],
    ['Hola, muy bien, gracias', 'es'],
    ['Kiitos paljon', 'fi'],
  ];
  const items = [];
  for (let n = 0; n < 30; n++) {
    const [text, lang] = texts[n % texts.length];
    items.push({ input: { text }, expected_output: lang });
  }
  items.push({ input: 42 }); // not text: the agent fails on it
  expect((await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { items } })).status()).toBe(201);

  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.getByText('No runs yet')).toBeVisible();
  await page.getByRole('link', { name: 'Start the first run' }).click();
  await expect(page.getByLabel('Run name')).toHaveValue('Run 1');
  await page.getByLabel('Concurrency').fill('4');
  await page.getByRole('button', { name: 'Start run' }).dblclick();

  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.locator('h1 .badge')).toHaveText('completed');
  await expect(page.locator('#run-counts')).toHaveText('31/31 done (1 failed)');
  await expect(page.locator('#run-items-table tbody tr')).toHaveCount(31);
  await expect(page.locator('#run-items-table tbody tr[data-status="failed"]')).toContainText('`text`');
  await expect(page.getByRole('button', { name: 'Retry failed items' })).toBeVisible();

  // The traces list filtered to this run holds one trace per item.
  await page.getByRole('link', { name: 'Traces of this run' }).click();
  await expect(page.locator('#traces-table tbody tr')).toHaveCount(31);
  await page.goBack();

  // The double click made one run, and the Runs tab shows it finished.
  const runs = await (await request.get(`/api/v1/datasets/${dataset.id}/runs`)).json();
  expect(runs.data.length).toBe(1);
  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  await expect(page.locator('#runs-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#runs-table')).toContainText('31/31 (1 failed)');

  // A trace link leads to the item's trace.
  await page.locator('#runs-table a', { hasText: 'Run 1' }).click();
  await page.locator('#run-items-table tbody tr[data-status="succeeded"]').first().getByRole('link', { name: 'trace' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'dataset_run_item' })).toBeVisible();
  await expect(page.locator('#waterfall')).toContainText('count common words');
});

test('a slow run moves the bar and fills rows live, without reload', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', { data: { name: `slow ${Date.now()}`, agent_class: 'slow-echo' } });
  const dataset = await created.json();
  const items = Array.from({ length: 30 }, (_, n) => ({ input: { n } }));
  expect((await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { items } })).status()).toBe(201);

  await page.goto(`/datasets/${dataset.id}/runs/new`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.getByLabel('Concurrency').fill('2');
  let navigations = 0;
  await page.getByRole('button', { name: 'Start run' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  page.on('framenavigated', () => navigations++);
  await expect(page.locator('h1 .badge')).toHaveText('running');

  // Partway: some rows done, the bar between 0 and 100.
  await expect(page.locator('#run-counts')).toHaveText(/^([2-9]|1\d|2\d)\/30 done/);
  const partway = Number(await page.locator('.progress-wide').getAttribute('aria-valuenow'));
  expect(partway).toBeGreaterThan(0);
  expect(partway).toBeLessThan(100);
  await expect(page.locator('#run-items-table tbody tr[data-status="succeeded"]').first()).toBeVisible();

  await expect(page.locator('h1 .badge')).toHaveText('completed', { timeout: 20_000 });
  await expect(page.locator('#run-counts')).toHaveText('30/30 done (0 failed)');
  await expect(page.locator('.progress-wide')).toHaveAttribute('aria-valuenow', '100.0');
  await expect(page.locator('#run-items-table tbody tr[data-status="succeeded"]')).toHaveCount(30);
  expect(navigations).toBe(0);
});

test('the Runs tab moves a running run\'s row live, and shows where it stopped', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `runs tab ${Date.now()}`, agent_class: 'slow-echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  const dataset = await created.json();
  // slow-echo answers each input with itself: every item passes.
  const items = Array.from({ length: 100 }, (_, n) => ({ input: { n }, expected_output: { n } }));
  expect((await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { items } })).status()).toBe(201);
  const started = await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name: 'watched', concurrency: 1 } });
  expect(started.status()).toBe(201);
  const run = await started.json();

  let navigations = 0;
  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  page.on('framenavigated', () => navigations++);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const row = page.locator(`#runs-table tr[data-run-id="${run.id}"]`);
  const counts = row.locator('.run-counts');
  const status = row.locator('td').nth(2).locator('.badge');
  await expect(status).toHaveText('running');
  // The row's count moves after the page is live: the run's event stream.
  const seen = (await counts.textContent()) ?? '';
  await expect(counts).not.toHaveText(seen);
  await expect(counts).toHaveText(/^\d+\/100 \(0 failed\)$/);

  // Stopped elsewhere, the row says so, with the counts and the scores of the
  // run's last event: those the API gives once the run has stopped.
  expect((await request.post(`/api/v1/runs/${run.id}/cancel`)).status()).toBe(200);
  await expect(status).toHaveText('cancelled');
  const exact = row.locator('.score[data-score="exact"]');
  await expect(exact.locator('.score-value')).toHaveText('100%');
  await expect
    .poll(async () => {
      const r = await (await request.get(`/api/v1/runs/${run.id}`)).json();
      const want = [`${r.completed_items + r.failed_items}/100 (${r.failed_items} failed)`, `exact: ${r.completed_items} scored, 0 errors`];
      return JSON.stringify([await counts.textContent(), await exact.getAttribute('title')]) === JSON.stringify(want);
    })
    .toBe(true);
  expect(navigations).toBe(0);
});

test('a newcomer creates the demo dataset and sees its first run finish', async ({ page }) => {
  await page.goto('/datasets');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Try a demo dataset' }).click();
  await expect(page).toHaveURL(/\/datasets\/\d+\/runs\/\d+$/);
  await expect(page.locator('h1 .badge')).toHaveText('completed');
  await expect(page.locator('#run-counts')).toHaveText('21/21 done (1 failed)');
  await expect(page.locator('#run-items-table tbody tr')).toHaveCount(21);
});

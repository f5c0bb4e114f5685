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
  await expect(page.locator('#observations-table')).toContainText('count common words');
});

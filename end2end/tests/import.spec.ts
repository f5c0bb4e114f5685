import { test, expect, Page } from '@playwright/test';

/** Opens a page and waits until the WASM bundle has hydrated it. */
async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

async function newDataset(page: Page, name: string): Promise<number> {
  const res = await page.request.post('/api/v1/datasets', { data: { name, agent_class: 'echo' } });
  expect(res.status()).toBe(201);
  return (await res.json()).id;
}

test('import a CSV through the UI: preview, mapping, items', async ({ page }) => {
  const id = await newDataset(page, `import e2e ${Date.now()}`);
  await open(page, `/datasets/${id}`);
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${id}/import$`));
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);

  const csv = 'question,answer,notes\n' +
    'What is 2+2?,4,\n' +
    '"{""text"": ""bonjour""}",fr,"{""lang"": true}"\n' +
    '"<b>not bold</b>\nsecond line","""42""",\n';
  await page.locator('#import-file').setInputFiles({ name: 'cases.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });

  // Preview: the header and the rows, as text.
  const preview = page.locator('#import-preview');
  await expect(preview.locator('thead th')).toHaveText(['question', 'answer', 'notes']);
  await expect(preview.locator('tbody tr')).toHaveCount(3);
  await expect(preview).toContainText('<b>not bold</b>');
  await expect(preview.locator('b')).toHaveCount(0);

  // No column is called input: map them.
  await expect(page.getByLabel('Input column')).toHaveValue('');
  await page.getByLabel('Input column').selectOption('question');
  await page.getByLabel('Expected output column').selectOption('answer');
  await page.getByLabel('Metadata column').selectOption('notes');
  await page.getByRole('button', { name: 'Import' }).click();

  await expect(page).toHaveURL(new RegExp(`/datasets/${id}\\?tab=items&imported=3`));
  await expect(page.getByTestId('imported')).toHaveText('Imported 3 items.');
  await expect(page.getByTestId('items-count')).toHaveText('3');
  await expect(page.locator('#items-table tbody tr')).toHaveCount(3);
  await expect(page.locator('#items-table')).toContainText('What is 2+2?');
  await expect(page.locator('#items-table')).toContainText('{"text":"bonjour"}');
});

test('an import with a bad line shows the error naming the line and imports nothing', async ({ page }) => {
  const id = await newDataset(page, `import bad e2e ${Date.now()}`);
  await open(page, `/datasets/${id}/import`);
  const jsonl = '{"input": "fine"}\n{"input": "also fine"}\n{"expected_output": "no input"}\n';
  await page.locator('#import-file').setInputFiles({ name: 'cases.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) });
  await expect(page.getByTestId('import-format')).toContainText('read as JSONL');
  await expect(page.locator('#import-preview tbody tr')).toHaveCount(3);
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('import-error')).toHaveText('line 3: input is required');
  await expect(page).toHaveURL(new RegExp(`/datasets/${id}/import$`));
  const items = await (await page.request.get(`/api/v1/datasets/${id}/items`)).json();
  expect(items.data).toHaveLength(0);
});

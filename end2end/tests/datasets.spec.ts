import { test, expect, Page } from '@playwright/test';

/** Opens a page and waits until the WASM bundle has hydrated it. */
async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

test('dataset and items lifecycle in the browser', async ({ page }) => {
  const name = `e2e set ${Date.now()}`;

  // Create a dataset through the form.
  await open(page, '/datasets/new');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Description').fill('made by the browser test');
  await expect(page.getByLabel('Agent')).toHaveValue('echo');
  await page.getByRole('button', { name: 'Create dataset' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByText('This dataset has no items yet')).toBeVisible();
  const datasetUrl = page.url();

  // An item with broken JSON: the editor shows where, and nothing is saved.
  await page.getByRole('link', { name: 'Add item' }).first().click();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const input = page.getByLabel('Input');
  await input.fill('{"question": "What is 2+2?",}');
  const inputError = page.locator('.field-error[data-field="input"]');
  await expect(inputError).toContainText('line 1 column');
  let saves = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('save_item')) saves++; });
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page).toHaveURL(/items\/new/);
  expect(saves).toBe(0);

  // Fix it and save.
  await input.fill('{"question": "What is 2+2?"}');
  await expect(inputError).toHaveCount(0);
  await page.getByLabel('Expected output (optional)').fill('4');
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page.locator('#items-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#items-table')).toContainText('What is 2+2?');
  expect(saves).toBe(1);

  // A second one, as plain text.
  await page.getByRole('link', { name: 'Add item' }).first().click();
  await expect(page.getByLabel('Input')).toBeVisible();
  await page.getByLabel('Input').fill('Translate bonjour');
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page.locator('#items-table tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('items-count')).toHaveText('2');

  // Edit the first item's expected output.
  const first = page.locator('#items-table tbody tr', { hasText: 'What is 2+2?' });
  await first.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByLabel('Expected output (optional)')).toHaveValue('4');
  await page.getByLabel('Expected output (optional)').fill('"four"');
  await page.getByRole('button', { name: 'Save item' }).click();
  await expect(page.locator('#items-table tbody tr', { hasText: 'What is 2+2?' })).toContainText('four');

  // Archive the plain-text one; counters follow.
  const second = page.locator('#items-table tbody tr', { hasText: 'Translate bonjour' });
  await second.getByRole('button', { name: 'Archive' }).click();
  await expect(second.locator('.badge')).toHaveText('archived');
  await expect(page.getByTestId('active-items-count')).toHaveText('1');

  // Filter by status.
  await page.getByRole('link', { name: 'Archived', exact: true }).click();
  await expect(page.locator('#items-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#items-table')).toContainText('Translate bonjour');
  await page.getByRole('link', { name: 'Active', exact: true }).click();
  await expect(page.locator('#items-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#items-table')).toContainText('What is 2+2?');

  // Search in input and expected output.
  await page.getByRole('link', { name: 'All', exact: true }).click();
  await expect(page.locator('#items-table tbody tr')).toHaveCount(2);
  await page.getByLabel('Search items').fill('four');
  await page.getByLabel('Search items').press('Enter');
  await expect(page.locator('#items-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#items-table')).toContainText('What is 2+2?');
  await page.getByLabel('Search items').fill('nothing-like-this');
  await page.getByLabel('Search items').press('Enter');
  await expect(page.getByText('No item matches')).toBeVisible();

  // The index lists it; then delete the dataset after confirming.
  await open(page, '/datasets');
  await expect(page.locator('#datasets-table')).toContainText(name);
  await page.goto(datasetUrl);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.locator('.page-head').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByText(/Delete “.*” with its 2 items/)).toBeVisible();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(page).toHaveURL(/\/datasets$/);
  await expect(page.getByText(name)).toHaveCount(0);
});

test('dataset form shows validation errors from the server', async ({ page }) => {
  const name = `dup ${Date.now()}`;
  const res = await page.request.post('/api/v1/datasets', { data: { name, agent_class: 'echo' } });
  expect(res.status()).toBe(201);
  await open(page, '/datasets/new');
  await page.getByRole('button', { name: 'Create dataset' }).click();
  await expect(page.locator('.field-error[data-field="name"]')).toHaveText("Name can't be blank");
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create dataset' }).click();
  await expect(page.locator('.field-error[data-field="name"]')).toHaveText('Name has already been taken');
  await expect(page).toHaveURL(/datasets\/new/);
});

test('navigation reaches every top-level page', async ({ page }) => {
  await open(page, '/');
  for (const [link, heading] of [['Datasets', 'Datasets'], ['Traces', 'Traces'], ['Sessions', 'Sessions'], ['Dashboard', 'Dashboard']]) {
    await page.locator('.nav').getByRole('link', { name: link }).click();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  }
});

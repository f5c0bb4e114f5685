import { test, expect } from '@playwright/test';
import { open, signIn, watchCsp } from './helpers';

const PASSWORD = 'viewer password 123';

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('login sends people back where they were going, and logout ends the session', async ({ page }) => {
    await page.goto('/traces?name=abc');
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.getByLabel('Email').fill(process.env.OBSERV_E2E_ADMIN_EMAIL!);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await page.getByLabel('Email').fill(process.env.OBSERV_E2E_ADMIN_EMAIL!);
    await page.getByLabel('Password').fill(process.env.OBSERV_E2E_ADMIN_PASSWORD!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/traces\?name=abc$/);
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
    await expect(page.getByTestId('account-role')).toHaveText('admin');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login\?signed_out=1$/);
    await expect(page.getByText('You are signed out.')).toBeVisible();
    await page.goto('/datasets');
    await expect(page).toHaveURL(/\/login\?next=\/datasets$/);
  });
});

test('a viewer sees no write buttons', async ({ page, request, browser }) => {
  const email = `viewer-${Date.now()}@e2e.example`;
  const created = await request.post('/api/v1/users', { data: { email, password: PASSWORD, role: 'viewer' } });
  expect(created.status()).toBe(201);
  const ds = await (await request.post('/api/v1/datasets', { data: { name: `viewed ${Date.now()}`, agent_class: 'echo' } })).json();
  await request.post(`/api/v1/datasets/${ds.id}/items`, { data: { input: { q: 1 } } });

  // The admin, for contrast, has them.
  await open(page, `/datasets/${ds.id}`);
  await expect(page.getByRole('link', { name: 'Add item' }).first()).toBeVisible();

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const viewer = await context.newPage();
  const csp = watchCsp(viewer);
  await signIn(viewer, email, PASSWORD);
  await expect(viewer.getByTestId('account-role')).toHaveText('viewer');
  await open(viewer, '/datasets');
  await expect(viewer.getByRole('link', { name: 'New dataset' })).toHaveCount(0);
  await open(viewer, `/datasets/${ds.id}`);
  await expect(viewer.locator('#items-table')).toContainText('"q"');
  await expect(viewer.getByRole('link', { name: 'Add item' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(viewer.getByRole('link', { name: 'Edit' })).toHaveCount(0);
  await open(viewer, `/datasets/${ds.id}?tab=runs`);
  await expect(viewer.getByRole('link', { name: 'New run' })).toHaveCount(0);
  await open(viewer, '/settings');
  await expect(viewer.getByRole('link', { name: 'API keys' })).toHaveCount(0);
  expect(csp.violations).toEqual([]);
  await context.close();
});

test('an API key is created on the settings page and its secret shown once', async ({ page, playwright }) => {
  const csp = watchCsp(page);
  await open(page, '/settings/api-keys');
  const name = `e2e key ${Date.now()}`;
  await page.getByLabel('Key name').fill(name);
  await page.getByLabel('Key role').selectOption('viewer');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-secret-key').textContent())!;
  const publicKey = (await page.getByTestId('new-public-key').textContent())!;
  expect(secret).toMatch(/^sk-/);
  await expect(page.locator('#keys-table tr', { hasText: name })).toContainText(`sk-…${secret.slice(-4)}`);

  // The key works from a client with no cookie, with Bearer and with Basic.
  const api = await playwright.request.newContext({ baseURL: process.env.OBSERV_BASE_URL, storageState: { cookies: [], origins: [] } });
  const bearer = await api.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect((await bearer.json()).role).toBe('viewer');
  const basic = Buffer.from(`${publicKey}:${secret}`).toString('base64');
  expect((await api.get('/api/v1/datasets', { headers: { Authorization: `Basic ${basic}` } })).status()).toBe(200);

  // Shown once: after a reload the secret is nowhere on the page.
  await open(page, '/settings/api-keys');
  await expect(page.locator('#keys-table tr', { hasText: name })).toBeVisible();
  expect(await page.content()).not.toContain(secret);

  // Revoked: refused at once.
  const row = page.locator('#keys-table tr', { hasText: name });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(page.locator('#keys-table tr', { hasText: name })).toHaveCount(0);
  expect((await api.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } })).status()).toBe(401);
  await api.dispose();
  expect(csp.violations).toEqual([]);
});

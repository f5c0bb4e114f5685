import { test, expect } from '@playwright/test';
import { open, watchCsp } from './helpers';

// "Connect your app": an admin makes a key there, the snippets carry it, and
// that key sends a trace which then shows in the explorer. The API reference
// renders the OpenAPI document.

test('the connect page makes a key that fills the snippets and sends a trace', async ({ page, request }) => {
  const csp = watchCsp(page);
  await open(page, '/connect');
  await expect(page.getByTestId('otlp-endpoint')).toHaveText(/^http:\/\/[^ ]+\/v1\/traces$/);
  await expect(page.getByTestId('snippet')).toContainText('Bearer sk-…');

  await page.getByRole('button', { name: 'Create a member key for this app' }).click();
  const secret = (await page.getByTestId('connect-secret-key').textContent())!.trim();
  expect(secret).toMatch(/^sk-/);
  await expect(page.getByTestId('snippet')).toContainText(`Bearer ${secret}`);
  await page.getByRole('tab', { name: 'Langfuse · Python' }).click();
  await expect(page.getByTestId('snippet')).toContainText('LANGFUSE_PUBLIC_KEY=pk-');

  // The key from the page sends a span, as an app would.
  const user = `connect-${Date.now()}`;
  const t0 = BigInt(Date.now() - 5_000) * 1_000_000n;
  const res = await request.post('/v1/traces', {
    headers: { Authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    data: { resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId: '5b8efff798038103d269b633813f' + Date.now().toString(16).slice(-4),
      spanId: 'eee19b7ec3c1b174', name: 'from-connect',
      startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 250_000_000n),
      attributes: [{ key: 'user.id', value: { stringValue: user } }],
    }] }] }] },
  });
  expect(res.status()).toBe(200);
  await open(page, `/traces?user_id=${user}`);
  await expect(page.locator('#traces-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#traces-table')).toContainText('from-connect');
  expect(csp.violations).toEqual([]);
});

test('the API reference lists the routes and schemas', async ({ page }) => {
  await open(page, '/api-docs');
  await expect(page.getByRole('heading', { level: 1, name: 'API reference' })).toBeVisible();
  await expect(page.locator('.api-routes').filter({ hasText: '/v1/traces' }).first()).toBeVisible();
  await page.locator('#schema-Trace summary').click();
  await expect(page.locator('#schema-Trace')).toContainText('observations');
});

import { test, expect } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A server of its own with an empty database: the first visit must offer the
// one-time "create the admin" page, and only until the admin exists.
test.use({ storageState: { cookies: [], origins: [] } });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as any).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitUp(base: string, server: ChildProcess) {
  for (;;) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    try {
      const res = await fetch(`${base}/login`, { redirect: 'manual' });
      if (res.status > 0) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the first visit creates the admin, then that page is gone', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'observ-first-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.env.OBSERV_SERVER_BIN!, [], {
    env: {
      PATH: process.env.PATH,
      OBSERV_DATABASE_URL: `sqlite://${dir}/observ.db`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.OBSERV_SITE_ROOT,
      LEPTOS_OUTPUT_NAME: 'observ',
      LEPTOS_ENV: 'DEV',
    },
    stdio: 'ignore',
  });
  try {
    await waitUp(base, server);
    await page.goto(`${base}/`);
    await expect(page).toHaveURL(`${base}/setup`);
    await expect(page.getByRole('heading', { name: 'Welcome to Observ' })).toBeVisible();
    await page.getByLabel('Admin email').fill('first@e2e.example');
    await page.getByLabel('Password', { exact: true }).fill('first admin password');
    await page.getByLabel('Password again').fill('another password');
    await page.getByRole('button', { name: 'Create the admin' }).click();
    await expect(page.getByTestId('setup-error')).toContainText('password_confirmation');
    await page.getByLabel('Admin email').fill('first@e2e.example');
    await page.getByLabel('Password', { exact: true }).fill('first admin password');
    await page.getByLabel('Password again').fill('first admin password');
    await page.getByRole('button', { name: 'Create the admin' }).click();
    await expect(page).toHaveURL(`${base}/`);
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
    await expect(page.getByTestId('account')).toHaveText('first@e2e.example');

    // Gone for good: signed in it leads home, signed out to the login page.
    await page.goto(`${base}/setup`);
    await expect(page).toHaveURL(`${base}/`);
    await page.context().clearCookies();
    await page.goto(`${base}/setup`);
    await expect(page).toHaveURL(`${base}/login`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});

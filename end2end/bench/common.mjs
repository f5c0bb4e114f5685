// What the browser benchmarks share: headless Chromium as this machine has it,
// signing in as the admin the bench scripts create, and the moment a page hydrated.
import { chromium } from '@playwright/test';

export const base = process.env.OBSERV_BASE_URL;

export const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

/** Signs `page` in as OBSERV_ADMIN_EMAIL / OBSERV_ADMIN_PASSWORD through the login form. */
export async function signIn(page) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(process.env.OBSERV_ADMIN_EMAIL);
  await page.getByLabel('Password').fill(process.env.OBSERV_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** From now on, every document `page` loads sets `window.__hydratedAt` when the
 * WASM app has hydrated (lib.rs sets body[data-hydrated]). */
export const noteHydration = (page) =>
  page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.body && document.body.hasAttribute('data-hydrated')) {
        window.__hydratedAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });

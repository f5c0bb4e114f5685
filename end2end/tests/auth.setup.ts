import { test as setup, expect } from '@playwright/test';
import { ADMIN_STATE } from '../playwright.config';
import { watchCsp } from './helpers';

// Signs the admin in through the plain login form (before any WASM runs) and
// keeps the session for every other test.
setup('the admin signs in through the login form', async ({ page }) => {
  const csp = watchCsp(page);
  await page.goto('/datasets');
  await expect(page).toHaveURL(/\/login\?next=\/datasets$/);
  await page.getByLabel('Email').fill(process.env.OBSERV_E2E_ADMIN_EMAIL!);
  await page.getByLabel('Password').fill(process.env.OBSERV_E2E_ADMIN_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/datasets$/);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.getByTestId('account')).toHaveText(process.env.OBSERV_E2E_ADMIN_EMAIL!);
  expect(csp.violations).toEqual([]);
  await page.context().storageState({ path: ADMIN_STATE });
});

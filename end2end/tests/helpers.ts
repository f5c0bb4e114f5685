import { Page, expect } from '@playwright/test';

/** Opens a page and waits until the WASM bundle has hydrated it. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

/** Collects Content-Security-Policy violations the page reports on its console. */
export function watchCsp(page: Page): { violations: string[] } {
  const seen = { violations: [] as string[] };
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy/i.test(text)) seen.violations.push(text);
  });
  return seen;
}

/** Signs in through the login form in this page's (fresh) context. */
export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('account')).toHaveText(email);
}

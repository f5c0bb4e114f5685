import { test, expect, Page } from '@playwright/test';
import { open } from './helpers';

// Before hydrating, the bundle loads the opened page's chunk, found with the
// router's own route table, then hydrates synchronously (src/lib.rs). A page of
// every chunk, a path with a trailing slash and a path that names no page must
// all come alive without a panic.
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /panicked/.test(message.text())) errors.push(message.text());
  });
  return errors;
}

test('a page of every chunk, a trailing slash and an unknown path hydrate', async ({ page }) => {
  const errors = watchErrors(page);
  const pages: [string, string][] = [
    ['/', 'Dashboard'],
    ['/datasets', 'Datasets'],
    ['/datasets/', 'Datasets'],
    ['/datasets/new', 'New dataset'],
    ['/traces', 'Traces'],
    ['/sessions', 'Sessions'],
    ['/settings', 'Settings'],
    ['/no/such/page', 'Page not found'],
  ];
  for (const [path, heading] of pages) {
    await open(page, path);
    await expect(page.getByRole('heading', { level: 1 }), path).toHaveText(heading);
    expect(errors, path).toEqual([]);
  }
});

test('from the not-found page, a link loads another chunk without a reload', async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, '/no/such/page');
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByRole('link', { name: 'Go to your datasets' }).click();
  await expect(page).toHaveURL(/\/datasets$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Datasets');
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(errors).toEqual([]);
});

import { test, expect, APIRequestContext, Page } from '@playwright/test';
import { open } from './helpers';

// Before hydrating, the bundle loads the opened page's chunk, found with the
// router's own route table, then hydrates synchronously (src/lib.rs). Every
// chunk's page (`page_chunks!` in src/app.rs), a path with a trailing slash and
// a path that names no page must all come alive without a panic. `make test`
// also runs this file against the shipped (release) bundle.
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /panicked/.test(message.text())) errors.push(message.text());
  });
  return errors;
}

/** A dataset with one item, run twice by the echo agent: the runs, and the first run's trace and session. */
async function twoRuns(request: APIRequestContext) {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `hydrate ${Date.now()}`, agent_class: 'echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  expect(created.status()).toBe(201);
  const dataset = await created.json();
  const item = await (await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { input: 'hi', expected_output: 'hi' } })).json();
  const runs: number[] = [];
  for (const name of ['hydrate', 'hydrate again']) {
    const run = await (await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name } })).json();
    await expect.poll(async () => (await (await request.get(`/api/v1/runs/${run.id}`)).json()).status).toBe('completed');
    runs.push(run.id);
  }
  const run = { id: runs[0] };
  const [runItem] = (await (await request.get(`/api/v1/runs/${run.id}/items`)).json()).data;
  const trace = await (await request.get(`/api/v1/traces/${runItem.trace_id}`)).json();
  return { dataset: dataset.id, item: item.id, run: run.id, other: runs[1], trace: trace.id, session: trace.session_row_id };
}

test('the page of every chunk, a trailing slash and an unknown path hydrate', async ({ page, request }) => {
  const errors = watchErrors(page);
  const { dataset, item, run, other, trace, session } = await twoRuns(request);
  const pages: [string, string | RegExp][] = [
    ['/', 'Dashboard'],
    ['/datasets', 'Datasets'],
    ['/datasets/', 'Datasets'],
    [`/datasets/${dataset}`, /^hydrate /],
    [`/datasets/${dataset}?tab=runs`, /^hydrate /],
    [`/datasets/${dataset}/items/${item}/edit`, 'Edit item'],
    ['/datasets/new', 'New dataset'],
    [`/datasets/${dataset}/import`, 'Import items'],
    [`/datasets/${dataset}/runs/new`, 'New run'],
    [`/datasets/${dataset}/runs/${run}`, /^hydrate/],
    [`/datasets/${dataset}/runs/${run}/review`, /^Review/],
    [`/datasets/${dataset}/compare?runs=${run},${other}`, /^Compare/],
    ['/traces', 'Traces'],
    [`/traces/${trace}`, /\S/],
    ['/sessions', 'Sessions'],
    [`/sessions/${session}`, /^dataset-run-/],
    ['/settings', 'Settings'],
    ['/no/such/page', 'Page not found'],
  ];
  for (const [path, heading] of pages) {
    await open(page, path);
    await expect(page.getByRole('heading', { level: 1 }).first(), path).toHaveText(heading);
    expect(errors, path).toEqual([]);
  }
});

test('the sign-in page hydrates for a visitor', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await open(page, '/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to Observ');
  expect(errors).toEqual([]);
  await context.close();
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

/** The module names in a pack (scripts/pack-chunks: u32 index length, JSON index, the modules). */
async function packModules(request: APIRequestContext, pack: string): Promise<string[]> {
  const body = await (await request.get(`/pkg/${pack}.wasm`)).body();
  const indexLength = body.readUInt32LE(0);
  return (JSON.parse(body.subarray(4, 4 + indexLength).toString()) as [string, number][]).map(([name]) => name);
}

// A release bundle (`scripts/build-release`) is packed: a first visit fetches its
// page's modules as one file, the one the server preloads; a page opened later
// asks the server for just the modules it still lacks, in one request
// (`/pkg/modules?m=…`). The debug bundle is not packed: there, every module is
// its own file, fetched once.
test('a first visit fetches its page in one pack; a later page only what it lacks, at once', async ({ page, request }) => {
  const errors = watchErrors(page);
  const fetched: string[] = [];
  const asked: string[][] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    const file = /\/pkg\/([^/?]+)\.wasm$/.exec(url.pathname);
    if (file) fetched.push(file[1]);
    if (url.pathname === '/pkg/modules') asked.push((url.searchParams.get('m') ?? '').split(','));
  });
  const manifest: Record<string, string[]> = await (await request.get('/pkg/__wasm_split_manifest.json')).json();
  const chunk = (prefix: string) => Object.keys(manifest).find((key) => key.startsWith(prefix))!;
  const packed = Object.values(manifest).every((modules) => modules.length === 1 && modules[0].startsWith('pack_'));

  await open(page, '/traces');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Traces');
  const first = [...fetched];
  expect(new Set(first).size, `each file once: ${first}`).toBe(first.length);
  if (packed) {
    expect(first.sort()).toEqual(['observ', `pack_${chunk('traces_chunk_')}`].sort());
  }

  await page.getByRole('navigation').getByRole('link', { name: 'Datasets', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Datasets');
  expect(new Set(fetched).size, `no file twice: ${fetched}`).toBe(fetched.length);
  if (packed) {
    const traces = await packModules(request, `pack_${chunk('traces_chunk_')}`);
    const datasets = await packModules(request, `pack_${chunk('datasets_chunk_')}`);
    expect(fetched.slice(first.length)).toEqual([]);
    expect(asked).toHaveLength(1);
    expect(asked[0].sort()).toEqual(datasets.filter((name) => !traces.includes(name)).sort());
  } else {
    expect(asked).toEqual([]);
  }
  expect(errors).toEqual([]);
});

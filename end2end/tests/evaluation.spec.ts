import { test, expect, APIRequestContext } from '@playwright/test';

// A dataset scored by exact_match, run twice with a change of expected outputs
// in between: item "a" improves, item "b" regresses, item "c" stays.
async function twoRuns(request: APIRequestContext) {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `cmp ${Date.now()}`, agent_class: 'echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  expect(created.status()).toBe(201);
  const dataset = await created.json();
  const ids: Record<string, number> = {};
  for (const [input, expected] of [['a', 'x'], ['b', 'b'], ['c', 'c']]) {
    const res = await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { input, expected_output: expected } });
    ids[input] = (await res.json()).id;
  }
  const run = async (name: string) => {
    const res = await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name } });
    const id = (await res.json()).id;
    await expect.poll(async () => (await (await request.get(`/api/v1/runs/${id}`)).json()).status).toBe('completed');
    return id;
  };
  const first = await run('before');
  await request.patch(`/api/v1/datasets/${dataset.id}/items/${ids.a}`, { data: { expected_output: 'a' } });
  await request.patch(`/api/v1/datasets/${dataset.id}/items/${ids.b}`, { data: { expected_output: 'B' } });
  const second = await run('after');
  return { dataset, ids, first, second };
}

test('compare two runs: filters and baseline switch happen in the page without requests', async ({ page, request }) => {
  const { dataset, ids, first, second } = await twoRuns(request);
  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.locator(`tr[data-run-id="${first}"] .compare-pick`).check();
  await page.locator(`tr[data-run-id="${second}"] .compare-pick`).check();
  await page.getByRole('button', { name: 'Compare selected (2)' }).click();
  await expect(page).toHaveURL(new RegExp(`/compare\\?runs=${first},${second}$`));
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const rows = page.locator('#compare-table tbody tr.compare-row');
  await expect(rows).toHaveCount(3);
  await expect(page.locator('#compare-summary')).toContainText('exact (mean)');

  // Data requests only: the page's code (under /pkg/) loads on a schedule of its
  // own; the code of an opened row is prefetched once the page is live.
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!new URL(r.url()).pathname.startsWith('/pkg/')) requests.push(r.url());
  });

  const delta = (item: number, run: number) =>
    page.locator(`tr.compare-row[data-item-id="${item}"] td[data-run="${run}"] .score[data-score="exact"] .delta`);
  await expect(delta(ids.b, 1)).toHaveText('−1');
  await expect(delta(ids.a, 1)).toHaveText('+1');
  // The verdicts: 3 paired items are too few to call; b newly fails, a newly passes.
  const verdict = (run: number) => page.locator(`#compare-verdicts tr[data-verdict-run="${run}"][data-verdict-score="exact"]`);
  await expect(verdict(second).locator('[data-verdict]')).toHaveText('too few items');
  await expect(verdict(second).locator('.newly-failing')).toHaveText(`#${ids.b}`);

  await page.locator('button[data-filter="Regressions"]').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-item-id', String(ids.b));
  await page.locator('button[data-filter="Improvements"]').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-item-id', String(ids.a));

  // The second run becomes the baseline: the first run's deltas carry the opposite signs.
  await page.locator('input[name="baseline"][value="1"]').check();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-item-id', String(ids.b));
  await page.locator('button[data-filter="All"]').click();
  await expect(rows).toHaveCount(3);
  await expect(delta(ids.b, 0)).toHaveText('+1');
  await expect(delta(ids.a, 0)).toHaveText('−1');
  await expect(verdict(first).locator('.newly-failing')).toHaveText(`#${ids.a}`);

  // Sorting by the delta reorders.
  await page.getByLabel('Sort rows').selectOption('worst:exact');
  await expect(rows.first()).toHaveAttribute('data-item-id', String(ids.a));
  expect(requests).toEqual([]);

  // Opening a row fetches its whole texts (one request) and shows the word diff of the outputs.
  await rows.first().click();
  await expect(page.locator('.compare-diff .compare-texts')).toHaveAttribute('data-item-id', String(ids.a));
  // The second run is the baseline by now: the first run's output is diffed against it.
  await expect(page.locator('.compare-diff .diff[data-run="0"]')).toContainText('before vs after');
  expect(requests.map((url) => new URL(url).pathname.replace(/\d+$/, ''))).toEqual(['/api/compare_texts']);
});

test('compare: long texts come as previews, and whole when a row is opened', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `cmp long ${Date.now()}`, agent_class: 'echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  const dataset = await created.json();
  const long = `${'lorem ipsum '.repeat(500)}THE-END`;
  const item = await (await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { input: long, expected_output: long } })).json();
  const runIds: number[] = [];
  for (const name of ['one', 'two']) {
    const run = await (await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name } })).json();
    await expect.poll(async () => (await (await request.get(`/api/v1/runs/${run.id}`)).json()).status).toBe('completed');
    runIds.push(run.id);
  }
  // The REST payload keeps the whole texts.
  const rest = await request.get(`/api/v1/datasets/${dataset.id}/compare?runs=${runIds.join(',')}`);
  expect((await rest.json()).items[0].results[0].output).toBe(long);

  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  for (const id of runIds) await page.locator(`tr[data-run-id="${id}"] .compare-pick`).check();
  const answer = page.waitForResponse((res) => new URL(res.url()).pathname.startsWith('/api/compare_runs'));
  await page.getByRole('button', { name: 'Compare selected (2)' }).click();
  const body = await (await answer).text();
  expect(body).toContain('lorem ipsum');
  expect(body).not.toContain('THE-END');
  expect(body.length).toBeLessThan(long.length);

  const row = page.locator(`#compare-table tr.compare-row[data-item-id="${item.id}"]`);
  const cell = row.locator('td[data-run="1"] .cell-preview');
  await expect(cell).toContainText('lorem ipsum');
  await expect(cell).not.toContainText('THE-END');
  expect((await cell.textContent())!.trim().endsWith('…')).toBe(true);

  await row.click();
  const texts = page.locator('.compare-diff .compare-texts');
  await expect(texts.locator('.compare-input')).toHaveText(long);
  await expect(texts.locator('.compare-expected')).toHaveText(long);
  await expect(page.locator('.compare-diff .diff[data-run="1"] pre')).toHaveText(long);

  await expect(row).toHaveAttribute('aria-expanded', 'true');

  // When the texts can't be had (here the dataset was deleted meanwhile), the row says so.
  // The row closes from the keyboard too.
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.compare-diff')).toHaveCount(0);
  await expect(row).toHaveAttribute('aria-expanded', 'false');
  expect((await request.delete(`/api/v1/datasets/${dataset.id}`)).status()).toBe(204);
  await row.click();
  await expect(page.locator('.compare-diff [role="alert"]').first()).toHaveText('Could not load the whole texts of this item.');
  await expect(page.locator('.compare-diff .error')).toHaveCount(2);
});

test('compare shows rows a page at a time, with the count of all that match', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `cmp many ${Date.now()}`, agent_class: 'echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  const dataset = await created.json();
  const items = Array.from({ length: 25 }, (_, n) => ({ input: `q${n}`, expected_output: `q${n}` }));
  expect((await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { items } })).ok()).toBe(true);
  const runIds: number[] = [];
  for (const name of ['one', 'two']) {
    const run = await (await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name } })).json();
    await expect.poll(async () => (await (await request.get(`/api/v1/runs/${run.id}`)).json()).status).toBe('completed');
    runIds.push(run.id);
  }
  await page.goto(`/datasets/${dataset.id}/compare?runs=${runIds.join(',')}`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const rows = page.locator('#compare-table tbody tr.compare-row');
  await expect(rows).toHaveCount(20);
  await expect(page.locator('#compare-count')).toHaveText('25 of 25 items, the first 20 shown');
  await page.getByRole('button', { name: 'Show more (5 hidden)' }).click();
  await expect(rows).toHaveCount(25);
  await expect(page.locator('#compare-count')).toHaveText('25 of 25 items');
  await page.locator('button[data-filter="Regressions"]').click();
  await expect(rows).toHaveCount(0);
  await expect(page.locator('#compare-count')).toHaveText('0 of 25 items');
});

test('a run is marked as the dataset baseline from the Runs tab', async ({ page, request }) => {
  const { dataset, first } = await twoRuns(request);
  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const row = page.locator(`tr[data-run-id="${first}"]`);
  await row.getByRole('button', { name: 'mark as baseline' }).click();
  await expect(row.locator('.badge-baseline')).toHaveText('baseline');
  await expect.poll(async () => (await (await request.get(`/api/v1/datasets/${dataset.id}`)).json()).baseline_run_id).toBe(first);
  await page.reload();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.locator(`tr[data-run-id="${first}"] .badge-baseline`)).toHaveText('baseline');
  await page.locator(`tr[data-run-id="${first}"]`).getByRole('button', { name: 'unmark baseline' }).click();
  await expect(page.locator(`tr[data-run-id="${first}"] .badge-baseline`)).toHaveCount(0);
});

test('review mode walks unreviewed items with the keyboard', async ({ page, request }) => {
  const { dataset, second } = await twoRuns(request);
  await page.goto(`/datasets/${dataset.id}/runs/${second}`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.locator('#score-summary tr[data-score-name="exact"]')).toContainText('67%');
  await page.getByRole('link', { name: 'Review' }).click();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.locator('#review-item')).toContainText('3 left to review');
  await expect(page.locator('#review-item[data-ready]')).toHaveCount(1);
  await page.keyboard.press('c');
  await expect(page.locator('#review-item')).toContainText('2 left to review');
  await page.getByLabel('Comment (optional)').fill('should be uppercase');
  await page.getByRole('button', { name: 'Incorrect (x)' }).click();
  await expect(page.locator('#review-item')).toContainText('1 left to review');
  await expect(page.locator('#review-item[data-ready]')).toHaveCount(1);
  await page.keyboard.press('s');
  await expect(page.locator('#review-done')).toContainText('1 skipped items remain unreviewed');
  await page.getByRole('button', { name: 'Start over with the skipped ones' }).click();
  // The key acts on the item on screen: wait until the skipped one is back.
  await expect(page.locator('#review-item')).toContainText('1 left to review');
  await expect(page.locator('#review-item[data-ready]')).toHaveCount(1);
  await page.keyboard.press('c');
  await expect(page.locator('#review-done')).toContainText('Every finished item has been reviewed');

  await page.getByRole('link', { name: 'Back to the run' }).click();
  await expect(page.locator('#score-summary tr[data-score-name="correct"]')).toContainText('67%');
  const items = await (await request.get(`/api/v1/runs/${second}/items`)).json();
  const comments = items.data.flatMap((i: any) => i.scores).filter((s: any) => s.name === 'correct').map((s: any) => s.comment);
  expect(comments).toContain('should be uppercase');
});

test('evaluators are configured in the dataset form', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', { data: { name: `ev ${Date.now()}`, agent_class: 'echo' } });
  const dataset = await created.json();
  await page.goto(`/datasets/${dataset.id}/edit`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.getByLabel('Evaluator type').selectOption('regex');
  await page.getByRole('button', { name: 'Add evaluator' }).click();
  const card = page.locator('.evaluator[data-type="regex"]');
  await card.getByLabel('Pattern').fill('(unclosed');
  await page.getByRole('button', { name: 'Save dataset' }).click();
  await expect(card.locator('.field-error')).toContainText('pattern: is not a valid regular expression');
  await card.getByLabel('Pattern').fill('^[a-z]+$');
  await page.getByLabel('Evaluator type').selectOption('levenshtein');
  await page.getByRole('button', { name: 'Add evaluator' }).click();
  await page.locator('.evaluator[data-type="levenshtein"]').getByLabel('Pass threshold (0–1)').fill('0.7');
  await page.getByRole('button', { name: 'Save dataset' }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${dataset.id}$`));
  const saved = await (await request.get(`/api/v1/datasets/${dataset.id}`)).json();
  expect(saved.evaluators).toEqual([
    { name: 'regex', type: 'regex', pattern: '^[a-z]+$', case_insensitive: false },
    { name: 'levenshtein', type: 'levenshtein', threshold: 0.7 },
  ]);
});

test('repetitions, judge calibration and score means on the Runs tab', async ({ page, request }) => {
  const created = await request.post('/api/v1/datasets', {
    data: { name: `reps ${Date.now()}`, agent_class: 'echo', evaluators: [{ name: 'exact', type: 'exact_match' }] },
  });
  const dataset = await created.json();
  for (const [input, expected] of [['a', 'a'], ['b', 'b'], ['c', 'x']]) {
    await request.post(`/api/v1/datasets/${dataset.id}/items`, { data: { input, expected_output: expected } });
  }
  const started = await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name: 'twice', repetitions: 2 } });
  expect(started.status()).toBe(201);
  const run = (await started.json()).id;
  await expect.poll(async () => (await (await request.get(`/api/v1/runs/${run}`)).json()).status).toBe('completed');
  // People label the first attempts; a judge scores them too: it agrees on a and c, not on b.
  const items = (await (await request.get(`/api/v1/runs/${run}/items`)).json()).data;
  const plan: Record<string, [boolean, number]> = { a: [true, 0.9], b: [false, 0.8], c: [false, 0.1] };
  for (const item of items.filter((i: { repetition: number }) => i.repetition === 0)) {
    const [human, judge] = plan[item.input];
    expect((await request.post('/api/v1/scores', { data: { run_item_id: item.id, name: 'correct', value: human } })).status()).toBe(201);
    const judged = { run_item_id: item.id, name: 'judge', value: judge, source: 'llm_judge' };
    expect((await request.post('/api/v1/scores', { data: judged })).status()).toBe(201);
  }

  await page.goto(`/datasets/${dataset.id}?tab=runs`);
  await expect(page.locator(`tr[data-run-id="${run}"] .run-scores .score[data-score="exact"]`)).toHaveText('exact 67%');

  await page.goto(`/datasets/${dataset.id}/runs/${run}`);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.locator('#repetitions h2')).toHaveText('Repetitions (k = 2)');
  await expect(page.locator('#flaky-count')).toHaveText('0 of 3 items flaky');
  await expect(page.locator('#pass-at-k')).toHaveText('67%');
  await expect(page.locator('#run-flaky')).toHaveText('0');
  const judge = page.locator('#judge-calibration tr[data-judge="judge"]');
  await expect(judge.locator('td').nth(1)).toHaveText('3');
  await expect(judge.locator('td').nth(2)).toHaveText('67%');
  // p_o = 2/3; people pass 1 of 3, the judge 2 of 3: p_e = 4/9, κ = (2/3 − 4/9) / (5/9) = 0.4.
  await expect(judge.locator('td').nth(3)).toHaveText('0.40 (fair)');
  await expect(page.locator('#run-items-table .badge-flaky')).toHaveCount(0);

  // Compare with a run of one attempt: the repeated run's cells say over how many attempts.
  const once = (await (await request.post(`/api/v1/datasets/${dataset.id}/runs`, { data: { name: 'once' } })).json()).id;
  await expect.poll(async () => (await (await request.get(`/api/v1/runs/${once}`)).json()).status).toBe('completed');
  await page.goto(`/datasets/${dataset.id}/compare?runs=${run},${once}`);
  await expect(page.locator('.compare-row')).toHaveCount(3);
  await expect(page.locator('.compare-row td[data-run="0"] .repetitions')).toHaveText(['2 attempts', '2 attempts', '2 attempts']);
  await expect(page.locator('.compare-row td[data-run="1"] .repetitions')).toHaveCount(0);
  await expect(page.locator('.compare-row .failed-repetitions')).toHaveCount(0);
  // Opening a row lists each attempt of the repeated run, with its own score; the single run has none to list.
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.locator('.compare-row').first().click();
  const attempts = page.locator('.compare-diff .compare-attempts[data-run="0"] tbody tr');
  await expect(attempts).toHaveCount(2);
  await expect(attempts.locator('.badge')).toHaveText(['succeeded', 'succeeded']);
  await expect(attempts.first().locator('.score[data-score="exact"]')).toHaveText(/^exact (0|1)$/);
  await expect(page.locator('.compare-diff .compare-attempts[data-run="1"]')).toHaveCount(0);
});

import { test, expect, APIRequestContext } from '@playwright/test';
import { open, watchCsp } from './helpers';

// Traces come in as an app sends them: OTLP/JSON on /v1/traces with an API key.

const hex = (length: number) =>
  Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');

type Attr = { key: string; value: { stringValue?: string; intValue?: string } };
const text = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): Attr => ({ key, value: { intValue: String(value) } });

interface SpanSpec {
  id: string;
  parent?: string;
  name: string;
  from: number; // ms after the trace's start
  to: number;
  attributes?: Attr[];
  error?: string;
}

async function apiKey(request: APIRequestContext): Promise<string> {
  const res = await request.post('/api/v1/api-keys', { data: { name: `e2e traces ${Date.now()}`, role: 'member' } });
  expect(res.status()).toBe(201);
  return (await res.json()).secret_key;
}

async function sendTrace(request: APIRequestContext, secret: string, traceId: string | null, spans: SpanSpec[], agoMs = 60_000) {
  const t0 = BigInt(Date.now() - agoMs) * 1_000_000n;
  const ns = (ms: number) => String(t0 + BigInt(ms) * 1_000_000n);
  const body = {
    resourceSpans: [{
      resource: { attributes: [text('service.name', 'e2e-shop')] },
      scopeSpans: [{
        spans: spans.map((s) => ({
          traceId: traceId ?? hex(32), // none: each span is a trace of its own
          spanId: s.id,
          ...(s.parent ? { parentSpanId: s.parent } : {}),
          name: s.name,
          startTimeUnixNano: ns(s.from),
          endTimeUnixNano: ns(s.to),
          attributes: s.attributes ?? [],
          ...(s.error ? { status: { code: 2, message: s.error } } : {}),
        })),
      }],
    }],
  };
  const res = await request.post('/v1/traces', {
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    data: JSON.stringify(body),
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** A support question: a root span, a retrieval, a chat generation, and a tool call that failed. */
async function seed(request: APIRequestContext) {
  const run = `${Date.now().toString(36)}${hex(4)}`;
  const secret = await apiKey(request);
  const ids = { trace: hex(32), root: hex(16), retrieve: hex(16), chat: hex(16), tool: hex(16) };
  const user = `shopper-${run}`;
  await sendTrace(request, secret, ids.trace, [
    {
      id: ids.root, name: 'answer-question', from: 0, to: 900,
      attributes: [
        text('user.id', user), text('session.id', `support-${run}`), text('langfuse.trace.tags', '["e2e","support"]'),
        text('input.value', `where is my parcel e2e${run}`), text('output.value', 'It ships tomorrow'),
      ],
    },
    { id: ids.retrieve, parent: ids.root, name: 'lookup-order', from: 40, to: 260, attributes: [text('openinference.span.kind', 'RETRIEVER')] },
    {
      id: ids.chat, parent: ids.root, name: 'chat gpt-4o', from: 280, to: 820,
      attributes: [
        text('gen_ai.operation.name', 'chat'), text('gen_ai.request.model', 'gpt-4o'),
        int('gen_ai.usage.input_tokens', 42), int('gen_ai.usage.output_tokens', 7),
        text('gen_ai.input.messages', JSON.stringify([{ role: 'user', content: 'Where is order 1234?' }])),
        text('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', content: 'It ships tomorrow' }])),
      ],
    },
    { id: ids.tool, parent: ids.chat, name: 'carrier-api', from: 300, to: 500, error: 'carrier timed out' },
  ]);
  // Someone else's trace from two hours ago, with the same search word, which filters must leave out.
  await sendTrace(request, secret, hex(32), [{
    id: hex(16), name: 'answer-question', from: 0, to: 100,
    attributes: [text('user.id', `other-${run}`), text('input.value', `an older question e2e${run}`)],
  }], 2 * 3_600_000);
  return { run, user, ids };
}

test('the explorer filters by user and by full-text search, in the URL', async ({ page, request }) => {
  const csp = watchCsp(page);
  const { run, user } = await seed(request);
  await open(page, '/traces');
  const filters = page.locator('#trace-filters');
  await filters.getByLabel('User').fill(user);
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(new RegExp(`user_id=${user}`));
  const rows = page.locator('#traces-table tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('answer-question');
  await expect(rows.first()).toContainText(user);
  await expect(rows.first().locator('.badge-failed')).toHaveText('error');
  await expect(rows.first().locator('.tag')).toHaveText(['e2e', 'support']);

  // The search finds the words of both inputs, the time range only the recent one;
  // the link holds the whole view.
  await open(page, '/traces');
  await page.getByLabel('Search inputs and outputs').fill(`e2e${run}`);
  await page.getByLabel('Sort traces').selectOption('latency');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/sort=latency/);
  await expect(rows).toHaveCount(2);
  await filters.getByLabel('Time range').selectOption('1h');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/range=1h/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(user);
  await open(page, page.url());
  await expect(page.getByLabel('Search inputs and outputs')).toHaveValue(`e2e${run}`);
  await expect(filters.getByLabel('Time range')).toHaveValue('1h');
  await expect(rows).toHaveCount(1);

  await open(page, `/traces?user_id=nobody-${run}`);
  await expect(page.getByRole('heading', { name: 'No traces match these filters' })).toBeVisible();
  expect(csp.violations).toEqual([]);
});

test('a trace waterfall folds, selects an observation, and adds it to a dataset', async ({ page, request }) => {
  const csp = watchCsp(page);
  const { run, user, ids } = await seed(request);
  const name = `from traces ${run}`;
  const created = await request.post('/api/v1/datasets', { data: { name, agent_class: 'echo' } });
  expect(created.status()).toBe(201);
  const dataset = await created.json();

  await open(page, `/traces?user_id=${user}`);
  await page.locator('#traces-table').getByRole('link', { name: 'answer-question' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'answer-question' })).toBeVisible();
  await expect(page.locator('#trace-header')).toContainText(user);
  await expect(page.locator('#trace-error')).toContainText('carrier timed out');

  // Tree order with nesting; the failed call is marked.
  const waterfall = page.locator('#waterfall');
  const row = (id: string) => waterfall.locator(`.wf-row[data-observation-id="${id}"]`);
  await expect(waterfall.locator('.wf-row')).toHaveCount(4);
  await expect(waterfall.locator('.wf-row .wf-name')).toHaveText(['answer-question', 'lookup-order', 'chat gpt-4o', 'carrier-api']);
  await expect(row(ids.tool)).toHaveAttribute('data-depth', '2');
  await expect(row(ids.tool)).toHaveClass(/wf-error/);
  await expect(row(ids.chat)).toContainText('gpt-4o');
  await expect(row(ids.chat).locator('.wf-bar')).toBeVisible();

  // Folding the root hides everything under it; unfolding brings it back.
  await row(ids.root).locator('.wf-toggle').click();
  await expect(row(ids.root).locator('.wf-toggle')).toHaveAttribute('aria-expanded', 'false');
  await expect(row(ids.chat)).toBeHidden();
  await expect(row(ids.tool)).toBeHidden();
  await row(ids.root).locator('.wf-toggle').click();
  await expect(row(ids.chat)).toBeVisible();
  await row(ids.chat).locator('.wf-toggle').click();
  await expect(row(ids.tool)).toBeHidden();
  await expect(row(ids.retrieve)).toBeVisible();
  await row(ids.chat).locator('.wf-toggle').click();
  await expect(row(ids.tool)).toBeVisible();

  // Selecting the generation shows its payloads as folding JSON trees.
  await row(ids.chat).click();
  await expect(row(ids.chat)).toHaveClass(/selected/);
  const detail = page.locator('#observation-detail');
  await expect(detail).toHaveAttribute('data-observation-id', ids.chat);
  await expect(detail.locator('h3')).toHaveText('chat gpt-4o');
  const input = detail.locator('[data-part="Input"] .json-tree');
  await expect(input).toContainText('"Where is order 1234?"');
  await expect(page).toHaveURL(new RegExp(`observation=${ids.chat}`));
  await open(page, page.url());
  await expect(detail).toHaveAttribute('data-observation-id', ids.chat);
  await input.locator('.jt-toggle').first().click();
  await expect(input.locator('.jt-toggle').first()).toHaveAttribute('aria-expanded', 'false');
  await expect(input).not.toContainText('Where is order 1234?');
  await input.locator('.jt-toggle').first().click();
  await expect(input).toContainText('"Where is order 1234?"');
  await expect(detail.locator('[data-part="Usage"]')).toContainText('42');

  // The trace's own "Add to dataset" form comes on demand as well.
  const traceForm = page.locator('#add-to-dataset');
  await traceForm.getByRole('button', { name: 'Add this trace to a dataset…' }).click();
  await expect(traceForm.getByLabel('Dataset').locator('option', { hasText: name })).toHaveCount(1);
  await expect(traceForm.getByLabel('Input path')).toBeVisible();

  // The form's code comes on demand: a button fetches it and shows the form.
  await detail.getByRole('button', { name: 'Add this observation to a dataset…' }).click();
  // Paths pick the question and the answer; the page shows what they pick.
  await detail.getByLabel('Dataset').selectOption({ label: name });
  await detail.getByLabel('Input path').fill('$[0].content');
  await detail.getByLabel('Expected output path').fill('messages.0');
  await expect(detail.locator('.field-error[data-field="expected_path"]')).toContainText('`messages.0` matches nothing');
  await detail.getByLabel('Expected output path').fill('0.content');
  await expect(detail.locator('.path-preview[data-field="input_path"]')).toContainText('Where is order 1234?');
  await expect(detail.locator('.path-preview[data-field="expected_path"]')).toContainText('It ships tomorrow');
  await detail.getByRole('button', { name: 'Add to dataset' }).click();
  await expect(detail.getByRole('status')).toContainText(/Added as item \d+\./);
  await detail.getByRole('link', { name: 'Open the dataset' }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${dataset.id}\\?tab=items`));
  await expect(page.locator('#items-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#items-table tbody tr')).toContainText('Where is order 1234?');
  await expect(page.locator('#items-table tbody tr')).toContainText('It ships tomorrow');
  expect(csp.violations).toEqual([]);
});

test('a session lists its traces with their totals', async ({ page, request }) => {
  const { run, user } = await seed(request);
  await open(page, '/sessions');
  await page.locator('#sessions-table').getByRole('link', { name: `support-${run}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `support-${run}` })).toBeVisible();
  await expect(page.locator('#session-header')).toContainText(user);
  const traces = page.locator('#session-traces tbody tr');
  await expect(traces).toHaveCount(1);
  await expect(traces.first()).toContainText('answer-question');
  await expect(traces.first()).toContainText('49');
  await expect(traces.first().locator('.badge-failed')).toHaveText('error');
});

test('the explorer pages by keyset: next page, then back to the first', async ({ page, request }) => {
  const user = `pager-${Date.now().toString(36)}${hex(4)}`;
  const secret = await apiKey(request);
  const spans = Array.from({ length: 53 }, (_, n) => ({
    id: hex(16), name: `paged ${n}`, from: n * 10, to: n * 10 + 5, attributes: [text('user.id', user)],
  }));
  await sendTrace(request, secret, null, spans);
  await open(page, `/traces?user_id=${user}&sort=time`);
  const rows = page.locator('#traces-table tbody tr');
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText('paged 52');
  await expect(page.getByRole('link', { name: 'First page' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(rows).toHaveCount(3);
  await expect(rows.last()).toContainText('paged 0');
  await expect(page.getByRole('link', { name: 'Next page' })).toHaveCount(0);
  await page.getByRole('link', { name: 'First page' }).click();
  await expect(page).not.toHaveURL(/cursor=/);
  await expect(page).toHaveURL(new RegExp(`user_id=${user}`));
  await expect(rows).toHaveCount(50);
});

// Dashboard benchmark: event → repaint latency. Against a running server
// (OBSERV_BASE_URL), signed in as OBSERV_ADMIN_EMAIL / OBSERV_ADMIN_PASSWORD,
// it opens the dashboard in headless Chromium and sends N OTLP traces, one at
// a time, each after the page has painted the previous one. For each, the page
// notes the first frame after the dashboard applied the event; printed: from
// the event's `sent_ms` (server clock, same machine) and from the request.
// Run through benches/dashboard.sh, which builds and starts a release server.
import { base, launch, signIn } from './common.mjs';

const N = Number(process.env.N ?? 50);

const browser = await launch();
const page = await browser.newPage({ baseURL: base });
await signIn(page);
await page.goto('/');
await page.locator('#dashboard[data-live="on"]').waitFor();
// Each change of `data-event` (the applied event's sent_ms): the time of the next frame.
await page.evaluate(() => {
  window.__painted = [];
  const root = document.getElementById('dashboard');
  new MutationObserver(() => {
    const sent = Number(root.getAttribute('data-event'));
    requestAnimationFrame(() => window.__painted.push({ sent, painted: Date.now() }));
  }).observe(root, { attributes: true, attributeFilter: ['data-event'] });
});

const api = page.context().request;
const hex = (n, len) => n.toString(16).padStart(len, '0');
const fromSend = [];
const fromRequest = [];
for (let i = 0; i < N; i++) {
  const start = BigInt(Date.now()) * 1_000_000n;
  const body = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{
    traceId: hex(Date.now(), 20) + hex(i, 12), spanId: hex(i + 1, 16), name: 'bench',
    startTimeUnixNano: start.toString(), endTimeUnixNano: (start + 5_000_000n).toString(),
    attributes: [{ key: 'llm.model_name', value: { stringValue: 'bench-model' } }, { key: 'llm.token_count.prompt', value: { intValue: '3' } }],
  }] }] }] };
  const requested = Date.now();
  const res = await api.post('/v1/traces', { data: body });
  if (!res.ok()) throw new Error(`ingest: ${res.status()} ${await res.text()}`);
  await page.waitForFunction((n) => window.__painted.length > n, i);
  const { sent, painted } = (await page.evaluate(() => window.__painted)).at(-1);
  fromSend.push(painted - sent);
  fromRequest.push(painted - requested);
}
await browser.close();

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
console.log(`dashboard event → repaint over ${N} trace ingests`);
console.log(`  from the event's sent_ms: p50 ${pct(fromSend, 0.5)} ms, p95 ${pct(fromSend, 0.95)} ms, max ${Math.max(...fromSend)} ms`);
console.log(`  from the ingest request:  p50 ${pct(fromRequest, 0.5)} ms, p95 ${pct(fromRequest, 0.95)} ms, max ${Math.max(...fromRequest)} ms`);

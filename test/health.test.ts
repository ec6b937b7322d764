import { apiClient, startApi, testConfig, type RunningApi } from './support/stack';

describe('health, metrics and API docs', () => {
  const config = testConfig();
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(config);
  });
  afterAll(async () => {
    await api.close();
  });

  it('reports every dependency up with its latency', async () => {
    const res = await apiClient(api.url)('GET', '/health');
    expect(res.body.dependencies).toBeDefined();
    for (const name of ['postgres', 'temporal', 'typesense', 'livekit']) {
      expect(res.body.dependencies[name]).toMatchObject({ status: 'up' });
      expect(typeof res.body.dependencies[name].latency_ms).toBe('number');
    }
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('reports a dependency that is down, with 503', async () => {
    const broken = testConfig({ TYPESENSE_URL: 'http://127.0.0.1:9' });
    const other = await startApi(broken);
    try {
      const res = await apiClient(other.url)('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body.dependencies.typesense.status).toBe('down');
      expect(res.body.dependencies.typesense.error).toBeTruthy();
      expect(res.body.dependencies.postgres.status).toBe('up');
    } finally {
      await other.close();
    }
  });

  it('serves Prometheus metrics and the OpenAPI document', async () => {
    await apiClient(api.url)('GET', '/health');
    const metrics = await fetch(`${api.url}/metrics`);
    const text = await metrics.text();
    expect(text).toContain('recado_http_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/health"/);
    const doc = await apiClient(api.url)('GET', '/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/messages', '/v1/contacts', '/health']));
    expect((await fetch(`${api.url}/docs`)).status).toBe(200);
  });

  it('logs a 5xx under an error id and returns only the id', async () => {
    // A database that refuses connections makes the request fail unexpectedly.
    const broken = testConfig({ DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:9/none' });
    const other = await startApi(broken);
    try {
      const res = await apiClient(other.url, 'rk_anything')('GET', '/v1/contacts');
      expect(res.status).toBe(500);
      expect(res.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|nobody/);
    } finally {
      await other.close();
    }
  });
});

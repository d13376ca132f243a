import SwaggerParser from '@apidevtools/swagger-parser';
import { RESULT_CODES } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../apps/server/src/errors.js';
import { api } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// The OpenAPI document the server serves: every route the app registers, every error code of the catalog
// with its status, every result code; valid by a real OpenAPI 3.1 validator; and the answers of the
// integrator's routes as the document describes them.

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let srv: TestServer;
let doc: Json;

beforeAll(async () => {
  srv = await startServer();
  const res = await fetch(`${srv.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await res.json()) as Json;
});
afterAll(() => srv?.stop());

/** Hono's pattern as an OpenAPI path, written here apart from the server's own conversion. */
const templated = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}');

describe('GET /openapi.json', () => {
  it('describes every route the app registers, and no other', () => {
    const registered = srv.server.routes().map((r) => `${r.method.toLowerCase()} ${templated(r.path)}`);
    expect(registered.length).toBeGreaterThan(60);
    const described = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.keys(item as Json)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method} ${path}`),
    );
    expect(registered.filter((r) => !described.includes(r)), 'routes missing from the document').toEqual([]);
    expect(described.filter((d) => !registered.includes(d)), 'operations the app does not register').toEqual([]);
  });

  it('passes an OpenAPI 3.1 validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // swagger-parser dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('names every error code of the catalog with its status, and each route answers a code with that status', () => {
    const schemas = doc.components.schemas as Json;
    for (const [code, status] of Object.entries(HTTP_STATUS)) {
      const schema = schemas[`Error_${code}`];
      expect(schema, code).toBeDefined();
      expect(schema['x-status'], code).toBe(status);
      expect(schema.properties.error.properties.code.const, code).toBe(code);
      expect(schema.description, code).toMatch(new RegExp(`^HTTP ${status}\\. `));
    }
    expect([...schemas.ErrorBody.properties.error.properties.code.enum].sort()).toEqual(Object.keys(HTTP_STATUS).sort());
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        for (const [status, response] of Object.entries(op.responses as Json)) {
          const schema = (response as Json).content?.['application/json']?.schema;
          const refs: string[] = (schema?.anyOf ?? [schema]).map((s: Json | undefined) => s?.$ref).filter((ref: unknown) => typeof ref === 'string' && ref.includes('/Error_'));
          for (const ref of refs) expect(HTTP_STATUS[ref.split('/Error_')[1] as keyof typeof HTTP_STATUS], `${method} ${path} ${status} ${ref}`).toBe(Number(status));
        }
      }
    }
  });

  it('documents every result code with its name and Chinese title', () => {
    const { oneOf } = doc.components.schemas.ResultCode as { oneOf: { const: number; title: string; description: string }[] };
    expect(oneOf).toHaveLength(Object.keys(RESULT_CODES).length);
    for (const [name, { code, title }] of Object.entries(RESULT_CODES)) {
      const entry = oneOf.find((e) => e.const === code);
      expect(entry?.title, name).toBe(name);
      expect(entry?.description, name).toContain(title);
    }
    expect([...doc.components.schemas.ResultName.enum].sort()).toEqual(Object.keys(RESULT_CODES).sort());
  });

  it('describes every JSON answer field by field (test/openapi-answers.test.ts checks them against real answers)', () => {
    const vague: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      if (path === '/openapi.json') continue;
      for (const [method, op] of Object.entries(item as Json)) {
        const [status, ok] = Object.entries(op.responses as Json).find(([s]) => s.startsWith('2')) ?? [];
        const content = (ok as Json | undefined)?.content ?? {};
        const schema = content['application/json']?.schema;
        if (status === undefined || status === '204' || (!schema && Object.keys(content).length > 0)) continue;
        if (!schema || !(schema.$ref || schema.properties)) vague.push(`${method} ${path}`);
      }
    }
    expect(vague).toEqual([]);
  });

  it('lists the security each credential needs', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminToken', 'csrfToken', 'memberToken', 'merchantKey', 'metricsToken', 'ownerSession']);
    expect(doc.paths['/api/scans'].post.security).toEqual([{ merchantKey: [] }]);
    expect(doc.paths['/api/office/stores'].post.security).toEqual([{ ownerSession: [], csrfToken: [] }]);
    expect(doc.paths['/api/scans'].post.parameters.map((p: Json) => p.name)).toContain('Idempotency-Key');
  });
});

describe('in production', () => {
  it('is off unless OPENAPI is on: 404 in the one error shape', async () => {
    const off = await startServer({ env: { NODE_ENV: 'production' } });
    try {
      const res = await api(off.url, '/openapi.json');
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('OPENAPI') });
    } finally {
      await off.stop();
    }
    const on = await startServer({ env: { NODE_ENV: 'production', OPENAPI: 'on' } });
    try {
      const res = await api(on.url, '/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      // Production serves no dev login, console or open /metrics: the document describes what this server has.
      expect(Object.keys(res.body.paths)).not.toContain('/');
    } finally {
      await on.stop();
    }
  });
});

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { RouteDoc } from './route-doc.ts';

/** OpenAPI 3.1 for the routes described: pure, built once at start. */
export function openApiDocument(docs: readonly RouteDoc[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of docs) {
    const path = doc.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[doc.method] = operation(doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'rxgate',
      version: info.version,
      description:
        'The HTTP API of the rxgate pharmacy integration gateway. Every route but health and metrics needs a bearer token ' +
        'whose role may use it (x-roles; admin may use every route). Errors are {"error": {"code", "message", "details"}}. ' +
        'A route that needs the database while it cannot be reached answers 503 store_unavailable with Retry-After.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
    paths,
  };
}

function operation(doc: RouteDoc): Record<string, unknown> {
  const parameters = [
    ...[...doc.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...Object.entries(doc.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(schema as z.ZodType),
    })),
  ];
  const responses = Object.fromEntries(
    Object.entries(doc.responses).map(([status, description]) => [
      status,
      Number(status) < 400
        ? { description, content: { [doc.produces ?? 'application/json']: { schema: {} } } }
        : { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
  const requestBody = doc.body
    ? { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } }
    : doc.rawBody
      ? { required: true, description: doc.rawBody.description, content: { [doc.rawBody.contentType]: { schema: {} } } }
      : undefined;
  return {
    summary: doc.summary,
    ...(doc.roles === 'open' ? { security: [] } : { security: [{ bearer: [] }], 'x-roles': ['admin', ...doc.roles] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** The gateway's version, as package.json gives it. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

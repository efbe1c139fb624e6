import type { RouteDoc } from '../../gateway/http/openapi/route-doc.ts';
import { TABLE_NAMES } from '../entities/spec.ts';
import { rolesFor } from '../permissions.ts';
import { lookupBody, lookupQuery } from './lookup.ts';
import { pendingListQuery, pendingResolveBody, pendingSuggestionsQuery } from './pending.ts';
import { changeBody, deleteBody, rollbackBody, tableListQuery } from './tables.ts';
import { importQuery } from './transfer.ts';

const AT = '/api/mappings';
const TABLES = `{table} is one of ${TABLE_NAMES.join(', ')}`;
const KEYS = '{key} is the entry key, URL-encoded (codes: system|facility_id|code)';
const CHANGE = { 409: 'expected_version is not the current version', 422: 'names each bad field' };

/** The mapping engine's routes for the OpenAPI document (roles: mappings/permissions.ts). */
export const MAPPING_ROUTE_DOCS: readonly RouteDoc[] = [
  { method: 'get', path: `${AT}/diagnostics`, summary: 'resolver cache, pending codes and table sizes', roles: rolesFor('diagnostics'), responses: { 200: 'diagnostics' } },
  {
    method: 'get',
    path: `${AT}/lookup`,
    summary: 'resolves one drug code (RxNorm, then NDC, then local) to drug and DEA schedule',
    roles: rolesFor('lookup'),
    query: lookupQuery,
    responses: { 200: 'the resolution and what matched', 422: 'names each bad parameter' },
  },
  {
    method: 'post',
    path: `${AT}/lookup`,
    summary: 'resolves the codes of one drug for a facility',
    roles: rolesFor('lookup'),
    body: lookupBody,
    responses: { 200: 'the resolution and what matched', 422: 'names each bad field' },
  },
  { method: 'get', path: `${AT}/pending`, summary: 'unmapped codes seen in traffic', roles: rolesFor('pendingRead'), query: pendingListQuery, responses: { 200: 'pending codes', 422: 'names each bad parameter' } },
  { method: 'get', path: `${AT}/pending/:id`, summary: 'one pending code with the events waiting for it', roles: rolesFor('pendingRead'), responses: { 200: 'the pending code', 404: 'no such pending code' } },
  {
    method: 'get',
    path: `${AT}/pending/:id/suggestions`,
    summary: 'drugs that may be what a pending code means',
    roles: rolesFor('pendingRead'),
    query: pendingSuggestionsQuery,
    responses: { 200: 'suggestions', 404: 'no such pending code' },
  },
  {
    method: 'post',
    path: `${AT}/pending/:id/resolve`,
    summary: 'maps a pending code; the parked events are released in order',
    roles: rolesFor('pendingResolve'),
    body: pendingResolveBody,
    responses: { 200: 'resolved', 404: 'no such pending code', 409: 'already resolved', 422: 'names each bad field' },
  },
  {
    method: 'get',
    path: `${AT}/:table/export`,
    summary: `the table as CSV; ${TABLES}`,
    roles: rolesFor('export'),
    produces: 'text/csv',
    responses: { 200: 'CSV with a header line', 404: 'no such table' },
  },
  {
    method: 'post',
    path: `${AT}/import/fda`,
    summary: 'imports the FDA NDC directory (product and/or package file); a dry run unless dry_run=false (admin)',
    roles: rolesFor('importPreview'),
    query: importQuery,
    rawBody: { contentType: 'multipart/form-data', description: 'fields product and/or package (tab-separated FDA files); or the file itself as the body with ?file=' },
    responses: { 200: 'the report: counts and each line that would change or did', 403: 'applying takes admin', 413: 'larger than MAPPINGS_IMPORT_MAX_BYTES', 422: 'nothing importable' },
  },
  {
    method: 'post',
    path: `${AT}/:table/import`,
    summary: `imports a CSV into a table; a dry run unless dry_run=false (admin); ${TABLES}`,
    roles: rolesFor('importPreview'),
    query: importQuery,
    rawBody: { contentType: 'text/csv', description: 'the CSV as exported (header line first); multipart field file is accepted too' },
    responses: { 200: 'the report: counts and each line that would change or did', 403: 'applying takes admin', 413: 'larger than MAPPINGS_IMPORT_MAX_BYTES', 422: 'nothing importable' },
  },
  { method: 'post', path: `${AT}/schedules/:key/verify`, summary: 'records that a pharmacist or analyst checked a DEA schedule', roles: rolesFor('edit'), responses: { 200: 'the verification', 404: 'no such schedule' } },
  { method: 'get', path: `${AT}/:table`, summary: `lists or searches a table; field=value filters too; ${TABLES}`, roles: rolesFor('read'), query: tableListQuery, responses: { 200: 'entries and the next cursor', 422: 'names each bad parameter' } },
  { method: 'post', path: `${AT}/:table`, summary: `adds an entry (version 1); ${TABLES}`, roles: rolesFor('edit'), body: changeBody, responses: { 201: 'the entry', ...CHANGE } },
  { method: 'get', path: `${AT}/:table/:key`, summary: `one entry; ${KEYS}`, roles: rolesFor('read'), responses: { 200: 'the entry', 404: 'no such entry' } },
  { method: 'patch', path: `${AT}/:table/:key`, summary: 'changes an entry (a new version)', roles: rolesFor('edit'), body: changeBody, responses: { 200: 'the entry', 404: 'no such entry', ...CHANGE } },
  { method: 'delete', path: `${AT}/:table/:key`, summary: 'retires an entry (a new, deleted version)', roles: rolesFor('edit'), body: deleteBody, responses: { 200: 'the retired entry', 404: 'no such entry', ...CHANGE } },
  { method: 'get', path: `${AT}/:table/:key/history`, summary: 'every version of an entry, who and why', roles: rolesFor('history'), responses: { 200: 'versions', 404: 'no such entry' } },
  { method: 'get', path: `${AT}/:table/:key/versions/:version`, summary: 'one version of an entry', roles: rolesFor('history'), responses: { 200: 'the version', 404: 'no such version' } },
  {
    method: 'post',
    path: `${AT}/:table/:key/rollback`,
    summary: 'makes an earlier version current again (as a new version)',
    roles: rolesFor('edit'),
    body: rollbackBody,
    responses: { 201: 'the new version', 404: 'no such version', ...CHANGE },
  },
];

import { ROUTE_ROLES } from '../route-roles.ts';
import { ledgerListQuery, ledgerVerifyQuery } from '../routes/ledger.ts';
import { dlqQuery, quarantineQuery } from '../routes/evidence.ts';
import { tokenRequest } from '../routes/tokens.ts';
import { traceQuery } from '../routes/trace.ts';
import { resendBody } from '../routes/outbound.ts';
import { pageQuery } from '../paging.ts';
import type { RouteDoc } from './route-doc.ts';

/** The gateway's own routes (the mapping routes are described in mappings/routes/docs.ts). */
export const GATEWAY_ROUTE_DOCS: readonly RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'the process is alive', roles: 'open', responses: { 200: 'alive' } },
  { method: 'get', path: '/readyz', summary: 'the bus and the store answer', roles: 'open', responses: { 200: 'ready', 503: 'names the part that does not answer' } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', roles: 'open', produces: 'text/plain', responses: { 200: 'Prometheus text format' } },
  {
    method: 'get',
    path: '/schemas/canonical-event.json',
    summary: "the canonical event's JSON Schema, generated from the zod schema",
    roles: ROUTE_ROLES.describe,
    responses: { 200: 'JSON Schema' },
  },
  { method: 'get', path: '/openapi.json', summary: 'this document', roles: ROUTE_ROLES.describe, responses: { 200: 'OpenAPI 3.1' } },
  {
    method: 'post',
    path: '/api/events',
    summary: 'one canonical event, answered once it has reached the ack point',
    roles: ROUTE_ROLES.events,
    rawBody: {
      contentType: 'application/json',
      description:
        'one canonical event (GET /schemas/canonical-event.json); id and received_at are set by the gateway, correlation_id, ' +
        'source.raw_sha256 and idempotency_key are derived when absent; at most 512 KiB',
    },
    responses: {
      202: 'accepted: event_id, duplicate, and the ledger position',
      400: 'not valid UTF-8 JSON (kept in quarantine)',
      413: 'larger than 512 KiB (kept in quarantine)',
      415: 'not JSON (kept in quarantine)',
      422: 'names each field that does not match the canonical event (kept in quarantine)',
      503: 'the bus is down or full (bus_unavailable, bus_full), or the ledger did not confirm in time (ack_timeout); nothing is lost and retrying is safe',
    },
  },
  {
    method: 'get',
    path: '/api/ledger',
    summary: 'ledger entries in ledger order',
    roles: ROUTE_ROLES.ledger,
    query: ledgerListQuery,
    responses: { 200: 'entries; next_after is the cursor of the next page', 422: 'names each bad parameter' },
  },
  {
    method: 'get',
    path: '/api/ledger/verify',
    summary: 'recomputes the hash chains and checks the signed checkpoints',
    roles: ROUTE_ROLES.ledger,
    query: ledgerVerifyQuery,
    responses: { 200: 'ok, chains, first_break, checkpoints {checked, latest, first_problem}', 422: 'names each bad parameter' },
  },
  {
    method: 'get',
    path: '/api/ledger/checkpoints',
    summary: 'signed checkpoints of the chain heads, in number order',
    roles: ROUTE_ROLES.ledger,
    query: pageQuery,
    responses: { 200: 'checkpoints; next_after is the cursor of the next page', 422: 'names each bad parameter' },
  },
  {
    method: 'post',
    path: '/api/ledger/checkpoints',
    summary: 'signs the current chain heads now',
    roles: ROUTE_ROLES.ledger,
    responses: { 200: 'the heads have not moved: the latest checkpoint', 201: 'the new checkpoint' },
  },
  {
    method: 'get',
    path: '/api/ledger/checkpoints/keys',
    summary: 'the signing key id and the trusted Ed25519 public keys',
    roles: ROUTE_ROLES.ledger,
    responses: { 200: 'signing_key_id and trusted [{key_id, ed25519_public_key}]' },
  },
  {
    method: 'get',
    path: '/api/quarantine',
    summary: 'rejected input, without payloads',
    roles: ROUTE_ROLES.evidenceList,
    query: quarantineQuery,
    responses: { 200: 'entries; next_after is the cursor of the next page', 422: 'names each bad parameter' },
  },
  {
    method: 'get',
    path: '/api/quarantine/:id',
    summary: 'one quarantined input with its raw bytes (may hold PHI)',
    roles: ROUTE_ROLES.evidenceRead,
    responses: { 200: 'the entry with raw_text and raw_base64', 404: 'no such entry', 422: 'the id is not a positive integer' },
  },
  {
    method: 'post',
    path: '/api/quarantine/:id/replay',
    summary: 'feeds the raw bytes to their adapter again; the entry stays, with what became of it',
    roles: ROUTE_ROLES.evidenceReplay,
    responses: { 200: 'accepted this time: the event ids', 404: 'no such entry', 409: 'no adapter replays this entry', 422: 'rejected again, with the reasons' },
  },
  {
    method: 'get',
    path: '/api/dlq',
    summary: 'dead letters with stream, subject, consumer, deliveries and failure history, without bodies',
    roles: ROUTE_ROLES.evidenceList,
    query: dlqQuery,
    responses: { 200: 'entries; next_after is the cursor of the next page', 422: 'names each bad parameter' },
  },
  {
    method: 'get',
    path: '/api/dlq/:id',
    summary: 'one dead letter with its body (may hold PHI)',
    roles: ROUTE_ROLES.evidenceRead,
    responses: { 200: 'the dead letter', 404: 'no such dead letter', 422: 'the id is not a positive integer' },
  },
  {
    method: 'post',
    path: '/api/dlq/:id/replay',
    summary: 'hands the message to the consumer that gave up on it, and only that one',
    roles: ROUTE_ROLES.evidenceReplay,
    responses: { 200: 'replayed', 404: 'no such dead letter', 409: 'that consumer is not known here', 422: 'the replay failed again' },
  },
  {
    method: 'post',
    path: '/api/tokens',
    summary:
      'the token of a patient identifier (patient_ref, pt_…) or a visit number (encounter_ref, enc_…), to read that patient\'s or stay\'s ' +
      'history in the ledger (GET /api/ledger?patient_ref= / ?encounter_ref=); known: whether a message with it has reached the gateway. ' +
      'The identifier is PHI: it is not logged or kept',
    roles: ROUTE_ROLES.tokens,
    body: tokenRequest,
    responses: {
      200: '{patient_ref, known, merged_from} or {encounter_ref, known}',
      400: 'not JSON',
      413: 'body too large',
      415: 'not application/json',
      422: 'names each bad field',
    },
  },
  {
    method: 'get',
    path: '/api/trace',
    summary:
      'what became of one message a sender sent, by the id it gave it (HL7 MSH-10): the answer it got, its ledger entries, ' +
      'its events parked for a mapping, its copies in quarantine and its dispenses sent on to EHRs — positions, ids, codes and reasons, no content',
    roles: ROUTE_ROLES.trace,
    query: traceQuery,
    responses: {
      200: 'answers, ledger, parked, quarantine, deliveries (empty lists when nothing is known); truncated; unavailable (parts whose server is down)',
      422: 'names each bad parameter',
    },
  },
  {
    method: 'get',
    path: '/api/mllp/status',
    summary: 'the MLLP listener (ports, connection limit, TLS certificate expiry) and each open connection: peer, certificate CN, last sender, since when, frames in, answered, waiting',
    roles: ROUTE_ROLES.status,
    responses: { 200: 'port, tls_port, max_connections, max_connections_per_address, tls_certificate_expires, buffered_bytes, max_buffered_bytes, paused_for_buffer, connections, outbound' },
  },
  {
    method: 'post',
    path: '/api/outbound/:facility/resend',
    summary:
      "sends the facility's dispenses and reversals again to its EHR, from the ledger: those recorded from since until until (default now), or the event_ids given; one after the other, in ledger order, as they were sent the first time",
    roles: ROUTE_ROLES.outboundResend,
    body: resendBody,
    responses: {
      200: 'with dry_run: preview, what it would send (found, first_recorded_at, last_recorded_at); nothing is sent',
      202: 'resend: the resend, running (GET /api/outbound/resends follows it; it goes on in another gateway if this one stops)',
      404: 'no EHR receives the dispenses of this facility (HL7_OUTBOUND_TARGETS)',
      409: 'a resend to this EHR is still running (details.resend_id)',
      503: 'the resend could not be recorded in the ledger (its outbound.resend event), so it was not started; retry',
      415: 'not JSON',
      422: 'names each bad field',
    },
  },
  {
    method: 'get',
    path: '/api/outbound/resends',
    summary:
      'the resends to EHRs, newest first (the latest 50, of every gateway): who asked and why, the range, state (running, done, stopped, cancelled), found, sent, skipped, refused (refused_ids), and for a stopped one why and resume_since',
    roles: ROUTE_ROLES.status,
    responses: { 200: 'resends' },
  },
  {
    method: 'delete',
    path: '/api/outbound/resends/:id',
    summary: 'cancels a running resend, whichever gateway runs it: it stops after the event it is sending',
    roles: ROUTE_ROLES.outboundResend,
    responses: { 200: 'resend: the resend, cancelled', 404: 'no such resend', 409: 'the resend has ended already (details.resend)' },
  },
];

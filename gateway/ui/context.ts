import type { Context } from 'hono';
import { roleAllows, type Role, type TokenGrant } from '../auth/tokens.ts';
import type { MllpStatus } from '../../adapters/hl7v2/mllp-status.ts';
import type { OutboundResends } from '../../adapters/hl7v2/outbound/resends.ts';
import type { DeadLetterView } from '../bus/dead-letter.ts';
import type { QuarantineReplayOutcome, QuarantineView } from '../bus/quarantine.ts';
import type { RequestVariables } from '../http/context.ts';
import { ROUTE_ROLES, type RouteRoles } from '../http/route-roles.ts';
import type { HistoryQuery, PatientHistory } from '../history/patient-history.ts';
import type { MessageQuery, MessageTrace } from '../trace/message-trace.ts';
import type { Mappings } from '../../mappings/module.ts';
import { mayDo, type MappingAction } from '../../mappings/permissions.ts';
import type { Flash, SessionStore, UiSession } from './session.ts';

/** What the UI's routes are given, and what every page knows about the request. */

export interface UiDeps {
  grants: TokenGrant[];
  /** the mapping engine's service layer, called directly (never over HTTP) */
  mappings: Pick<Mappings, 'service' | 'pending' | 'diagnostics'>;
  /** the largest import upload (MAPPINGS_IMPORT_MAX_BYTES) */
  importMaxBytes: number;
  /** defaults to a new in-memory store */
  sessions?: SessionStore;
  /** what became of a sender's message (gateway/trace/): the trace page at /ui/trace */
  trace: (q: MessageQuery) => Promise<MessageTrace>;
  /** the quarantine as GET /api/quarantine lists it and POST /api/quarantine/{id}/replay replays an entry */
  quarantine: {
    list(q: { adapter?: string | undefined; reason?: string | undefined; after?: number | undefined; limit: number }): Promise<{ entries: QuarantineView[]; next_after?: number | undefined }>;
    /** null: no such entry; throws NoReplayerError when no adapter here replays it */
    replay(id: number, by: string): Promise<QuarantineReplayOutcome | null>;
  };
  /** the MLLP listener and its open connections (GET /api/mllp/status): the Connections page */
  mllpStatus: () => Promise<MllpStatus>;
  /** resends of dispenses to EHRs (POST /api/outbound/{facility}/resend); absent without outbound targets */
  resends?: Pick<OutboundResends, 'start' | 'preview' | 'list' | 'cancel'> | undefined;
  /** one patient's or stay's events in the ledger, by the identifier (gateway/history/); absent: no such page */
  history?: ((q: HistoryQuery) => Promise<PatientHistory>) | undefined;
  /** the dead letters as GET /api/dlq lists them and POST /api/dlq/{id}/replay replays one */
  deadLetters: {
    list(q: { consumer?: string | undefined; after?: number | undefined; limit: number }): Promise<{ entries: DeadLetterView[]; next_after?: number | undefined }>;
    /** null: no such dead letter; throws UnknownConsumerError when its consumer does not run here */
    replay(id: number, by: string): Promise<{ replayed: boolean; error?: string } | null>;
  };
}

export type UiEnv = { Variables: RequestVariables & { session: UiSession; sessionId: string } };
export type UiContext = Context<UiEnv>;

/** Where the UI is mounted (gateway/http/app.ts). */
export const UI_BASE = '/ui';

/** A path under /ui from segments (each URL-encoded) and an optional query (empty values left out). */
export function uiPath(segments: (string | number)[] = [], query: Record<string, string | number | undefined> = {}): string {
  const path = [UI_BASE, ...segments.map((s) => encodeURIComponent(String(s)))].join('/');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** What the layout needs: who is logged in, the CSRF token for forms, the message to show once. */
export interface PageContext {
  role: Role;
  label: string;
  csrf: string;
  flash?: Flash;
  may(action: MappingAction): boolean;
  /** the role may use what the gateway's route of that name offers (ROUTE_ROLES: trace, evidenceList, …) */
  mayUse(route: RouteRoles): boolean;
}

export function pageContext(c: UiContext, sessions: SessionStore): PageContext {
  const session = c.get('session');
  const flash = sessions.takeFlash(session);
  return {
    role: session.grant.role,
    label: session.grant.label,
    csrf: session.csrf,
    ...(flash ? { flash } : {}),
    may: (action) => mayDo(session.grant.role, action),
    mayUse: (route) => mayUseRoute(session.grant.role, route),
  };
}

export function mayUseRoute(role: Role, route: RouteRoles): boolean {
  return roleAllows(role, ROUTE_ROLES[route]);
}

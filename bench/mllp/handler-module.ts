import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { MllpHandler } from '../../adapters/hl7v2/mllp/handler.ts';
import type { StageTotals } from './stats.ts';

/**
 * How a handler is plugged into the benchmark's rxgate receiver: a module that exports `createMllpBenchHandler`.
 * The transport-only handler (transport-only-handler.ts) is the default; the gateway pipeline plugs in the same way,
 * e.g. `--handler ./bench/mllp/pipeline-handler.ts` exporting a function that starts NATS/the store and returns
 * the pipeline's MllpHandler with a `close` that stops them.
 */
export interface MllpBenchHandler {
  /** the `receiver` field of the JSON lines, e.g. 'rxgate-transport-only' or 'rxgate-pipeline-ledger-ack' */
  readonly label: string;
  readonly handler: MllpHandler;
  /** running totals of the handler's timed stages; the benchmark prints their means per case as `stage_ms` */
  stageTotals?(): Promise<StageTotals>;
  /**
   * running counts of what the handler asks of the servers behind it (messages to and from NATS, PostgreSQL
   * commits): bench/hl7-pipeline prints them per message, the work each message costs beyond its own CPU
   */
  operationCounts?(): Promise<OperationCounts>;
  close?(): Promise<void>;
}

export interface OperationCounts {
  nats_msgs_out: number;
  nats_msgs_in: number;
  /** transactions committed in the handler's database, reads included (PostgreSQL's own count, updated about once a second) */
  pg_commits: number;
}

export interface MllpBenchHandlerModule {
  createMllpBenchHandler(): Promise<MllpBenchHandler>;
}

export const DEFAULT_HANDLER_MODULE = './bench/mllp/transport-only-handler.ts';

export async function loadBenchHandler(modulePath: string = DEFAULT_HANDLER_MODULE): Promise<MllpBenchHandler> {
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as Partial<MllpBenchHandlerModule>;
  if (typeof mod.createMllpBenchHandler !== 'function') {
    throw new TypeError(`${modulePath} does not export createMllpBenchHandler(): Promise<{ label, handler, close? }>`);
  }
  return mod.createMllpBenchHandler();
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { freshDatabase } from '../fresh-database.ts';
import { loadConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/main.ts';
import type { MllpBenchHandler } from './handler-module.ts';
import { benchSchedule, DRUGS } from './messages.ts';
import type { StageTotals } from './stats.ts';
import { resultRows } from '../../gateway/store/result-rows.ts';

/**
 * The gateway's real HL7 pipeline for bench/mllp: parse, translate, mapping lookups, PHI vault, JetStream publish
 * and the ledger ack point (the positive ACK waits for the PostgreSQL commit). PostgreSQL on 127.0.0.1:5432 (a fresh
 * database), nats-server embedded in a temporary folder. The benchmark's drugs are mapped (one controlled, the rest
 * not) so events go to the ledger rather than being parked. Its stage totals come from the gateway's
 * `rxgate_ack_stage_seconds` histogram, so each result line says where the time before the ACK went.
 *
 *   npx tsx bench/mllp/run.ts --receivers node-hl7-server,rxgate --handler ./bench/mllp/pipeline-handler.ts
 *   BENCH_ACK_POINT=bus npx tsx bench/mllp/run.ts --receivers rxgate --handler ./bench/mllp/pipeline-handler.ts
 *   BENCH_HEAP_GROWING_PERCENT=0 npx tsx bench/mllp/run.ts …   (the gateway's HEAP_GROWING_PERCENT; 0: V8's own)
 */
/** BENCH_ACK_POINT=bus measures the JetStream PubAck as the ack point (see README "Durability"). */
const ACK_POINT = process.env.BENCH_ACK_POINT === 'bus' ? 'bus' : 'ledger';
/** Unset: the gateway's default. */
const HEAP_GROWING_PERCENT = process.env.BENCH_HEAP_GROWING_PERCENT;

export async function createMllpBenchHandler(): Promise<MllpBenchHandler> {
  const db = await freshDatabase('rxgate_bench_mllp');
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-bench-mllp-'));
  const gw = await startGateway(
    loadConfig({
      HTTP_PORT: '0',
      MLLP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      HL7_FACILITY_MAP: 'GENHOSP1=GENHOSP1,GENHOSP2=GENHOSP2,GENHOSP3=GENHOSP3,GENHOSP4=GENHOSP4',
      AUTH_TOKENS: 'admin:bench-admin-token-0123456789',
      LOG_LEVEL: 'warn',
      ACK_POINT: ACK_POINT,
      HEAP_GROWING_PERCENT,
      // the gateway's own default unless the run sets it (`HL7_ORDER_OBSERVATIONS=none` for orders without their OBX)
      HL7_ORDER_OBSERVATIONS: process.env.HL7_ORDER_OBSERVATIONS,
    }),
    // stdout belongs to the receiver's ready line; the gateway logs to stderr.
    pino({ level: 'warn' }, pino.destination(2)),
  );
  const ctx = { actor: 'admin:bench', reason: 'benchmark drugs' };
  for (const [ndc11, description] of DRUGS) {
    await gw.mappings.service.create('drugs', { ndc11, description }, ctx);
    await gw.mappings.service.create('schedules', { ndc11, schedule: benchSchedule(description) }, ctx);
  }
  return {
    label: `rxgate-pipeline-${ACK_POINT}-ack`,
    handler: gw.hl7.handler,
    stageTotals: async () => {
      const totals: StageTotals = {};
      // The ack stages, and the ledger transaction itself (rxgate_ledger_append_seconds: one per merged batch), so
      // that the ack_point stage can be read as the transaction plus the waits around it.
      const ledger = (await gw.metrics.ledgerAppendSeconds.get()).values.map((v) => ({ ...v, labels: { stage: 'ledger_transaction' } }));
      for (const v of [...(await gw.metrics.ackStageSeconds.get()).values, ...ledger]) {
        const stage = String(v.labels.stage);
        const total = (totals[stage] ??= { count: 0, sum_s: 0 });
        if (v.metricName?.endsWith('_sum')) total.sum_s += v.value;
        else if (v.metricName?.endsWith('_count')) total.count += v.value;
      }
      return totals;
    },
    operationCounts: async () => {
      const stats = gw.bus.nc.stats();
      const result = await gw.store.db.execute(sql`select xact_commit from pg_stat_database where datname = current_database()`);
      return { nats_msgs_out: stats.outMsgs, nats_msgs_in: stats.inMsgs, pg_commits: Number(resultRows<{ xact_commit: string | number }>(result)[0]!.xact_commit) };
    },
    close: async () => {
      await gw.stop();
      await rm(dataDir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

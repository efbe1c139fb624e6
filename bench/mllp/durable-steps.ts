import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { connectBus } from '../../gateway/bus/connection.ts';
import { startEmbeddedNats, type NatsSync } from '../../gateway/bus/embedded-nats.ts';
import { ensureStreams } from '../../gateway/bus/streams.ts';
import { freshDatabase } from '../fresh-database.ts';

/**
 * The two durable steps a positive ACK waits for, one call each, for floor.ts (their typical time) and stalls.ts
 * (their worst): a PostgreSQL commit of one row (autocommit, so each waits for its WAL flush under
 * synchronous_commit) in a fresh database (BENCH_DATABASE_ADMIN_URL), and a JetStream PubAck from a nats-server
 * started in a temporary folder with the gateway's own configuration (file storage, the gateway's streams).
 */
export interface DurableSteps {
  /** the row and the message, as sent: a JSON object of about the size asked for */
  bytes: number;
  natsSync: NatsSync;
  commit(): Promise<unknown>;
  puback(): Promise<unknown>;
  close(): Promise<void>;
}

export async function openDurableSteps(name: string, bodyBytes: number): Promise<DurableSteps> {
  const payload = JSON.stringify({ body: 'x'.repeat(bodyBytes) });
  const db = await freshDatabase(`rxgate_bench_${name}`);
  const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  const dir = await mkdtemp(join(tmpdir(), `rxgate-bench-${name}-`));
  const closeStores = async () => {
    await sql.end();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await sql`create table steps (id bigserial primary key, body jsonb not null)`;
    const nats = await startEmbeddedNats({ bin: 'nats-server', dataDir: dir });
    try {
      const bus = await connectBus(nats.url, `bench-${name}`);
      await ensureStreams(bus, { duplicateWindowMs: 120_000 });
      const subject = bus.names.eventSubject({ facility_id: name.toUpperCase(), type: 'inv.count' }, 4);
      let n = 0;
      return {
        bytes: payload.length,
        natsSync: nats.sync,
        commit: () => sql`insert into steps (body) values (${payload}::jsonb)`,
        puback: () => bus.js.publish(subject, payload, { msgID: `${name}-${n++}` }),
        close: async () => {
          await bus.close();
          await nats.stop();
          await closeStores();
        },
      };
    } catch (err) {
      await nats.stop();
      throw err;
    }
  } catch (err) {
    await closeStores();
    throw err;
  }
}

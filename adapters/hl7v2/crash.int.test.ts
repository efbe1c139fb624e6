import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort, startEmbeddedNats, type EmbeddedNats } from '../../gateway/bus/embedded-nats.ts';
import { TEST_NATS_URL } from '../../gateway/bus/test-support.ts';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../../gateway/store/private-postgres.ts';
import { startGatewayProcess, waitGatewayReady } from '../../gateway/process-test-support.ts';
import { expectEachDispenseOnceThenStop, KILL_AFTER_ANSWERS, setUpEmbeddedFeedTarget, startFedGateway, startFeed, type Cleanups } from './testing/killed-feed.ts';

/**
 * The delivery promise with the gateway's servers crashing under an HL7 feed (testing/killed-feed.ts says what is
 * sent and what is checked afterwards), each at both ack points (ACK_POINT=ledger, the default, and bus):
 * - nats-server (a private one, file storage) is killed with SIGKILL twice mid-stream and started again on its store;
 * - in embedded mode, the gateway's own nats-server is killed with SIGKILL twice and the gateway starts it again;
 * - PostgreSQL (a private one) crashes twice mid-stream: a backend killed with SIGKILL, so the server ends every
 *   session and runs crash recovery (skipped, with the reason, where the test cannot run a server of its own).
 */

const privatePostgresMissing = await privatePostgresUnavailable();
if (privatePostgresMissing) console.warn(`PostgreSQL crash cases skipped: ${privatePostgresMissing}`);

describe('HL7 v2 over MLLP with nats-server or PostgreSQL crashing mid-stream', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it.each(['ledger', 'bus'])('after two kill -9s of nats-server, every dispense is once in the ledger and at the EHR, answered AA (ACK_POINT=%s)', async (ackPoint) => {
    const natsDir = await mkdtemp(join(tmpdir(), 'rxgate-kill-nats-'));
    cleanups.push(() => rm(natsDir, { recursive: true, force: true }));
    const natsPort = await freeLoopbackPort();
    // The test plays the supervisor here: a supervised server would be started again by its own instance as well,
    // and two starters on one data folder race for the pid file (the test then kills a pid that already exited).
    const startNats = () => startEmbeddedNats({ bin: 'nats-server', dataDir: natsDir, port: natsPort, supervise: false });
    let nats: EmbeddedNats = await startNats();
    cleanups.push(() => nats.stop());
    const { gateway, httpPort, mllpPort, ehr, namespace } = await startFedGateway(cleanups, { natsUrl: nats.url, ackPoint });

    const feed = startFeed(mllpPort);
    for (const threshold of KILL_AFTER_ANSWERS) {
      expect(await feed.until(threshold), 'messages cut off mid-way').toBeGreaterThan(0);
      const pid = Number(await readFile(join(natsDir, 'nats', 'nats-server.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 500)); // the feed meets a gateway without its bus
      nats = await startNats();
    }
    await feed.done;
    // The feed met the gateway without its bus: answered AR (ERR 207, "resend later"), sent again, answered AA.
    expect([...feed.answers.values()].filter((codes) => codes.includes('AR')).length).toBeGreaterThan(0);

    await expectEachDispenseOnceThenStop({ feed, natsUrl: nats.url, namespace, ehr, httpPort, gateway });
  }, 240_000);

  it('in embedded mode, after two kill -9s of its nats-server, the gateway starts it again, and every dispense is once in the ledger and at the EHR, answered AA', async () => {
    const { env, httpPort, mllpPort, natsUrl, natsPid, ehr } = await setUpEmbeddedFeedTarget(cleanups);
    const gateway = startGatewayProcess(env);
    cleanups.push(async () => void gateway.child.kill('SIGKILL'));
    await waitGatewayReady(httpPort, gateway);

    const feed = startFeed(mllpPort);
    const pids = [await natsPid()];
    for (const threshold of KILL_AFTER_ANSWERS) {
      expect(await feed.until(threshold), 'messages cut off mid-way').toBeGreaterThan(0);
      process.kill(pids.at(-1)!, 'SIGKILL');
      for (let i = 0; i < 100 && (await natsPid()) === pids.at(-1); i++) await new Promise((r) => setTimeout(r, 100));
      pids.push(await natsPid());
    }
    await feed.done;
    expect(new Set(pids).size, 'a new nats-server each time').toBe(3);
    expect([...feed.answers.values()].filter((codes) => codes.includes('AR')).length).toBeGreaterThan(0);

    await expectEachDispenseOnceThenStop({ feed, natsUrl, ehr, httpPort, gateway });
  }, 240_000);

  it.skipIf(privatePostgresMissing !== undefined).each(['ledger', 'bus'])(
    'after two crashes of PostgreSQL, every dispense is once in the ledger and at the EHR, answered AA (ACK_POINT=%s)',
    async (ackPoint) => {
      const pg: PrivatePostgres = await startPrivatePostgres();
      cleanups.push(() => pg.stop());
      const { gateway, httpPort, mllpPort, ehr, namespace } = await startFedGateway(cleanups, { natsUrl: TEST_NATS_URL, ackPoint, databaseUrl: pg.url });

      // A backend of the gateway's killed with SIGKILL: the server ends every session and recovers from its WAL.
      // At ACK_POINT=bus the feed needs PostgreSQL only for new patients, so it may be over by the second crash,
      // which then falls on the ledger writer alone.
      const feed = startFeed(mllpPort);
      const waiting: number[] = [];
      for (const threshold of KILL_AFTER_ANSWERS) {
        waiting.push(await feed.until(threshold));
        await pg.crash();
      }
      await feed.done;
      expect(waiting[0], 'messages cut off mid-way').toBeGreaterThan(0);
      if (ackPoint === 'ledger') expect(waiting[1], 'messages cut off mid-way').toBeGreaterThan(0);

      await expectEachDispenseOnceThenStop({ feed, natsUrl: TEST_NATS_URL, namespace, ehr, httpPort, gateway });
    },
    240_000,
  );
});

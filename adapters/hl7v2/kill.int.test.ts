import { afterAll, describe, expect, it } from 'vitest';
import { connectBus } from '../../gateway/bus/connection.ts';
import { freeLoopbackPort } from '../../gateway/bus/embedded-nats.ts';
import { partitionOf } from '../../gateway/bus/subjects.ts';
import { TEST_NATS_URL } from '../../gateway/bus/test-support.ts';
import { startGatewayProcess, waitGatewayReady, type GatewayProcess } from '../../gateway/process-test-support.ts';
import {
  expectEachDispenseOnce,
  expectEachDispenseOnceThenStop,
  FACILITY,
  KILL_AFTER_ANSWERS,
  ledgerCount,
  prepareGateway,
  setUpEmbeddedFeedTarget,
  setUpFeedTarget,
  startFeed,
  streamCount,
  type Cleanups,
  type Feed,
} from './testing/killed-feed.ts';

/**
 * The delivery promise with the gateway process killed under an HL7 feed (testing/killed-feed.ts says what is sent
 * and what is checked afterwards):
 * - the gateway dies three times while messages are in flight and is started again on the same ports: first right
 *   after a JetStream PubAck, before the ledger write (TEST_CRASH_AFTER_PUBACK), then twice by SIGKILL at whichever
 *   step each message has reached — frame read, published, PubAck, ledger commit, ACK written, sent to the EHR —
 *   at both ack points (ACK_POINT=ledger, the default, and bus), with default settings otherwise;
 * - the same in embedded mode (PGlite and the gateway's own nats-server in its data folder), started again on it;
 * - two gateways share the bus, the store and the EHR; the one holding every ledger partition is killed and not
 *   started again: the feed fails over to the other, which takes the partitions once their leases lapse.
 * nats-server and PostgreSQL crashing under the feed: crash.int.test.ts.
 */

describe('HL7 v2 over MLLP with the gateway killed mid-stream', () => {
  const cleanups: Cleanups = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  /**
   * Kills `gateway` with SIGKILL once each of KILL_AFTER_ANSWERS messages have been answered, with others in flight,
   * and starts it again each time; resolves with the last one.
   */
  async function killEachTime(feed: Feed, gateway: GatewayProcess, env: Record<string, string>, httpPort: number): Promise<GatewayProcess> {
    for (const threshold of KILL_AFTER_ANSWERS) {
      expect(await feed.until(threshold), 'messages cut off mid-way').toBeGreaterThan(0);
      gateway.child.kill('SIGKILL');
      expect((await gateway.exited).signal).toBe('SIGKILL');
      const next = startGatewayProcess(env);
      cleanups.push(async () => void next.child.kill('SIGKILL'));
      await waitGatewayReady(httpPort, next);
      gateway = next;
    }
    return gateway;
  }

  // ACK_POINT=bus answers once JetStream has the event, before the ledger does: a kill then also falls between an
  // AA and the ledger write, which the ledger writer of the next gateway makes good — in order, although the
  // sender's next message reaches it before the one the killed gateway held comes back (ACK_WAIT_MS, the default
  // 5 s, is longer than a restart here).
  it.each(['ledger', 'bus'])('after a crash past the PubAck and two kill -9s of the gateway, every dispense is once in the ledger and at the EHR, answered AA (ACK_POINT=%s)', async (ackPoint) => {
    const setting = await setUpFeedTarget(cleanups, TEST_NATS_URL);
    const { httpPort, mllpPort, ehr, sql, namespace } = setting;
    const env = { ...setting.env, ACK_POINT: ackPoint };
    await prepareGateway(cleanups, env, httpPort);
    const bus = await connectBus(TEST_NATS_URL, 'check', namespace);
    cleanups.push(() => bus.close());

    // The senders start against a gateway that kills itself right after its first JetStream PubAck: an event is
    // on the bus, none is in the ledger, and no sender has its answer.
    let gateway: GatewayProcess = startGatewayProcess({ ...env, TEST_CRASH_AFTER_PUBACK: 'true' });
    cleanups.push(async () => void gateway.child.kill('SIGKILL'));
    const feed = startFeed(mllpPort);
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(feed.answeredAa()).toBe(0);
    expect(await ledgerCount(sql)).toBe(0);
    expect(await streamCount(bus)).toBeGreaterThan(0);
    gateway = startGatewayProcess(env);
    await waitGatewayReady(httpPort, gateway);

    // Then kill -9 at moments the test does not choose: whatever step each message in flight has reached.
    gateway = await killEachTime(feed, gateway, env, httpPort);
    await feed.done;

    await expectEachDispenseOnce({ feed, bus, ehr, httpPort });
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
  }, 240_000);

  it('in embedded mode (PGlite and its own nats-server in the data folder), after two kill -9s of the gateway, every dispense is once in the ledger and at the EHR, answered AA', async () => {
    const { env, httpPort, mllpPort, natsUrl, ehr } = await setUpEmbeddedFeedTarget(cleanups);
    let gateway: GatewayProcess = startGatewayProcess(env);
    cleanups.push(async () => void gateway.child.kill('SIGKILL'));
    await waitGatewayReady(httpPort, gateway);

    const feed = startFeed(mllpPort);
    gateway = await killEachTime(feed, gateway, env, httpPort);
    await feed.done;

    await expectEachDispenseOnceThenStop({ feed, natsUrl, ehr, httpPort, gateway });
  }, 240_000);

  it('with two gateways, the one holding the ledger killed: the other takes over its partitions and the feed, and every dispense is once in the ledger and at the EHR', async () => {
    const setting = await setUpFeedTarget(cleanups, TEST_NATS_URL);
    const { mllpPort, ehr, namespace } = setting;
    // A dead gateway's partitions move once its leases lapse: LEASE_TTL_MS, 3 s here.
    const env = { ...setting.env, LEASE_TTL_MS: '3000' };
    await prepareGateway(cleanups, env, setting.httpPort);
    const [standbyHttp, standbyMllp] = [await freeLoopbackPort(), await freeLoopbackPort()];
    // The first to start holds every partition; the standby shares the bus, the store, the keys and the EHR.
    const first = startGatewayProcess({ ...env, INSTANCE_ID: 'gateway-a' });
    cleanups.push(async () => void first.child.kill('SIGKILL'));
    await waitGatewayReady(setting.httpPort, first);
    const standby = startGatewayProcess({ ...env, INSTANCE_ID: 'gateway-b', HTTP_PORT: String(standbyHttp), MLLP_PORT: String(standbyMllp) });
    cleanups.push(async () => void standby.child.kill('SIGKILL'));
    await waitGatewayReady(standbyHttp, standby);

    const feed = startFeed(mllpPort, standbyMllp);
    expect(await feed.until(KILL_AFTER_ANSWERS[0]!), 'messages cut off mid-way').toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await feed.done;

    const bus = await connectBus(TEST_NATS_URL, 'check', namespace);
    cleanups.push(() => bus.close());
    await expectEachDispenseOnce({ feed, bus, ehr, httpPort: standbyHttp });
    // The facility's partition is the standby's now (the ledger writer's lease: `ledger.p<k>`).
    const leases = await bus.kvm.open(bus.names.buckets.leases);
    expect((await leases.get(`ledger.p${partitionOf(FACILITY, 4)}`))?.string()).toBe('gateway-b');
    standby.child.kill('SIGTERM');
    expect((await standby.exited).code).toBe(0);
  }, 240_000);
});

import { connect, type NatsConnection, type NatsConnectionImpl } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { CoalescingNodeTransport, connectCoalescing } from './coalescing-transport.ts';
import { TEST_NATS_URL, testNamespace } from './test-support.ts';

/** The coalescing NATS transport against the real nats-server, with the stock client as the receiving peer. */

const open: NatsConnection[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close().catch(() => undefined);
});

/** A stock-client subscriber; the messages come back in an object, so that awaiting the setup does not await them. */
async function subscriberOn(subject: string, count: number): Promise<{ received: Promise<string[]> }> {
  const peer = await connect({ servers: TEST_NATS_URL, name: 'stock-client-peer' });
  open.push(peer);
  const sub = peer.subscribe(subject, { max: count });
  const received = (async () => {
    const got: string[] = [];
    for await (const m of sub) got.push(m.string());
    return got;
  })();
  await peer.flush();
  return { received };
}

function transportOf(nc: NatsConnection): CoalescingNodeTransport {
  const transport = (nc as NatsConnectionImpl).protocol.transport;
  expect(transport).toBeInstanceOf(CoalescingNodeTransport);
  return transport as CoalescingNodeTransport;
}

describe('coalescing NATS transport', () => {
  it('sends what the callbacks of one event-loop turn publish as one write, in order', async () => {
    const subject = `coalesce.${testNamespace()}`;
    const { received } = await subscriberOn(subject, 6);
    const nc = await connectCoalescing({ servers: TEST_NATS_URL, name: 'coalescing' });
    open.push(nc);
    await nc.flush();
    const transport = transportOf(nc);

    // Immediates queued together run in one check phase, each followed by its own microtask checkpoint: the stock
    // client would write three times. (Timers would not do: two made a millisecond apart on a loaded machine fall
    // due in different turns.) The transport's flush, queued by the first, runs in the next check phase, before
    // the resolve queued by the last.
    const before = transport.writes;
    await new Promise<void>((resolve) => {
      for (const n of [1, 2, 3]) setImmediate(() => nc.publish(subject, `m${n}`));
      setImmediate(() => setImmediate(resolve));
    });
    expect(transport.writes - before).toBe(1);

    // Turns apart, writes apart: nothing is held longer than the turn it was published in.
    for (const n of [4, 5, 6]) {
      nc.publish(subject, `m${n}`);
      await new Promise((r) => setTimeout(r, 5)); // the timers phase comes after the check phase that flushed
    }
    expect(transport.writes - before).toBe(4);
    expect(await received).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('writes what it holds before it closes', async () => {
    const subject = `coalesce.${testNamespace()}`;
    const { received } = await subscriberOn(subject, 1);
    const nc = await connectCoalescing({ servers: TEST_NATS_URL, name: 'coalescing-close' });
    const transport = transportOf(nc);
    const before = transport.writes;
    nc.publish(subject, 'last words');
    // The client hands its outbound buffer to the transport in a microtask; the stock transport would have written
    // it by now. Ours holds it until the check phase, which the close comes before.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(transport.writes).toBe(before);
    await nc.close();
    expect(await received).toEqual(['last words']);
  });

  it('answers requests (JetStream included) as the stock transport does', async () => {
    const nc = await connectCoalescing({ servers: TEST_NATS_URL, name: 'coalescing-request' });
    open.push(nc);
    const info = await nc.request('$JS.API.INFO', '', { timeout: 5_000 });
    expect(info.json<{ type: string }>().type).toBe('io.nats.jetstream.api.v1.account_info_response');
  });
});

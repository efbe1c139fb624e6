import { NatsConnectionImpl, setTransportFactory, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';

/**
 * The NATS client writes to its socket once per microtask checkpoint, so every callback that publishes (a PubAck
 * arriving, an MLLP frame, a PostgreSQL reply) costs a write of its own. On a loaded gateway those writes are a
 * fifth of the main thread: each write to a loopback peer runs the peer's receive path and often hands it the core.
 * This transport holds what the client sends until the event loop's check phase (setImmediate), so everything the
 * callbacks of one loop turn published goes out as one write — what postgres.js does for its queries. Order is
 * kept; a close or disconnect writes what is held first.
 */
export class CoalescingNodeTransport extends NodeTransport {
  private held: Uint8Array[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  /** socket writes made, for the test that shows the coalescing */
  writes = 0;

  override send(frame: Uint8Array): void {
    this.held.push(frame);
    this.flushTimer ??= setImmediate(() => this.flushHeld());
  }

  override close(err?: Error): Promise<void> {
    this.flushHeld();
    return super.close(err);
  }

  override disconnect(): void {
    this.flushHeld();
    super.disconnect();
  }

  private flushHeld(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.held.length === 0) return;
    const frames = this.held;
    this.held = [];
    this.writes++;
    super.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }
}

/**
 * `connect` of @nats-io/transport-node with the coalescing transport. The client takes its transport from a
 * process-wide factory (transport-node's own `connect` sets it too), so it is set on every call, right before the
 * connection asks it for a transport; reconnections ask it again.
 */
export function connectCoalescing(options: ConnectionOptions): Promise<NatsConnection> {
  setTransportFactory({ factory: () => new CoalescingNodeTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(options);
}

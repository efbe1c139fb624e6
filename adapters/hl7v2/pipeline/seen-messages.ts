import type { Bus } from '../../../gateway/bus/connection.ts';
import { sha256Hex } from '../../../gateway/events/ids.ts';
import { RecordBucket } from '../../../gateway/bus/kv-bucket.ts';

/**
 * Messages already answered, by sender and control id (MSH-10), for the dedupe window: a sender that repeats a
 * message (it lost our ACK) gets the very same ACK bytes back and no second event. Kept in a JetStream KV bucket
 * whose TTL is the window, so every gateway instance sees it and it survives restarts.
 */
export interface SeenMessage {
  /** the answer frames we sent, each base64 (byte-exact); empty when the sender asked for none (NE) */
  acks: string[];
  event_ids: string[];
  at: string;
}

export class SeenMessages {
  private constructor(private readonly bucket: RecordBucket) {}

  static async open(bus: Bus, windowMs: number): Promise<SeenMessages> {
    return new SeenMessages(await RecordBucket.open(bus, bus.names.buckets.hl7Seen, { ttlMs: windowMs, history: 1 }));
  }

  /** KV keys allow only a few characters; sender and control id are free text, so the key is their hash. */
  private key(sender: string, controlId: string): string {
    return sha256Hex(`${sender.length}:${sender}|${controlId}`);
  }

  /** Fails at once while NATS reconnects: a request would only wait out its timeout before the sender is answered. */
  async get(sender: string, controlId: string): Promise<SeenMessage | null> {
    return (await this.bucket.get(this.key(sender, controlId)))?.json<SeenMessage>() ?? null;
  }

  /**
   * Best effort, after the ACK has gone out: should this copy be lost, a repeat gets a fresh ACK of the same
   * outcome and still no second event (idempotency keys). So it does not wait for JetStream's acknowledgement: one
   * message per answered message instead of a request and its reply.
   */
  remember(sender: string, controlId: string, seen: SeenMessage): void {
    this.bucket.putWithoutWaiting(this.key(sender, controlId), JSON.stringify(seen));
  }
}

import type { CanonicalEvent } from '../events/schema.ts';
import type { BusMessage } from './consumer.ts';

/** An event as this process published it: the object it checked, and its RFC 8785 text (the message's payload). */
export interface PublishedEvent {
  event: CanonicalEvent;
  text: string;
}

/**
 * The events this process published lately, by their sequence in the events stream. When the message comes back to
 * the consumer of the same process that takes it (the ledger writer, in the instance that holds the partition), that
 * consumer gets the event from here instead of parsing and validating again what was validated before it was
 * published, and the ledger hashes the very text that was sent. A message is recognised only when its payload is
 * the text published, so a stream recreated under the same sequence numbers cannot be mistaken for ours.
 *
 * An entry lives from its PubAck until it is taken, so the map holds about what is in flight and its objects die
 * young; entries nobody here takes (a partition another instance holds) make way beyond `capacity`.
 */
export class PublishedEvents {
  private readonly bySeq = new Map<number, PublishedEvent & { payload: Buffer }>();

  constructor(private readonly capacity = 2048) {}

  /** `payload`: the bytes published, which is `text` encoded (compared with what comes back, without decoding it). */
  remember(seq: number, published: PublishedEvent, payload: Uint8Array): void {
    this.bySeq.set(seq, { ...published, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.length) });
    if (this.bySeq.size > this.capacity) this.bySeq.delete(this.bySeq.keys().next().value!);
  }

  /** The event of a message of the events stream, when this process published exactly this payload at its sequence. */
  take(m: BusMessage): PublishedEvent | undefined {
    const entry = this.bySeq.get(m.seq);
    if (!entry) return undefined;
    this.bySeq.delete(m.seq);
    if (!entry.payload.equals(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length))) return undefined;
    return { event: entry.event, text: entry.text };
  }

  get size(): number {
    return this.bySeq.size;
  }
}

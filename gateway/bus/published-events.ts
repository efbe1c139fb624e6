import type { CanonicalEvent } from '../events/schema.ts';
import type { BusMessage } from './consumer.ts';

/** An event as this process published it: the object it checked, and its RFC 8785 text (the message's payload). */
export interface PublishedEvent {
  event: CanonicalEvent;
  text: string;
}

/**
 * The events this process published most recently, by their sequence in the events stream. When the message comes
 * back to a consumer of the same process (the ledger writer, in the instance that holds the partition), the consumer
 * takes the event from here instead of parsing and validating again what was validated before it was published,
 * and the ledger hashes the very text that was sent. A message is recognised only when its bytes are the ones
 * published, so a stream recreated under the same sequence numbers cannot be mistaken for ours.
 *
 * Bounded: the oldest entries make way (a consumer far behind decodes as it would without this).
 */
export class PublishedEvents {
  private readonly bySeq = new Map<number, PublishedEvent & { bytes: Uint8Array }>();

  constructor(private readonly capacity = 4096) {}

  remember(seq: number, published: PublishedEvent, bytes: Uint8Array): void {
    this.bySeq.set(seq, { ...published, bytes });
    if (this.bySeq.size > this.capacity) this.bySeq.delete(this.bySeq.keys().next().value!);
  }

  /** The event of a message of the events stream, when this process published exactly these bytes at its sequence. */
  recall(m: BusMessage): PublishedEvent | undefined {
    const entry = this.bySeq.get(m.seq);
    if (!entry || !sameBytes(entry.bytes, m.data)) return undefined;
    return { event: entry.event, text: entry.text };
  }

  get size(): number {
    return this.bySeq.size;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

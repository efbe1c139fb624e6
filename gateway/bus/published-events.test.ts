import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../events/schema.ts';
import { PublishedEvents } from './published-events.ts';

const event = (id: string) => ({ id }) as unknown as CanonicalEvent;
const bytes = (text: string) => new TextEncoder().encode(text);
const message = (seq: number, text: string) => ({ subject: 'ev.gen.p0.F.rx.dispense', seq, data: bytes(text) });

describe('PublishedEvents', () => {
  it('gives back the event published at a sequence when the message carries the very bytes published', () => {
    const published = new PublishedEvents();
    const e = event('a');
    published.remember(7, { event: e, text: '{"id":"a"}' }, bytes('{"id":"a"}'));
    expect(published.recall(message(7, '{"id":"a"}'))).toEqual({ event: e, text: '{"id":"a"}' });
    // a second consumer of the same process may ask too
    expect(published.recall(message(7, '{"id":"a"}'))?.event).toBe(e);
  });

  it('knows nothing of another sequence, nor of other bytes under the same sequence', () => {
    const published = new PublishedEvents();
    published.remember(7, { event: event('a'), text: '{"id":"a"}' }, bytes('{"id":"a"}'));
    expect(published.recall(message(8, '{"id":"a"}'))).toBeUndefined();
    expect(published.recall(message(7, '{"id":"b"}'))).toBeUndefined();
    expect(published.recall(message(7, '{"id":"a"} '))).toBeUndefined();
  });

  it('forgets the oldest entries beyond its capacity', () => {
    const published = new PublishedEvents(2);
    for (const seq of [1, 2, 3]) published.remember(seq, { event: event(String(seq)), text: String(seq) }, bytes(String(seq)));
    expect(published.size).toBe(2);
    expect(published.recall(message(1, '1'))).toBeUndefined();
    expect(published.recall(message(3, '3'))?.text).toBe('3');
  });

  it('compares bytes that are a view into a larger buffer', () => {
    const published = new PublishedEvents();
    published.remember(1, { event: event('a'), text: 'abc' }, bytes('abc'));
    const big = bytes('xxabcxx');
    expect(published.recall({ subject: 's', seq: 1, data: big.subarray(2, 5) })?.text).toBe('abc');
  });
});

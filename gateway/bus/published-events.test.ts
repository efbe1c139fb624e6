import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../events/schema.ts';
import { PublishedEvents } from './published-events.ts';

const event = (id: string) => ({ id }) as unknown as CanonicalEvent;
const bytes = (text: string) => new TextEncoder().encode(text);
const message = (seq: number, text: string) => ({ subject: 'ev.gen.p0.F.rx.dispense', seq, data: bytes(text) });

describe('PublishedEvents', () => {
  it('gives back, once, the event published at a sequence when the message carries the very text published', () => {
    const published = new PublishedEvents();
    const e = event('a');
    published.remember(7, { event: e, text: '{"id":"a","n":"é"}' }, bytes('{"id":"a","n":"é"}'));
    expect(published.take(message(7, '{"id":"a","n":"é"}'))).toEqual({ event: e, text: '{"id":"a","n":"é"}' });
    expect(published.size).toBe(0);
    expect(published.take(message(7, '{"id":"a","n":"é"}'))).toBeUndefined();
  });

  it('knows nothing of another sequence, nor of other bytes under the same sequence', () => {
    const published = new PublishedEvents();
    published.remember(7, { event: event('a'), text: '{"id":"a"}' }, bytes('{"id":"a"}'));
    published.remember(9, { event: event('a'), text: '{"id":"a"}' }, bytes('{"id":"a"}'));
    expect(published.take(message(8, '{"id":"a"}'))).toBeUndefined();
    expect(published.take(message(7, '{"id":"b"}'))).toBeUndefined();
    expect(published.take(message(9, '{"id":"a"} '))).toBeUndefined();
  });

  it('forgets the oldest entries beyond its capacity', () => {
    const published = new PublishedEvents(2);
    for (const seq of [1, 2, 3]) published.remember(seq, { event: event(String(seq)), text: String(seq) }, bytes(String(seq)));
    expect(published.size).toBe(2);
    expect(published.take(message(1, '1'))).toBeUndefined();
    expect(published.take(message(3, '3'))?.text).toBe('3');
  });

  it('compares bytes that are a view into a larger buffer', () => {
    const published = new PublishedEvents();
    published.remember(1, { event: event('a'), text: 'abc' }, bytes('abc'));
    const big = bytes('xxabcxx');
    expect(published.take({ subject: 's', seq: 1, data: big.subarray(2, 5) })?.text).toBe('abc');
  });
});

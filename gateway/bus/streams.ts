import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Bus } from './connection.ts';

export interface StreamSettings {
  duplicateWindowMs: number;
  /** how long the events stream keeps an event; 0 or unset: for ever (EVENTS_MAX_AGE_DAYS) */
  eventsMaxAgeMs?: number;
  /** largest size of the events stream; 0 or unset: no limit but the server's (EVENTS_MAX_BYTES) */
  eventsMaxBytes?: number;
  /** largest size of the quarantine stream; 0 or unset: no limit but the server's (QUARANTINE_MAX_BYTES) */
  quarantineMaxBytes?: number;
}

function desiredStreams(bus: Bus, s: StreamSettings): (Partial<StreamConfig> & { name: string })[] {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
  };
  const { streams, subjects } = bus.names;
  return [
    {
      ...common,
      name: streams.events,
      subjects: [subjects.eventsAll],
      duplicate_window: nanos(s.duplicateWindowMs),
      // The ledger is the lasting record; the stream is the way there, kept for as long as a consumer may lag.
      max_age: nanos(s.eventsMaxAgeMs ?? 0),
      max_bytes: s.eventsMaxBytes ? s.eventsMaxBytes : -1,
      // A full stream refuses the new event, whose sender still holds it and is told so, instead of dropping the
      // oldest, which a consumer may not have seen yet.
      discard: DiscardPolicy.New,
    },
    // Quarantine and dead letters are evidence: no age limit, no dedupe (every rejection is kept). A size limit on
    // quarantine refuses the new copy, whose sender is then asked to resend, and never drops evidence.
    {
      ...common,
      name: streams.quarantine,
      subjects: [subjects.quarantineAll],
      duplicate_window: nanos(60_000),
      max_bytes: s.quarantineMaxBytes ? s.quarantineMaxBytes : -1,
      discard: DiscardPolicy.New,
    },
    { ...common, name: streams.dlq, subjects: [subjects.dlqAll], duplicate_window: nanos(60_000) },
  ];
}

/** Creates the streams, or brings an existing one's settings up to date; safe to run at every start. */
export async function ensureStreams(bus: Bus, settings: StreamSettings): Promise<void> {
  for (const config of desiredStreams(bus, settings)) {
    const name = config.name;
    const existing = await bus.jsm.streams.info(name).catch(() => null);
    if (!existing) {
      await bus.jsm.streams.add(config);
      continue;
    }
    const { storage: _immutable, ...updatable } = config;
    await bus.jsm.streams.update(name, { ...existing.config, ...updatable });
  }
}

/**
 * Whether the server says the events stream is not there (deleted by hand, or a nats-server back on an empty store):
 * true or false from the server's own answer; anything else (a timeout, a lost connection) throws, as it says
 * nothing about the stream.
 */
export async function eventsStreamMissing(bus: Bus): Promise<boolean> {
  try {
    await bus.jsm.streams.info(bus.names.streams.events);
    return false;
  } catch (err) {
    if (err instanceof Error && /stream not found/i.test(err.message)) return true;
    throw err;
  }
}

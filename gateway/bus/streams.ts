import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Bus } from './connection.ts';

export interface StreamSettings {
  duplicateWindowMs: number;
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
    { ...common, name: streams.events, subjects: [subjects.eventsAll], duplicate_window: nanos(s.duplicateWindowMs) },
    // Quarantine and dead letters are evidence: no age limit, no dedupe (every rejection is kept).
    { ...common, name: streams.quarantine, subjects: [subjects.quarantineAll], duplicate_window: nanos(60_000) },
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

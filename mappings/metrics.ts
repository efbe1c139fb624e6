import { Gauge, type Registry } from 'prom-client';
import type { Diagnostics } from './diagnostics.ts';

/**
 * The mapping engine's Prometheus gauges, registered on the gateway's registry (gateway/metrics.ts). They are
 * computed from the diagnostics when scraped, at most once per `maxAgeMs`, so a scrape costs a few queries at most.
 */

export interface MappingMetrics {
  /** forget the cached diagnostics (after a change), so the next scrape recomputes */
  invalidate(): void;
}

export function registerMappingMetrics(registry: Registry, compute: () => Promise<Diagnostics>, maxAgeMs = 5_000): MappingMetrics {
  let cached: { at: number; value: Promise<Diagnostics> } | undefined;
  const get = (): Promise<Diagnostics> => {
    if (!cached || Date.now() - cached.at > maxAgeMs) {
      const value = compute();
      cached = { at: Date.now(), value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
  const gauge = (name: string, help: string, pick: (d: Diagnostics) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(pick(await get()));
        } catch {
          // the store is unreachable: leave the last value; /readyz says why
        }
      },
    });
  gauge('rxgate_mappings_schedule_match_ratio', 'Current drugs with a DEA schedule mapping, as a share of all current drugs (goal >= 0.998)', (d) => d.schedule_match.rate);
  gauge('rxgate_mappings_drugs', 'Current drug entries', (d) => d.drugs);
  gauge('rxgate_mappings_unclassified_controlled', 'Drugs the FDA directory lists as controlled with no schedule mapping or mapped NC (must be 0)', (d) => d.unclassified_controlled.count);
  gauge('rxgate_mappings_unverified_24h', 'Schedule mappings not verified in the last 24 hours', (d) => d.unverified_24h.count);
  gauge('rxgate_mappings_pending_codes', 'Unmapped drug codes waiting for an analyst', (d) => d.pending.open);
  gauge('rxgate_mappings_parked_events', 'Events parked on unmapped drug codes, waiting to reach the ledger', (d) => d.pending.waiting_events);
  return { invalidate: () => (cached = undefined) };
}

import type { Metrics } from '../metrics.ts';
import type { Bus } from './connection.ts';

/**
 * Sets the stream gauges (rxgate_stream_bytes, rxgate_stream_messages) from the gateway's streams as they are now:
 * how close the events and quarantine streams are to their size limits, or the disk to full.
 */
export async function observeStreamSizes(bus: Bus, metrics: Metrics): Promise<void> {
  const { events, quarantine, dlq } = bus.names.streams;
  await Promise.all(
    [events, quarantine, dlq].map(async (stream) => {
      const info = await bus.jsm.streams.info(stream).catch(() => null);
      if (!info) return;
      metrics.streamBytes.set({ stream }, info.state.bytes);
      metrics.streamMessages.set({ stream }, info.state.messages);
    }),
  );
}

import type { Logger } from 'pino';
import type { Bus } from '../../gateway/bus/connection.ts';
import type { QuarantineReplayer } from '../../gateway/bus/quarantine.ts';
import type { IntakeDeps } from '../../gateway/intake/accept.ts';
import type { Metrics } from '../../gateway/metrics.ts';
import type { PhiVault } from '../../gateway/phi/vault.ts';
import type { DrugResolver } from '../../mappings/resolver.ts';
import type { Hl7Config } from './config.ts';
import { listenerOptionsFromConfig } from './mllp/config.ts';
import type { MllpConnectionInfo } from './mllp/handler.ts';
import { startMllpListener, type MllpListener } from './mllp/listener.ts';
import { createHl7Handler, type Hl7Handler } from './pipeline/handler.ts';
import { Lanes } from './pipeline/lanes.ts';
import { SeenMessages } from './pipeline/seen-messages.ts';
import { parseAllowList } from './pipeline/sender-allow-list.ts';
import { checkTranslateConfig } from './translate/index.ts';

/** The HL7 v2 adapter as the composition root starts it: the MLLP listeners with the pipeline behind them. */

export interface Hl7Adapter {
  listener: MllpListener;
  handler: Hl7Handler;
  /** Feeds a quarantined payload through the pipeline again (an analyst's replay skips the sender check). */
  replayer: QuarantineReplayer;
  stop(): Promise<void>;
}

export class Hl7ConfigError extends Error {
  constructor(problems: string[]) {
    super(`HL7 configuration: ${problems.join('; ')}`);
    this.name = 'Hl7ConfigError';
  }
}

const REPLAY_CONNECTION: MllpConnectionInfo = { id: 'quarantine-replay', remoteAddress: 'replay', remotePort: 0, tls: false };

export async function startHl7Adapter(deps: {
  config: Hl7Config;
  bus: Bus;
  intake: IntakeDeps;
  metrics: Metrics;
  logger: Logger;
  vault: PhiVault;
  tokenKey: Buffer;
  drugs: DrugResolver;
}): Promise<Hl7Adapter> {
  const { config } = deps;
  const translation = {
    facility: { defaultId: config.HL7_FACILITY_DEFAULT, map: config.HL7_FACILITY_MAP },
    tokenKey: deps.tokenKey,
    drugs: deps.drugs,
    defaultTimeZone: config.HL7_TIME_ZONE,
  };
  const problems = checkTranslateConfig(translation);
  if (problems.length > 0) throw new Hl7ConfigError(problems);

  const handler = createHl7Handler({
    bus: deps.bus,
    intake: deps.intake,
    metrics: deps.metrics,
    logger: deps.logger,
    vault: deps.vault,
    seen: await SeenMessages.open(deps.bus, config.HL7_DEDUPE_WINDOW_S * 1000),
    lanes: new Lanes(),
    allowRules: parseAllowList(config.MLLP_ALLOWED_SENDERS),
    translation,
  });
  const listener = await startMllpListener(listenerOptionsFromConfig(config, { handler, logger: deps.logger }));

  const replayer: QuarantineReplayer = async (raw) => {
    const processed = await handler.process(raw, REPLAY_CONNECTION, { checkSender: false });
    return processed.outcome === 'accept'
      ? { accepted: true, event_ids: processed.eventIds }
      : { accepted: false, reason: processed.reason ?? processed.outcome, details: processed.issues };
  };
  return { listener, handler, replayer, stop: () => listener.stop() };
}

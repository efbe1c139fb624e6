import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the gateway exports, in one registry per process (tests create their own). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rxgate_process_' });
  return {
    registry,
    eventsPublished: new Counter({
      name: 'rxgate_events_published_total',
      help: 'Canonical events accepted by JetStream, by type and class (duplicates counted apart)',
      labelNames: ['type', 'class', 'duplicate'] as const,
      registers: [registry],
    }),
    ledgerAppends: new Counter({
      name: 'rxgate_ledger_appends_total',
      help: 'Ledger rows written (duplicate=true: the idempotency key was already recorded)',
      labelNames: ['duplicate'] as const,
      registers: [registry],
    }),
    ledgerAppendSeconds: new Histogram({
      name: 'rxgate_ledger_append_seconds',
      help: 'Time of one ledger batch transaction',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ledgerBatchSize: new Histogram({
      name: 'rxgate_ledger_batch_events',
      help: 'Events per ledger batch transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    consumerPending: new Gauge({
      name: 'rxgate_consumer_pending_messages',
      help: 'Messages not yet delivered to a durable consumer',
      labelNames: ['stream', 'consumer'] as const,
      registers: [registry],
    }),
    consumerAckPending: new Gauge({
      name: 'rxgate_consumer_ack_pending_messages',
      help: 'Messages delivered to a durable consumer and not yet acknowledged',
      labelNames: ['stream', 'consumer'] as const,
      registers: [registry],
    }),
    consumerBacklogAge: new Gauge({
      name: 'rxgate_consumer_backlog_age_seconds',
      help: 'Age of the oldest event a durable consumer has not acknowledged (0: none waits); the events stream deletes events at EVENTS_MAX_AGE_DAYS',
      labelNames: ['stream', 'consumer'] as const,
      registers: [registry],
    }),
    streamBytes: new Gauge({
      name: 'rxgate_stream_bytes',
      help: 'Bytes a stream holds (EVENTS_MAX_BYTES and QUARANTINE_MAX_BYTES refuse new messages beyond their limit)',
      labelNames: ['stream'] as const,
      registers: [registry],
    }),
    streamMessages: new Gauge({
      name: 'rxgate_stream_messages',
      help: 'Messages a stream holds',
      labelNames: ['stream'] as const,
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'rxgate_quarantined_total',
      help: 'Messages kept in quarantine, by adapter and reason',
      labelNames: ['adapter', 'reason'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'rxgate_dead_lettered_total',
      help: 'Messages moved to the dead-letter stream, by consumer',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    hl7Messages: new Counter({
      name: 'rxgate_hl7_messages_total',
      help: 'HL7 v2 frames answered, by message type (MSH-9 code^trigger; batch, unparsed or other) and outcome (accept, error, reject)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    hl7AckSeconds: new Histogram({
      name: 'rxgate_hl7_ack_seconds',
      help: 'From an HL7 v2 frame received to its answer ready (for accept: the events are at the ack point), by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    ackStageSeconds: new Histogram({
      name: 'rxgate_ack_stage_seconds',
      help:
        'Where the time before a positive answer goes, by adapter and stage: prepare (parse, check and translate), ' +
        'publish (until every JetStream PubAck), ack_point (from the PubAck until the ledger commit is known; ACK_POINT=ledger only)',
      labelNames: ['adapter', 'stage'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    hl7LastAccepted: new Gauge({
      name: 'rxgate_hl7_last_accepted_timestamp_seconds',
      help: 'When an HL7 v2 message of each facility was last accepted (Unix time): alert on a feed that has gone quiet',
      labelNames: ['facility'] as const,
      registers: [registry],
    }),
    mllpConnections: new Gauge({
      name: 'rxgate_mllp_connections',
      help: 'Open MLLP connections, plain and TLS',
      registers: [registry],
    }),
    mllpBufferedBytes: new Gauge({
      name: 'rxgate_mllp_buffered_bytes',
      help: 'Bytes all MLLP connections hold (partial frames, queued frames, frames being handled); connections stop reading at MLLP_MAX_BUFFERED_BYTES',
      registers: [registry],
    }),
    mllpTlsCertificateExpiry: new Gauge({
      name: 'rxgate_mllp_tls_certificate_expiry_timestamp_seconds',
      help: 'When the certificate the MLLP TLS listener serves expires (Unix time), for an alert well before it does',
      registers: [registry],
    }),
    hl7Outbound: new Counter({
      name: 'rxgate_hl7_outbound_messages_total',
      help: 'Dispense events handled by the HL7 v2 outbound workers, by target facility and outcome (sent, skipped_echo, rejected, error, unreachable, no_answer, invalid, dead_lettered)',
      labelNames: ['target', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

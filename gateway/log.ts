import pino, { type Logger } from 'pino';

/**
 * JSON logs. Log lines carry ids (correlation, event, stream sequence), never message bodies: bodies may hold PHI.
 * The redaction list is a second line of defence for fields that must never be printed even by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'rxgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['raw', 'body', 'payload', 'patient', '*.raw', '*.body', '*.payload', 'req.headers.authorization'], censor: '[redacted]' },
    },
    destination,
  );
}

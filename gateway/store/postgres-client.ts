import postgres from 'postgres';

/**
 * One place for the postgres.js options, so the pool behind the store and the single connection the migrator
 * holds its advisory lock on behave alike.
 */
export function createPostgresClient(databaseUrl: string, max: number): postgres.Sql {
  return postgres(databaseUrl, {
    max,
    connect_timeout: 10,
    backoff: reconnectDelaySeconds,
    // "relation already exists, skipping" and the like are not worth a console line each.
    onnotice: () => {},
    // Timestamps come back as text (drizzle turns off postgres.js's Date parsing); pin the zone so that text is the
    // same on every server and on PGlite.
    connection: { TimeZone: 'UTC', application_name: 'rxgate' },
    types: {
      // int8 as a JS number when it fits, as PGlite does, so raw rows look the same on both drivers.
      int8: {
        to: 20,
        from: [20],
        serialize: (value: unknown) => String(value),
        parse: (text: string) => {
          const n = Number(text);
          return Number.isSafeInteger(n) ? n : BigInt(text);
        },
      },
    },
  });
}

/**
 * How long a pool connection that was lost waits before connecting again, by the number of failed attempts the pool
 * has seen since its last success. postgres.js's own delay grows as 3^n / 100 s up to 20 s, so after a PostgreSQL
 * outage of a few seconds (a dozen failed attempts across the pool) a query could wait 20 s for a connection that
 * was ready long before — the ledger writer with it, and every sender held at the ledger ack point. Here it doubles
 * from 50 ms and stops at 2 s, with jitter so that instances do not reconnect in step.
 */
export function reconnectDelaySeconds(failedAttempts: number, random: () => number = Math.random): number {
  return (0.75 + random() / 2) * Math.min(0.05 * 2 ** failedAttempts, 2);
}

/** The URL for messages and logs: a password never leaves this function. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

import postgres from 'postgres';

/**
 * One place for the postgres.js options, so the pool behind the store and the single connection the migrator
 * holds its advisory lock on behave alike.
 */
export function createPostgresClient(databaseUrl: string, max: number): postgres.Sql {
  return postgres(databaseUrl, {
    max,
    connect_timeout: 10,
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

import postgres from 'postgres';

/**
 * A new, empty PostgreSQL database for one benchmark run, created from (and dropped through) the admin URL
 * BENCH_DATABASE_ADMIN_URL (default: the `test` database on 127.0.0.1:5432, trust auth).
 */
export const BENCH_ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}`;
  const run = async (statement: string) => {
    const admin = postgres(BENCH_ADMIN_URL, { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(statement);
    } finally {
      await admin.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

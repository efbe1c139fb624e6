import type postgres from 'postgres';

/**
 * drizzle runs every query through postgres.js `unsafe(text, params, { prepare: false })`. Unprepared, a query
 * with parameters costs postgres.js two round trips (Parse/Describe to learn the parameter types, then
 * Bind/Execute); prepared, only the first execution on a connection pays for the description and every later one
 * is a single round trip. On the hot paths (ledger appends, vault writes, mapping reads) that halves the waits.
 *
 * This wraps the client drizzle is given so its queries are prepared, inside transactions too (`begin` hands
 * the callback a client bound to one connection, which is wrapped the same way). Prepared statements live per
 * connection and go with it (postgres.js recycles connections after max_lifetime), so the set stays bounded.
 */
export function preparingClient(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (text: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(text, parameters, { ...options, prepare: true });
      }
      if (property === 'begin') {
        return (...args: unknown[]) => {
          const callback = args[args.length - 1] as (tx: postgres.TransactionSql) => unknown;
          args[args.length - 1] = (tx: postgres.TransactionSql) => callback(preparingClient(tx as unknown as postgres.Sql) as unknown as postgres.TransactionSql);
          return (target.begin as (...a: unknown[]) => unknown)(...args);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

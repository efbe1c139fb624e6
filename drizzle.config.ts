import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes SQL migrations from the store schema into migrations/, which migrateStore()
// applies on PostgreSQL and on PGlite alike. Hand-written SQL (triggers) goes in with `generate --custom --name ...`.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./gateway/store/schema.ts', './gateway/phi/schema.ts', './mappings/schema.ts', './adapters/hl7v2/outbound/resend-schema.ts'],
  out: './migrations',
  strict: true,
  verbose: true,
});

import { defineConfig } from 'drizzle-kit';

// The PostgreSQL engine's migrations (the SQLite ones are in drizzle/, see drizzle.config.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/storage/postgres/schema.ts', './src/storage/postgres/schema-invites.ts', './src/storage/postgres/schema-office.ts', './src/storage/postgres/schema-devices.ts', './src/storage/postgres/schema-notify.ts'],
  out: './drizzle-pg',
});

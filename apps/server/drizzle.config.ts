import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/storage/sqlite/schema.ts', './src/storage/sqlite/schema-invites.ts', './src/storage/sqlite/schema-office.ts', './src/storage/sqlite/schema-devices.ts', './src/storage/sqlite/schema-notify.ts'],
  out: './drizzle',
});

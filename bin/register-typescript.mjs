// `node --import ./bin/register-typescript.mjs file.ts`: runs the project's TypeScript as the gateway runs it
// (typescript-hooks.mjs), with stack traces that point into the .ts sources.
import { register } from 'node:module';

register('./typescript-hooks.mjs', import.meta.url);
process.setSourceMapsEnabled(true);

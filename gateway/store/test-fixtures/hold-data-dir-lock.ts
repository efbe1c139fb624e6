import { DataDirLockedError, lockDataDir } from '../data-dir-lock.ts';

/**
 * A second gateway process in miniature, for the data-dir lock tests:
 *   node --import tsx gateway/store/test-fixtures/hold-data-dir-lock.ts <dataDir>
 * takes the lock, prints "locked <pid>" and holds it until killed; if the folder is taken, prints the
 * DataDirLockedError message on stderr and exits with 3.
 */
const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: hold-data-dir-lock.ts <dataDir>\n');
  process.exit(2);
}
try {
  await lockDataDir(dataDir);
  process.stdout.write(`locked ${process.pid}\n`);
  setInterval(() => {}, 60_000);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(error instanceof DataDirLockedError ? 3 : 1);
}

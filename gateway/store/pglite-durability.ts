/**
 * PGlite starts PostgreSQL with `-F` (fsync off), and its Node file system has no fsync at all, so out of the box
 * a commit is in the page cache only: it survives a crash of the process but not a power cut, which breaks the
 * ledger ack point of DESIGN §2. Turning fsync back on with wal_sync_method=open_datasync makes PostgreSQL open
 * its WAL with O_DSYNC, which PGlite passes through to the real open(2) (as O_SYNC): every commit's WAL write
 * reaches the disk before COMMIT returns (measured: WAL files opened O_RDWR|O_SYNC under strace; ~0.3 ms more per
 * commit, so batch commits).
 *
 * What this does not cover: PostgreSQL's fsync of data files at a checkpoint is still a no-op inside PGlite, so
 * pages written by a checkpoint can sit in the page cache for the kernel's writeback delay (~30 s) after the
 * checkpoint record is on disk. A power cut inside that window can lose or tear those pages. PostgreSQL proper
 * (DATABASE_URL) has no such window; the README should say the embedded store is for single-node, best-effort
 * deployments.
 *
 * `defaults`: `PGlite.defaultStartParams`, passed in so that this module does not load PGlite.
 */
export function durablePgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults.filter((p) => p !== '-F'), '-c', 'fsync=on', '-c', 'wal_sync_method=open_datasync'];
}

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidIsAlive } from '../os/processes.ts';
import { connectBus } from './connection.ts';
import { NatsServerMissingError, natsServerVersion, startEmbeddedNats, type EmbeddedNats } from './embedded-nats.ts';
import { ensureStreams } from './streams.ts';

describe('embedded nats-server', () => {
  const started: EmbeddedNats[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const n of started.splice(0)) await n.stop();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('starts nats-server with JetStream on loopback, storing in DATA_DIR/nats, and reports its fsync mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-nats-'));
    dirs.push(dir);
    const nats = await startEmbeddedNats({ bin: 'nats-server', dataDir: dir });
    started.push(nats);
    expect(nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    const [major, minor] = natsServerVersion('nats-server').split('.').map(Number) as [number, number];
    // sync_interval exists from 2.10 on; Debian's 2.9.10 refuses it and fsyncs on a timer.
    expect(nats.sync).toBe(major > 2 || (major === 2 && minor >= 10) ? 'always' : 'interval');
    const conf = await readFile(join(dir, 'nats', 'nats-server.conf'), 'utf8');
    expect(conf).toContain(join(dir, 'nats', 'jetstream'));

    const bus = await connectBus(nats.url, 'embedded-test');
    await ensureStreams(bus, { duplicateWindowMs: 60_000 });
    const ack = await bus.js.publish('ev.gen.p0.F.inv.count', 'x', { msgID: 'k1' });
    expect(ack.seq).toBe(1);
    await bus.close();
  });

  it('kills a nats-server left behind by a gateway that died, before starting its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-nats-'));
    dirs.push(dir);
    await startEmbeddedNats({ bin: 'nats-server', dataDir: dir }); // never stopped: an orphan
    const orphanPid = Number(await readFile(join(dir, 'nats', 'nats-server.pid'), 'utf8'));
    expect(pidIsAlive(orphanPid)).toBe(true);
    const second = await startEmbeddedNats({ bin: 'nats-server', dataDir: dir });
    started.push(second);
    expect(pidIsAlive(orphanPid)).toBe(false);
    const bus = await connectBus(second.url, 'embedded-test-2');
    await ensureStreams(bus, { duplicateWindowMs: 60_000 });
    await bus.close();
  });

  it('names the missing binary and how to install it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-nats-'));
    dirs.push(dir);
    await expect(startEmbeddedNats({ bin: '/nonexistent/nats-server', dataDir: dir })).rejects.toThrow(NatsServerMissingError);
    await expect(startEmbeddedNats({ bin: '/nonexistent/nats-server', dataDir: dir })).rejects.toThrow(/apt-get install -y nats-server/);
  });
});

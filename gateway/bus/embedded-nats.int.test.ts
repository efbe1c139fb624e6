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
    await startEmbeddedNats({ bin: 'nats-server', dataDir: dir, supervise: false }); // never stopped: an orphan
    const orphanPid = Number(await readFile(join(dir, 'nats', 'nats-server.pid'), 'utf8'));
    expect(pidIsAlive(orphanPid)).toBe(true);
    const second = await startEmbeddedNats({ bin: 'nats-server', dataDir: dir });
    started.push(second);
    expect(pidIsAlive(orphanPid)).toBe(false);
    const bus = await connectBus(second.url, 'embedded-test-2');
    await ensureStreams(bus, { duplicateWindowMs: 60_000 });
    await bus.close();
  });

  it('starts nats-server again on its store when it dies, and not once stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-nats-'));
    dirs.push(dir);
    const events: string[] = [];
    const nats = await startEmbeddedNats({
      bin: 'nats-server',
      dataDir: dir,
      onExit: (e) => events.push(`exit ${e.signal} ${e.restartInMs}`),
      onRestart: () => events.push('restart'),
    });
    started.push(nats);
    const bus = await connectBus(nats.url, 'embedded-test-3');
    await ensureStreams(bus, { duplicateWindowMs: 60_000 });
    await bus.js.publish('ev.gen.p0.F.inv.count', 'before', { msgID: 'k1' });

    const firstPid = Number(await readFile(join(dir, 'nats', 'nats-server.pid'), 'utf8'));
    process.kill(firstPid, 'SIGKILL');
    for (let i = 0; i < 100 && !events.includes('restart'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual(['exit SIGKILL 500', 'restart']);
    const secondPid = Number(await readFile(join(dir, 'nats', 'nats-server.pid'), 'utf8'));
    expect(secondPid).not.toBe(firstPid);
    expect(pidIsAlive(secondPid)).toBe(true);
    // The client reconnects by itself (after its reconnect pause, and the server's JetStream recovery: seconds on a
    // busy machine, so the publish is tried again under the same message id); the stream and its message were on disk.
    let ack: Awaited<ReturnType<typeof bus.js.publish>> | undefined;
    for (let i = 0; !ack && i < 15; i++) ack = await bus.js.publish('ev.gen.p0.F.inv.count', 'after', { msgID: 'k2', timeout: 2000 }).catch(() => undefined);
    expect(ack?.seq).toBe(2);
    await bus.close();

    await nats.stop();
    started.splice(started.indexOf(nats), 1);
    await new Promise((r) => setTimeout(r, 700)); // past the first restart pause
    expect(pidIsAlive(secondPid)).toBe(false);
    expect(events).toEqual(['exit SIGKILL 500', 'restart']);
  });

  it('names the missing binary and how to install it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxgate-nats-'));
    dirs.push(dir);
    await expect(startEmbeddedNats({ bin: '/nonexistent/nats-server', dataDir: dir })).rejects.toThrow(NatsServerMissingError);
    await expect(startEmbeddedNats({ bin: '/nonexistent/nats-server', dataDir: dir })).rejects.toThrow(/apt-get install -y nats-server/);
  });
});

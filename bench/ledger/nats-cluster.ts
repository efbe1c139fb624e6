import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeLoopbackPort, stopChild, waitForPort } from '../../gateway/bus/embedded-nats.ts';

/**
 * A three-node nats-server cluster on loopback, for measuring R3 streams: the durable configuration that
 * nats-server 2.9 offers (a write is acknowledged once a majority of the replicas has it), since 2.9 has no
 * `sync_interval: always`.
 */
export async function startLocalCluster(dir: string, bin = 'nats-server'): Promise<{ url: string; stop(): Promise<void> }> {
  const nodes = await Promise.all([1, 2, 3].map(async (n) => ({ n, client: await freeLoopbackPort(), route: await freeLoopbackPort() })));
  const children: ChildProcess[] = [];
  for (const node of nodes) {
    const nodeDir = join(dir, `n${node.n}`);
    await mkdir(nodeDir, { recursive: true });
    const routes = nodes.filter((o) => o !== node).map((o) => `"nats-route://127.0.0.1:${o.route}"`);
    const conf = join(nodeDir, 'server.conf');
    await writeFile(
      conf,
      [
        `server_name: "bench-n${node.n}"`,
        `listen: "127.0.0.1:${node.client}"`,
        `jetstream { store_dir: ${JSON.stringify(join(nodeDir, 'js'))} }`,
        `cluster { name: "rxgate-bench", listen: "127.0.0.1:${node.route}", routes: [${routes.join(', ')}] }`,
        '',
      ].join('\n'),
    );
    const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    children.push(child);
    await waitForPort(node.client, child, () => stderr);
  }
  return {
    url: nodes.map((n) => `nats://127.0.0.1:${n.client}`).join(','),
    stop: async () => {
      await Promise.all(children.map((c) => stopChild(c)));
    },
  };
}

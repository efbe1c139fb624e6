import { isIP, SocketAddress } from 'node:net';

/**
 * A peer's address as one text per address, so that limits and rules match however it was written: IPv4 as dotted
 * quads (also when a dual-stack listener reports it IPv4-mapped, `::ffff:10.1.2.3`), IPv6 compressed and in lower
 * case (`0:0:0:0:0:0:0:1` and `::1` are one). Undefined for a text that is not an IP address.
 */
export function canonicalAddress(address: string): string | undefined {
  const unmapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
  const family = isIP(unmapped);
  if (family === 0) return undefined;
  return family === 4 ? unmapped : new SocketAddress({ address: unmapped, family: 'ipv6' }).address;
}

import { isIP } from 'node:net';

/** Normalises an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) to IPv4. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** True for loopback addresses (`127.0.0.0/8`, `::1`). */
export function isLoopbackAddress(address: string): boolean {
  const a = normalizeAddress(address);
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** The `login` of the fallback loopback identity (and the grant `src` value that matches it). */
export const LOOPBACK_LOGIN = '(loopback)';

/** True when binding `host` accepts connections from this machine only (`127.0.0.1`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h.toLowerCase() === 'localhost' || isLoopbackAddress(h);
}

/** Request headers a reverse proxy adds to say whom it relays. */
export const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/** The message of the warning about `identity.loopback` on a gateway reachable from elsewhere. */
export function loopbackExposedMessage(host: string): string {
  return `identity.loopback is on while the gateway listens on ${host}: every process on this machine is served as "(loopback)", and so is everyone a local reverse proxy or tunnel relays; set identity.loopback to false unless that is intended`;
}

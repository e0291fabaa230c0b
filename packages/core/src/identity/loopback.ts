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

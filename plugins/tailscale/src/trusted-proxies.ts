import { BlockList, isIP } from 'node:net';

/** A set of addresses and networks, matched in constant time per family. */
export interface AddressSet {
  /** True when `address` is in the set. */
  has(address: string): boolean;
}

/** Parses one `IP` or `IP/prefix` entry; returns an error message when it is malformed. */
function addEntry(list: BlockList, entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const ip = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return `"${entry}" is not an IP address or CIDR`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) {
    list.addAddress(ip, type);
    return undefined;
  }
  const prefixText = entry.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) return `"${entry}" has an invalid prefix length`;
  list.addSubnet(ip, prefix, type);
  return undefined;
}

/** Problems with a list of addresses/CIDRs (empty when every entry is valid). */
export function addressListErrors(entries: readonly string[]): string[] {
  const list = new BlockList();
  return entries.map((e) => addEntry(list, e)).filter((m): m is string => m !== undefined);
}

/** Compiles addresses and CIDRs (`127.0.0.0/8`, `::1`, `10.1.2.3`) into an {@link AddressSet}. */
export function compileAddressSet(entries: readonly string[]): AddressSet {
  const list = new BlockList();
  for (const entry of entries) {
    const problem = addEntry(list, entry);
    if (problem !== undefined) throw new TypeError(`trusted_proxies: ${problem}`);
  }
  return {
    has(address) {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

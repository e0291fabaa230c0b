import { type Identity, createIdentity } from '@tollgate/core';
import type { TailscaleIdentityAttributes, WhoIsResponse } from './types.js';

/** Resolver name of identities established by WhoIs (`identity.resolver`). */
export const WHOIS_RESOLVER = 'tailscale';

/** The placeholder login tailscaled reports as the owner of a tagged node. */
export const TAGGED_DEVICES_LOGIN = 'tagged-devices';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The tailnet name of a node, from its MagicDNS name: everything after the host label, without
 * the trailing dot (`laptop.tail1234.ts.net.` → `tail1234.ts.net`). `undefined` when the name has
 * no domain (MagicDNS off).
 */
export function tailnetNameOf(nodeName: string | undefined): string | undefined {
  if (nodeName === undefined) return undefined;
  const name = nodeName.endsWith('.') ? nodeName.slice(0, -1) : nodeName;
  const dot = name.indexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : undefined;
}

/**
 * The identity of a WhoIs answer, the way Aperture names callers: a tagged node is its tags,
 * sorted and joined with commas (`tag:api,tag:prod`); any other node is its owner's login name.
 * A node with neither yields `undefined` (the caller stays unidentified and is refused).
 */
export function identityFromWhoIs(answer: WhoIsResponse): Identity | undefined {
  const node = answer.Node ?? {};
  const user = answer.UserProfile ?? {};
  const tags = [...new Set(strings(node.Tags))].sort();
  const nodeName = text(node.Name)?.replace(/\.$/, '');
  const attributes: TailscaleIdentityAttributes = {
    source: 'whois',
    ...(nodeName === undefined ? {} : { nodeName }),
    ...(typeof node.ID === 'number' ? { nodeId: node.ID } : {}),
  };
  const common = {
    resolver: WHOIS_RESOLVER,
    ...(tailnetNameOf(text(node.Name)) === undefined ? {} : { tailnetName: tailnetNameOf(text(node.Name)) }),
    ...(text(node.StableID) === undefined ? {} : { stableNodeId: text(node.StableID) }),
  };
  if (tags.length > 0) {
    const displayName = text(node.ComputedName) ?? nodeName?.split('.')[0];
    return createIdentity({ ...common, login: tags.join(','), tags, ...(displayName === undefined ? {} : { displayName }), attributes: Object.freeze(attributes) });
  }
  const login = text(user.LoginName);
  if (login === undefined || login === TAGGED_DEVICES_LOGIN) return undefined;
  const pic = text(user.ProfilePicURL);
  return createIdentity({
    ...common,
    login,
    groups: Object.freeze(strings(user.Groups)),
    ...(text(user.DisplayName) === undefined ? {} : { displayName: text(user.DisplayName) }),
    attributes: Object.freeze({ ...attributes, ...(typeof user.ID === 'number' ? { userId: user.ID } : {}), ...(pic === undefined ? {} : { profilePicUrl: pic }) }),
  });
}

/** Plugin name: tap name, log binding, config key. */
export const PLUGIN_NAME = 'tailscale';

/**
 * The parts of tailscaled's LocalAPI WhoIs answer (`GET /localapi/v0/whois?addr=IP:PORT`,
 * `apitype.WhoIsResponse`) that tollgate reads. tailscaled sends more; it is ignored.
 */
export interface WhoIsResponse {
  /** The calling node. */
  readonly Node?: WhoIsNode;
  /** The node's owner; for a tagged node, the placeholder user `tagged-devices`. */
  readonly UserProfile?: WhoIsUserProfile;
  /** Peer capabilities granted to the caller by the tailnet policy file. */
  readonly CapMap?: Readonly<Record<string, unknown>>;
}

/** A node in a WhoIs answer (`tailcfg.Node`). */
export interface WhoIsNode {
  /** Numeric node id (not stable across control servers). */
  readonly ID?: number;
  /** Stable node id (`nXXXXCNTRL`). */
  readonly StableID?: string;
  /** MagicDNS name with a trailing dot (`laptop.tail1234.ts.net.`). */
  readonly Name?: string;
  /** Tags of a tagged node (`tag:ci`). */
  readonly Tags?: readonly string[];
  /** Short display name of the node. */
  readonly ComputedName?: string;
}

/** The owner of a node in a WhoIs answer (`tailcfg.UserProfile`). */
export interface WhoIsUserProfile {
  /** Numeric user id. */
  readonly ID?: number;
  /** Login name (`alice@example.com`); `tagged-devices` for tagged nodes. */
  readonly LoginName?: string;
  /** Display name. */
  readonly DisplayName?: string;
  /** Profile picture URL. */
  readonly ProfilePicURL?: string;
  /** Groups the control server lets this node see (`tailscale.com/visible-groups`). */
  readonly Groups?: readonly string[];
}

/** How a tailscale identity was established (`identity.attributes.source`). */
export type TailscaleIdentitySource = 'whois' | 'serve-headers';

/** What the tailscale plugin puts in `identity.attributes`. */
export interface TailscaleIdentityAttributes {
  /** WhoIs over the LocalAPI, or trusted `tailscale serve` headers. */
  readonly source: TailscaleIdentitySource;
  /** The node's MagicDNS name without the trailing dot (WhoIs only). */
  readonly nodeName?: string;
  /** Numeric node id (WhoIs only). */
  readonly nodeId?: number;
  /** Numeric user id (WhoIs of a user's node only). */
  readonly userId?: number;
  /** Profile picture URL, when known. */
  readonly profilePicUrl?: string;
}

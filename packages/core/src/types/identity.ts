/** Who is calling, as established by an `identify` resolver. */
export interface Identity {
  /**
   * The principal used by grants and sent to hooks as `metadata.login_name`: a login name
   * (`alice@example.com`), the sorted comma-joined tags of a tagged device (`tag:api,tag:prod`),
   * or `(loopback)` for an otherwise anonymous caller on this machine.
   */
  readonly login: string;
  /** Human display name, when known. */
  readonly displayName?: string;
  /** Tags of a tagged device, sorted. Empty for users. */
  readonly tags: readonly string[];
  /** Groups the resolver knows the caller to be in (`group:eng`, group emails). */
  readonly groups: readonly string[];
  /** True only for the fallback loopback identity (grant `src` value `(loopback)`). */
  readonly loopback: boolean;
  /** Tailnet name, when known (hook `metadata.tailnet_name`). */
  readonly tailnetName?: string;
  /** Stable node id of the calling device, when known (hook `metadata.stable_node_id`). */
  readonly stableNodeId?: string;
  /** Name of the resolver that produced this identity (`api-keys`, `loopback`, `tailscale`). */
  readonly resolver: string;
  /** Resolver-specific extra facts (e.g. node name); never secrets. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** What `identify` resolvers see. */
export interface IdentifyInput {
  /** Request id. */
  readonly requestId: string;
  /** Remote IP address as seen by the socket (IPv4-mapped IPv6 normalised to IPv4). */
  readonly remoteAddress: string;
  /** Remote TCP port. */
  readonly remotePort: number;
  /** True when the remote address is a loopback address. */
  readonly isLoopback: boolean;
  /** Client request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The bearer/API key the client presented, if any (never log it). */
  readonly credential: string | undefined;
}

/** Builds an {@link Identity} with defaults for the optional list fields. */
export function createIdentity(
  fields: Pick<Identity, 'login' | 'resolver'> & Partial<Omit<Identity, 'login' | 'resolver'>>,
): Identity {
  return Object.freeze({
    tags: [],
    groups: [],
    loopback: false,
    ...fields,
  });
}

import { boundedFetchBuilder } from './bounded-fetch.js';
import type { OsoCheckClient, OsoClientSettings, OsoFact } from './types.js';

/** The SDK's fact form: `[predicate, arg, ...]` (it turns `{type, id}` args into wire values unchanged). */
type SdkFact = [string, ...{ type: string; id: string }[]];

/** The SDK calls the plugin makes (its parameter types are generic over a policy's types; ours are plain entities). */
interface SdkClient {
  authorize(actor: object, action: string, resource: object, facts: SdkFact[]): Promise<boolean>;
  list(actor: object, action: string, resourceType: string, facts: SdkFact[]): Promise<string[]>;
  readonly api: unknown;
}

function sdkFacts(facts: readonly OsoFact[]): SdkFact[] {
  return facts.map((f) => [f.predicate, ...f.args.map((a) => ({ type: a.type, id: a.id }))]);
}

/**
 * An {@link OsoCheckClient} backed by the official `oso-cloud` SDK (`new Oso(url, apiKey, options)`),
 * with the SDK's retry wrapper replaced by {@link boundedFetchBuilder} so that a check never
 * outlives its timeout. The SDK builds `${url}/api/authorize` and `${url}/api/list`. It is
 * imported on first use (or by {@link OsoCheckClient.ready}), so a gateway that loads this
 * plugin without enforcement never loads the SDK and its HTTP stack.
 */
export function createOsoClient(settings: OsoClientSettings): OsoCheckClient {
  let sdk: Promise<SdkClient> | undefined;
  let loaded: SdkClient | undefined;
  let closed = false;
  const client = (): Promise<SdkClient> =>
    (sdk ??= import('oso-cloud').then(({ Oso }) => {
      loaded = new Oso(settings.url.replace(/\/+$/, ''), settings.apiKey, {
        userAgent: settings.userAgent,
        fetchBuilder: boundedFetchBuilder({ retries: settings.retries, timeoutMs: settings.timeoutMs }),
      }) as unknown as SdkClient;
      if (closed) destroy(loaded);
      return loaded;
    }));
  return {
    ready: async () => {
      await client();
    },
    authorize: async (actor, action, resource, facts) => (await client()).authorize({ type: actor.type, id: actor.id }, action, { type: resource.type, id: resource.id }, sdkFacts(facts)),
    list: async (actor, action, resourceType, facts) => (await client()).list({ type: actor.type, id: actor.id }, action, resourceType, sdkFacts(facts)),
    close: () => {
      closed = true;
      if (loaded !== undefined) destroy(loaded);
    },
  };
}

/** The SDK keeps a keep-alive agent per client and offers no close. */
function destroy(sdk: SdkClient): void {
  (sdk.api as { agent?: { destroy?: () => void } } | undefined)?.agent?.destroy?.();
}

/** Claude Code's token-counting endpoint, proxied like a messages call. */
export const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';

/** True for a `count_tokens` path. */
export function isCountTokens(path: string): boolean {
  return path.endsWith('/count_tokens');
}

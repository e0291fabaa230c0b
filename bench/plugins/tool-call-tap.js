/**
 * The `onToolCall` tap of configurations 3+ and 4: a tool-call policy that allows every call it
 * does not recognise as dangerous, as a typical guardrail plugin does (a Set lookup on the tool
 * name and a look at one argument). It never denies the bench's `get_weather` call, so the bench
 * measures the cost of gating, not of refusing.
 */
import { STAGE_GUARDRAIL, definePlugin, deny } from '@tollgate/core';

const BLOCKED_TOOLS = new Set(['delete_database', 'transfer_funds']);

export default definePlugin({
  name: 'bench-tool-policy',
  create() {
    return {
      name: 'bench-tool-policy',
      apply(host) {
        host.hooks.onToolCall.tapPromise({ name: 'bench-tool-policy', stage: STAGE_GUARDRAIL }, async ({ call }) => {
          if (BLOCKED_TOOLS.has(call.name)) return deny(`tool "${call.name}" is not allowed`, { action: 'strip' });
          const sql = call.params?.sql;
          if (typeof sql === 'string' && /\b(drop|delete|truncate)\b/i.test(sql)) return deny('write queries are not allowed', { action: 'strip' });
          return undefined;
        });
      },
    };
  },
});

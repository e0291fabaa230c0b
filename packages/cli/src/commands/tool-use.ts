import { parseArgs } from 'node:util';
import type { ToolUseGroup } from '@tollgate/plugin-capture';
import type { Command } from './command.js';
import { COMMON_USAGE, FILTER_OPTIONS, ReadApiError, TARGET_OPTIONS, gatewayTarget, getFromGateway, queryOf } from '../read-api/gateway-client.js';
import { formatTable } from '../read-api/format-table.js';

const GROUPS = ['tool', 'user', 'session', 'day', 'hour'];

const USAGE = [
  'Usage: tollgate tool-use [--by tool|user|session|day|hour] [options]',
  '',
  'Tool calls counted by what policy decided (allowed, blocked, stripped), per tool (default), user,',
  'session, day or hour, from the running gateway\'s read API (GET /api/tool-use).',
  '',
  '      --by <group>        tool | user | session | day | hour (default tool)',
  ...COMMON_USAGE,
].join('\n');

/** Tool-use groups as a table with a total line. */
export function formatToolUse(groupBy: string, groups: readonly ToolUseGroup[]): string {
  if (groups.length === 0) return 'no tool calls match';
  const sum = (k: 'total' | 'allow' | 'block' | 'strip'): string => String(groups.reduce((t, g) => t + g[k], 0));
  return formatTable(
    [
      [groupBy.toUpperCase(), 'CALLS', 'ALLOWED', 'BLOCKED', 'STRIPPED'],
      ...groups.map((g) => [g.key === '' ? '(none)' : g.key, String(g.total), String(g.allow), String(g.block), String(g.strip)]),
      ['total', sum('total'), sum('allow'), sum('block'), sum('strip')],
    ],
    new Set([1, 2, 3, 4]),
  );
}

/** `tollgate tool-use`: which tools agents called and what was decided, from the running gateway's read API. */
export const toolUseCommand: Command = {
  name: 'tool-use',
  summary: 'count tool calls by tool, user, session, day or hour, allowed/blocked/stripped (reads the running gateway)',
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({ args, options: { ...TARGET_OPTIONS, ...FILTER_OPTIONS, by: { type: 'string' } } });
    const by = values.by ?? 'tool';
    if (!GROUPS.includes(by)) {
      process.stderr.write(`tollgate tool-use: --by must be one of ${GROUPS.join(', ')}\n`);
      return 2;
    }
    const target = await gatewayTarget({ url: values.url, config: values.config, apiKey: values['api-key'] });
    const path = `/api/tool-use${queryOf({ group_by: by, user: values.user, model: values.model, provider: values.provider, tool: values.tool, decision: values.decision, session: values.session, status: values.status, since: values.since, until: values.until })}`;
    try {
      if (values.csv === true) {
        process.stdout.write((await getFromGateway<string>(target, path, 'text/csv')).text);
        return 0;
      }
      const { body } = await getFromGateway<{ group_by: string; groups: ToolUseGroup[] }>(target, path);
      process.stdout.write(values.json === true ? `${JSON.stringify(body, null, 2)}\n` : `${formatToolUse(by, body.groups)}\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof ReadApiError)) throw err;
      process.stderr.write(`tollgate tool-use: ${err.message}\n`);
      return 1;
    }
  },
};

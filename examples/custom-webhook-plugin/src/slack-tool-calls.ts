/**
 * A tollgate plugin that posts the tool calls of each exchange to a Slack incoming webhook, as a
 * formatted message. It configures nothing itself: the webhook plugin delivers to the hook named
 * by `hook` (queue, retries, spool), and this plugin reshapes that hook's payload.
 */
import { type PluginDefinition, definePlugin } from '@tollgate/core';
import { SKIP_DELIVERY, getWebhookHooks } from '@tollgate/plugin-webhook';
import { Type } from 'typebox';
import { toolCallMessage } from './slack-message.js';

/** The plugin's name. */
export const PLUGIN_NAME = 'slack-tool-calls';

/** Options: `["./dist/slack-tool-calls.js", { "hook": "slack" }]`. */
export const SlackToolCallsOptionsSchema = Type.Object(
  {
    /**
     * Name of the hook (in `hooks`) whose deliveries become Slack messages; its `url` is the incoming-webhook URL.
     * @default "slack"
     */
    hook: Type.String({ minLength: 1, default: 'slack' }),
    /**
     * Show each call's arguments.
     * @default true
     */
    include_arguments: Type.Boolean({ default: true }),
    /**
     * Most calls listed one by one (Slack allows 50 blocks a message).
     * @default 10
     */
    max_calls: Type.Integer({ minimum: 1, maximum: 40, default: 10 }),
  },
  { additionalProperties: false },
);

/** Validated options. */
export type SlackToolCallsOptions = Type.Static<typeof SlackToolCallsOptionsSchema>;

/** The definition tollgate loads. Exchanges without tool calls (and `pre_request` calls) send nothing. */
export const slackToolCallsPlugin: PluginDefinition<SlackToolCallsOptions> = definePlugin<SlackToolCallsOptions>({
  name: PLUGIN_NAME,
  options: SlackToolCallsOptionsSchema,
  core: '^0.1.0',
  dependencies: ['webhook'],
  check: ({ options, config }) => {
    const hooks = (config as Record<string, unknown>).hooks;
    const known = hooks !== null && typeof hooks === 'object' && options.hook in hooks;
    return known ? [] : [{ severity: 'warning', path: `plugins.${PLUGIN_NAME}/hook`, message: `no hook "${options.hook}" in the hooks section: nothing will be posted` }];
  },
  create: (options) => ({
    name: PLUGIN_NAME,
    apply(host) {
      getWebhookHooks(host).shapePayload.tap(PLUGIN_NAME, (body, ctx) => {
        if (ctx.hook.name !== options.hook) return body;
        const exchange = ctx.exchange;
        if (exchange === undefined || exchange.toolCalls.length === 0) return SKIP_DELIVERY;
        const meta = ctx.data.metadata;
        return toolCallMessage(
          {
            login: meta.login_name,
            model: meta.model,
            provider: meta.provider,
            sessionId: meta.session_id,
            requestId: meta.request_id,
            userMessage: exchange.userMessage,
            calls: exchange.toolCalls,
            decisions: exchange.toolDecisions,
          },
          { includeArguments: options.include_arguments, maxCalls: options.max_calls },
        );
      });
    },
  }),
});

export default slackToolCallsPlugin;

import type { ToolCall, ToolCallDecision } from '@tollgate/core';

/** A Slack Block Kit text object in mrkdwn. */
export interface SlackText {
  /** Always `mrkdwn`. */
  readonly type: 'mrkdwn';
  /** The text. */
  readonly text: string;
}

/** The blocks this plugin sends: sections and context lines. */
export type SlackBlock = { readonly type: 'section'; readonly text: SlackText } | { readonly type: 'context'; readonly elements: readonly SlackText[] };

/** What a Slack incoming webhook accepts: `text` (notifications, fallback) and `blocks` (the message). */
export interface SlackMessage {
  /** Plain summary, shown in notifications. */
  readonly text: string;
  /** The formatted message. */
  readonly blocks: readonly SlackBlock[];
}

/** What a tool-call message is made of. */
export interface ToolCallSummary {
  /** Who called (`metadata.login_name`). */
  readonly login: string;
  /** Model id as sent upstream. */
  readonly model: string;
  /** Provider id. */
  readonly provider: string;
  /** Session id. */
  readonly sessionId: string;
  /** Request id. */
  readonly requestId: string;
  /** The last user message. */
  readonly userMessage: string;
  /** The tool calls the model made. */
  readonly calls: readonly ToolCall[];
  /** What `onToolCall` decided about them. */
  readonly decisions: readonly ToolCallDecision[];
}

/** Options of {@link toolCallMessage}. */
export interface MessageOptions {
  /** Show each call's arguments (they may hold data you do not want in Slack). */
  readonly includeArguments: boolean;
  /** Most calls listed one by one; the rest are counted. */
  readonly maxCalls: number;
}

/** Longest argument JSON shown per call (a section's text is limited to 3000 characters). */
export const MAX_ARGUMENT_CHARS = 2500;
const MAX_USER_MESSAGE = 300;

/** Escapes the three characters Slack's mrkdwn treats as markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function outcomeOf(call: ToolCall, decisions: readonly ToolCallDecision[]): ToolCallDecision | undefined {
  return decisions.find((d) => d.call.id === call.id && d.call.index === call.index);
}

function callSection(call: ToolCall, decision: ToolCallDecision | undefined, options: MessageOptions): SlackBlock {
  const denied = decision !== undefined && decision.outcome !== 'allowed';
  const head = denied
    ? `:no_entry: *${escapeMrkdwn(call.name)}* ${decision.outcome} by ${escapeMrkdwn(decision.by ?? 'policy')}: ${escapeMrkdwn(decision.message ?? '')}`
    : `:hammer_and_wrench: *${escapeMrkdwn(call.name)}*`;
  // Three backticks inside the arguments would end the code block early.
  const args = options.includeArguments ? `\n\`\`\`${escapeMrkdwn(clip(JSON.stringify(call.params), MAX_ARGUMENT_CHARS)).replace(/```/g, '`\u200b``')}\`\`\`` : '';
  return { type: 'section', text: { type: 'mrkdwn', text: `${head}${args}` } };
}

/**
 * A Slack message about the tool calls of one exchange: who called which tools through which
 * model, each call's arguments and whether a policy blocked or stripped it, and the user message.
 */
export function toolCallMessage(summary: ToolCallSummary, options: MessageOptions): SlackMessage {
  const names = summary.calls.map((c) => {
    const d = outcomeOf(c, summary.decisions);
    return d !== undefined && d.outcome !== 'allowed' ? `${c.name} (${d.outcome})` : c.name;
  });
  const shown = summary.calls.slice(0, options.maxCalls);
  const count = summary.calls.length === 1 ? '1 tool' : `${summary.calls.length} tools`;
  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(summary.login)}* called ${count} via \`${escapeMrkdwn(summary.model)}\` (${escapeMrkdwn(summary.provider)})` } },
    ...shown.map((c) => callSection(c, outcomeOf(c, summary.decisions), options)),
  ];
  if (summary.calls.length > shown.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${summary.calls.length - shown.length} more` }] });
  const context: SlackText[] = [];
  if (summary.userMessage !== '') context.push({ type: 'mrkdwn', text: `> ${escapeMrkdwn(clip(summary.userMessage.replace(/\s+/g, ' '), MAX_USER_MESSAGE))}` });
  context.push({ type: 'mrkdwn', text: `session \`${escapeMrkdwn(summary.sessionId)}\` · request \`${escapeMrkdwn(summary.requestId)}\`` });
  blocks.push({ type: 'context', elements: context });
  return { text: `${summary.login} called ${names.join(', ')} via ${summary.model}`, blocks };
}

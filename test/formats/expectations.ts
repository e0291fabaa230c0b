import type { FixtureFormat } from '@tollgate/testing';

/** What the fixtures README says a file reassembles to. */
export interface FixtureExpectation {
  readonly format: FixtureFormat;
  readonly file: string;
  /** Served as SSE (true) or as a JSON body (false). */
  readonly streaming: boolean;
  /** HTTP status the provider answered with (error bodies). */
  readonly status?: number;
  readonly calls: ReadonlyArray<{ id: string; name: string; params: unknown }>;
  /** Input, output (incl. reasoning), reasoning and total tokens. */
  readonly usage: { input: number; output: number; reasoning: number; total: number };
  /** Answer text of the reassembled body (thinking and reasoning excluded). */
  readonly text?: string;
}

export const WEBSITE_UPDATE = {
  website_path: '/home/user/pace-landing',
  tasks: [
    {
      description:
        'Today you post every run to Strava, but Strava does not answer the question: "What should I do next after this run?". It is a great log, but it is not adaptive.',
      type: 'feature',
      passes: false,
    },
  ],
};

export const COOK_RECIPE = {
  recipe: {
    ingredients: [
      { amount: '16 oz', name: 'Lasagna noodles' },
      { amount: '1 lb', name: 'Ground beef' },
      { amount: '15 oz', name: 'Ricotta cheese' },
      { amount: '3 cups', name: 'Mozzarella cheese' },
      { amount: '1/2 cup', name: 'Parmesan cheese' },
      { amount: '24 oz', name: 'Tomato sauce' },
      { amount: '1', name: 'Egg' },
      { amount: '2 cloves', name: 'Garlic' },
      { amount: '1 tsp', name: 'Salt' },
      { amount: '1/2 tsp', name: 'Pepper' },
    ],
    name: 'Lasagna',
    steps: [
      'Preheat oven to 375°F (190°C).',
      'Cook lasagna noodles according to package directions, drain and set aside.',
      'Brown ground beef with minced garlic in a skillet. Drain fat and stir in tomato sauce. Simmer for 10 minutes.',
      'In a bowl, mix ricotta cheese, egg, salt, pepper, and Parmesan cheese.',
      'In a 9x13 baking dish, spread a thin layer of meat sauce.',
      'Layer noodles, ricotta mixture, mozzarella, and meat sauce. Repeat.',
      'Top with remaining mozzarella cheese.',
      'Cover with foil and bake for 25 minutes.',
      'Remove foil and bake for another 25 minutes until golden.',
      'Let stand for 15 minutes before serving.',
    ],
  },
};

const u = (input: number, output: number, reasoning: number, total = input + output) => ({ input, output, reasoning, total });

/**
 * Every file of `openai-responses/`, `anthropic-messages/` and `gemini/` with its expected
 * reassembly (the fixtures README table). The agent-loop capture of four concatenated
 * responses is checked response by response elsewhere.
 */
export const FIXTURES: readonly FixtureExpectation[] = [
  {
    format: 'openai-responses',
    file: 'openai-issue-11239.2.chunks.txt',
    streaming: true,
    calls: [],
    usage: u(146, 16, 0, 162),
    text: 'Verification code for issue-11239 is blue-42.',
  },
  {
    format: 'openai-responses',
    file: 'openai-issue-11239.1.chunks.txt',
    streaming: true,
    calls: [{ id: 'call_wMUhph1s1bedjPJraJvGw62X', name: 'lookupVerificationCode', params: { label: 'issue-11239' } }],
    usage: u(84, 39, 15, 123),
  },
  { format: 'openai-responses', file: 'openai-error.1.chunks.txt', streaming: true, calls: [], usage: u(0, 0, 0, 0) },
  {
    format: 'openai-responses',
    file: 'issue-7082-o3-optional-tool-parameters.json',
    streaming: false,
    calls: [{ id: 'call_TXveU5dZ1lW6uhMbjhUIE9Gq', name: 'semantic_scholar_search', params: { query: 'machine learning', limit: 10, offset: 0, year: 0 } }],
    usage: u(114, 284, 192, 398),
  },
  {
    format: 'anthropic-messages',
    file: 'anthropic-text.chunks.txt',
    streaming: true,
    calls: [],
    usage: u(12, 30, 0),
    text: "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
  },
  {
    format: 'anthropic-messages',
    file: 'tool_use_response.txt',
    streaming: true,
    calls: [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', params: { location: 'Paris' } }],
    usage: u(377, 65, 0),
    text: "I'll check the current weather in Paris for you.",
  },
  {
    format: 'anthropic-messages',
    file: 'anthropic-issue-11719-quoted-tool-input.chunks.txt',
    streaming: true,
    calls: [{ id: 'toolu_01Cr31vcGoeeRgi3Eo5Ds8qN', name: 'website_update', params: WEBSITE_UPDATE }],
    usage: u(912, 118, 0),
  },
  {
    format: 'anthropic-messages',
    file: 'anthropic-issue-11719-quoted-tool-input.json',
    streaming: false,
    calls: [{ id: 'toolu_01JKBd25gEfr9ZpVvn8quK2v', name: 'website_update', params: WEBSITE_UPDATE }],
    usage: u(912, 118, 0),
  },
  {
    format: 'anthropic-messages',
    file: 'anthropic-issue-15652-false.chunks.txt',
    streaming: true,
    calls: [
      { id: 'toolu_01LtEf4h1QW7KCKLsYMuhTNB', name: 'searchDocs', params: { query: 'alpha' } },
      { id: 'toolu_016tfZE7otAFSBjhc67wu189', name: 'searchDocs', params: { query: 'beta' } },
      { id: 'toolu_01XkU35z8BVWqqc9tijDuLrA', name: 'searchDocs', params: { query: 'gamma' } },
    ],
    usage: u(798, 110, 0),
  },
  {
    format: 'anthropic-messages',
    file: 'anthropic-tool-no-args.chunks.txt',
    streaming: true,
    calls: [{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', params: {} }],
    usage: u(565, 48, 0),
    text: "I'll update the issue list for you.",
  },
  { format: 'anthropic-messages', file: 'anthropic-clear-thinking.1.chunks.txt', streaming: true, calls: [], usage: u(69, 53, 0), text: '925 ÷ 5 = 185' },
  {
    format: 'gemini',
    file: 'google-text.chunks.txt',
    streaming: true,
    calls: [],
    usage: u(9, 23 + 185, 185, 217),
    text: 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y',
  },
  {
    format: 'gemini',
    file: 'google-tool-call.chunks.txt',
    streaming: true,
    calls: [{ id: 'call_b36LacjwM668nsEP2tbsgQQ_0', name: 'weather', params: { location: 'San Francisco' } }],
    usage: u(29, 15 + 45, 45, 89),
  },
  {
    format: 'gemini',
    file: 'google-stream-no-args-tool-call.chunks.txt',
    streaming: true,
    calls: [
      { id: 'call__vr4aYiWEJnYodAPkujX0QM_0', name: 'read_theme', params: {} },
      { id: 'call__vr4aYiWEJnYodAPkujX0QM_1', name: 'read_screen', params: { id: 'A' } },
      { id: 'call__vr4aYiWEJnYodAPkujX0QM_2', name: 'read_screen', params: { id: 'B' } },
      { id: 'call__vr4aYiWEJnYodAPkujX0QM_3', name: 'read_screen', params: { id: 'C' } },
    ],
    usage: u(249, 58 + 183, 183, 490),
    text: '',
  },
  {
    format: 'gemini',
    file: 'google-vertex-stream-tool-call-arguments-nested.1.chunks.txt',
    streaming: true,
    calls: [{ id: 'call_tjXVaYaxFISTq8YP_MWiyAo_0', name: 'cookRecipe', params: COOK_RECIPE }],
    usage: u(31, 684 + 1026, 1026, 1741),
  },
  {
    format: 'gemini',
    file: 'google-tool-call.json',
    streaming: false,
    calls: [{ id: 'call_m36LaZGyCLz1xs0PtNSB-QU_0', name: 'weather', params: { location: 'San Francisco' } }],
    usage: u(29, 15 + 893, 893, 937),
  },
  { format: 'gemini', file: 'issue-8943-gemini-2.5-flash-error.json', streaming: false, status: 400, calls: [], usage: u(0, 0, 0, 0) },
];

/** The answer text of a reassembled body (no thinking, no reasoning). */
export function answerText(format: FixtureFormat, body: any): string {
  switch (format) {
    case 'openai-responses':
      return (body.output ?? []).filter((i: any) => i.type === 'message').flatMap((i: any) => i.content.map((c: any) => c.text ?? '')).join('');
    case 'anthropic-messages':
      return (body.content ?? []).filter((c: any) => c.type === 'text').map((c: any) => c.text).join('');
    case 'gemini':
      return (body.candidates?.[0]?.content?.parts ?? []).filter((p: any) => typeof p.text === 'string' && p.thought !== true).map((p: any) => p.text).join('');
    default:
      throw new Error(`no text reader for ${format}`);
  }
}

/** The OpenAPI document of the admin config API (`GET /aperture/openapi.json`). */
export const CONFIG_OPENAPI = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'tollgate admin config API',
    version: '1',
    description:
      "Read, validate and replace the gateway's configuration (HuJSON text), as Tailscale Aperture's admin API does. Only callers with grant role admin. Literal secrets are shown as redacted placeholders; a placeholder sent back keeps the stored secret. Errors are RFC 9457 problem details.",
  },
  components: {
    schemas: {
      Config: { type: 'object', required: ['config'], properties: { config: { type: 'string', description: 'The configuration as HuJSON text (comments and trailing commas allowed).' } } },
      Saved: {
        type: 'object',
        required: ['config', 'warnings'],
        properties: {
          config: { type: 'string', description: 'The configuration as saved (literal secrets redacted).' },
          warnings: { type: 'array', description: 'Warnings of the saved configuration (it is live despite them).', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
      LegacyConfig: {
        type: 'object',
        required: ['config'],
        properties: {
          config: { type: 'string' },
          exists: { type: 'boolean' },
          hash: { type: 'string', description: 'Optimistic-concurrency token: send back the hash you read.' },
          warnings: { type: 'array', description: 'After a save: its warnings.', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
      Validation: {
        type: 'object',
        required: ['valid', 'errors'],
        properties: {
          valid: { type: 'boolean' },
          errors: { type: 'array', items: { type: 'string' }, description: 'Every error, as "path: message".' },
          issues: { type: 'array', items: { type: 'object', properties: { severity: { enum: ['error', 'warning'] }, path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details; a 422 carries every problem in errors.',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
    responses: {
      Problem: { description: 'A refusal or failure', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  },
  paths: {
    '/aperture/config': {
      get: {
        summary: 'The configuration, secrets redacted',
        responses: {
          '200': { description: 'The configuration', headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Config' } } } },
          '401': { $ref: '#/components/responses/Problem' },
          '403': { $ref: '#/components/responses/Problem' },
        },
      },
      put: {
        summary: 'Replace the configuration (validated, written atomically, live at once)',
        parameters: [{ name: 'If-Match', in: 'header', required: true, schema: { type: 'string' }, description: 'The ETag of the configuration you edited.' }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Config' } } } },
        responses: {
          '200': { description: 'Saved and live', headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Saved' } } } },
          '409': { $ref: '#/components/responses/Problem' },
          '412': { $ref: '#/components/responses/Problem' },
          '415': { $ref: '#/components/responses/Problem' },
          '422': { $ref: '#/components/responses/Problem' },
          '428': { $ref: '#/components/responses/Problem' },
        },
      },
    },
    '/aperture/config:validate': {
      post: {
        summary: 'Check a configuration without saving it',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Config' } } } },
        responses: { '200': { description: 'The verdict', content: { 'application/json': { schema: { $ref: '#/components/schemas/Validation' } } } } },
      },
    },
    '/api/config': {
      get: { summary: 'The configuration (earlier form)', responses: { '200': { description: 'The configuration', content: { 'application/json': { schema: { $ref: '#/components/schemas/LegacyConfig' } } } } } },
      put: {
        summary: 'Replace the configuration (earlier form: send the hash you read)',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/LegacyConfig' } } } },
        responses: { '200': { description: 'Saved', content: { 'application/json': { schema: { $ref: '#/components/schemas/LegacyConfig' } } } }, '412': { $ref: '#/components/responses/Problem' }, '422': { $ref: '#/components/responses/Problem' } },
      },
    },
  },
});

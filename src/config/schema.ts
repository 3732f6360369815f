// JSON Schema of `.github/trailmark.yml` (kebab-case keys, every key optional). Documented in
// docs/config.md; keep the two in step.

export const POLICY_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'policy-version': { type: 'string', minLength: 1, maxLength: 200 },
    thresholds: {
      type: 'object',
      additionalProperties: false,
      properties: {
        low: { type: 'number', minimum: 0, maximum: 1 },
        high: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    'sensitive-paths': { type: 'array', maxItems: 500, items: { type: 'string', minLength: 1, maxLength: 1000 } },
    ignore: { type: 'array', maxItems: 500, items: { type: 'string', minLength: 1, maxLength: 1000 } },
    annotations: {
      type: 'object',
      additionalProperties: false,
      properties: {
        unattested: { enum: ['notice', 'warning'] },
        'unattested-sensitive': { enum: ['notice', 'warning'] },
        contradicted: { enum: ['notice', 'warning'] },
      },
    },
    markers: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'value', 'agent'],
        properties: {
          kind: { enum: ['co-author-email', 'co-author-domain', 'author-email', 'trailer-key', 'footer'] },
          value: { type: 'string', minLength: 3, maxLength: 300 },
          agent: { type: 'string', minLength: 1, maxLength: 100 },
          class: { enum: ['declared', 'stamped'] },
        },
      },
    },
    ledger: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        origin: { type: 'string', minLength: 1, maxLength: 300 },
        branch: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
    report: {
      type: 'object',
      additionalProperties: false,
      properties: { destination: { enum: ['issue', 'none'] } },
    },
    'fail-on': { enum: ['none', 'unattested', 'contradicted'] },
    // Durations (`7y`, `18m`, `12w`, `30d`); the shape is checked in policy.ts for a clear message.
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: {
        subjects: { type: 'string', minLength: 1, maxLength: 20 },
        records: { type: 'string', minLength: 1, maxLength: 20 },
        prompts: { type: 'string', minLength: 1, maxLength: 20 },
      },
    },
    // The App's scheduled fire drill; `every` is a duration like retention's.
    drill: {
      type: 'object',
      additionalProperties: false,
      properties: { every: { type: 'string', minLength: 1, maxLength: 20 } },
    },
    // Per-repository calibration from the ledger (docs/calibration.md).
    calibration: { enum: ['auto', 'off'] },
    // Agent hooks: when an edit keeps the detailed tier (docs/capture.md).
    capture: {
      type: 'object',
      additionalProperties: false,
      properties: {
        detail: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sensitive: { type: 'boolean' },
            'min-lines': { type: 'integer', minimum: 0, maximum: 1000000 },
          },
        },
      },
    },
  },
} as const;

/** Every key path the schema knows, for "did you mean" hints. */
export const KNOWN_KEYS: readonly string[] = [
  'policy-version', 'thresholds', 'thresholds.low', 'thresholds.high', 'sensitive-paths', 'ignore',
  'annotations', 'annotations.unattested', 'annotations.unattested-sensitive', 'annotations.contradicted',
  'markers', 'ledger', 'ledger.enabled', 'ledger.origin', 'ledger.branch', 'report', 'report.destination', 'fail-on',
  'retention', 'retention.subjects', 'retention.records', 'retention.prompts', 'drill', 'drill.every',
  'capture', 'capture.detail', 'capture.detail.sensitive', 'capture.detail.min-lines', 'calibration',
];

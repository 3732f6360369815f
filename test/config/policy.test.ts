import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { ConfigError } from '../../src/core/errors.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';

const FULL = `
policy-version: acme-2026-11
thresholds: { low: 0.4, high: 0.9 }
sensitive-paths: ["src/auth/**", "**/crypto/**"]
ignore: ["docs/**"]
annotations: { unattested: warning, unattested-sensitive: warning, contradicted: notice }
markers:
  - { kind: co-author-email, value: Bot@Acme.ai, agent: acme-bot, class: stamped }
  - { kind: trailer-key, value: Acme-AI, agent: acme }
ledger: { enabled: false, origin: example.com/acme/ledger, branch: audit }
report: { destination: issue }
fail-on: contradicted
capture: { detail: { sensitive: false, min-lines: 50 } }
`;

describe('parsePolicy', () => {
  it('reads every key', () => {
    const p = parsePolicy(FULL);
    expect(p).toEqual({
      version: 'acme-2026-11',
      thresholds: { low: 0.4, high: 0.9 },
      sensitivePaths: ['src/auth/**', '**/crypto/**'],
      ignore: ['docs/**'],
      annotations: { unattested: 'warning', unattestedSensitive: 'warning', contradicted: 'notice' },
      markers: [
        { kind: 'co-author-email', value: 'bot@acme.ai', agent: 'acme-bot', class: 'stamped' },
        { kind: 'trailer-key', value: 'acme-ai', agent: 'acme', class: 'declared' },
      ],
      ledger: { enabled: false, origin: 'example.com/acme/ledger', branch: 'audit' },
      report: { destination: 'issue' },
      blocking: { failOn: 'contradicted' },
      capture: { detail: { sensitive: false, minLines: 50 } },
    });
  });

  it('gives the defaults for an empty file and merges partial files over a base', () => {
    expect(parsePolicy('')).toEqual(DEFAULT_POLICY);
    expect(parsePolicy('# only a comment\n')).toEqual(DEFAULT_POLICY);
    const org = parsePolicy(FULL);
    const repo = parsePolicy('thresholds: { high: 0.95 }\n', { base: org });
    expect(repo.thresholds).toEqual({ low: 0.4, high: 0.95 });
    expect(repo.sensitivePaths).toEqual(org.sensitivePaths);
    expect(parsePolicy('capture: { detail: { min-lines: 0 } }\n', { base: org }).capture).toEqual({ detail: { sensitive: false, minLines: 0 } });
  });

  it.each([
    ['thresholds: { high: 1.5 }', /thresholds\.high: must be <= 1/],
    ['thresholds: { low: 0.9, high: 0.5 }', /thresholds\.low \(0\.9\) must be <= thresholds\.high \(0\.5\)/],
    ['treshold: 1', /unknown key "treshold"/],
    ['sensitive-path: []', /unknown key "sensitive-path" \(did you mean "sensitive-paths"\?\)/],
    ['thresholds: { hihg: 0.5 }', /unknown key "thresholds\.hihg" \(did you mean "thresholds\.high"\?\)/],
    ['annotations: { unattested: error }', /annotations\.unattested: must be one of "notice", "warning"/],
    ['markers: [{ kind: name, value: Claude, agent: x }]', /markers\[0\]\.kind: must be one of/],
    ['ignore: "docs/**"', /ignore: must be array/],
    ['fail-on: always', /fail-on: must be one of/],
    ['a: 1\na: 2', /not valid YAML/],
    ['key: [unclosed', /not valid YAML/],
    ['- just\n- a list', /\(root\): must be object/],
    ['x: !!js/function "function(){}"', /custom YAML tags are not allowed/],
    ['policy-version: !custom acme', /custom YAML tags are not allowed/],
    ['a: 1\na: 2', /line 2, column 1/],
    ['policy-version: 2026.11', /policy-version: must be string \(quote it: "2026\.11"\)/],
    ['version: x', /unknown key "version" \(did you mean "policy-version"\?\)/],
    ['thresholds: { low: -0.1 }', /thresholds\.low: must be >= 0/],
    ['thresholds: { high: "0.8" }', /thresholds\.high: must be number/],
    // The shipped `high` (below 0.95) is what the file's `low` is compared with.
    ['thresholds: { low: 0.95 }', new RegExp(`thresholds\\.low \\(0\\.95\\) must be <= thresholds\\.high \\(${String(DEFAULT_POLICY.thresholds.high).replace('.', '\\.')}\\)`)],
    ['sensitive-paths: ["src/**", 3]', /sensitive-paths\[1\]: must be string/],
    ['ignore: [""]', /ignore\[0\]: must NOT have fewer than 1 characters/],
    ['ledger: { enabled: yes }', /ledger\.enabled: must be boolean/],
    ['ledger: { enabeld: true }', /unknown key "ledger\.enabeld" \(did you mean "ledger\.enabled"\?\)/],
    ['report: { destination: slack }', /report\.destination: must be one of "issue", "none"/],
    ['markers: [{ kind: co-author-email, value: acme.ai, agent: x }]', /markers\[0\]\.value: "acme\.ai" is not an e-mail address/],
    ['markers: [{ kind: co-author-domain, value: "@acme.ai", agent: x }]', /markers\[0\]\.value: "@acme\.ai" is not a bare domain/],
    ['markers: [{ kind: trailer-key, value: "Acme-AI:", agent: x }]', /markers\[0\]\.value: "Acme-AI:" is not a trailer key/],
    ['markers: [{ kind: footer, value: "Made by Acme", agent: x, clas: stamped }]', /unknown key "markers\[0\]\.clas"/],
    ['markers: [{ kind: footer, value: "Made by Acme" }]', /markers\[0\]: must have required property 'agent'/],
    ['markers: [{ kind: footer, value: "Made by Acme", agent: x, class: inferred }]', /markers\[0\]\.class: must be one of "declared", "stamped"/],
  ])('%j → clear error naming the key', (text, message) => {
    let error: unknown;
    try {
      parsePolicy(text, { source: '.github/trailmark.yml@abc' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message.startsWith('.github/trailmark.yml@abc: ')).toBe(true);
    expect((error as ConfigError).hint).toContain('docs/config.md');
  });

  it('accepts the documented example in docs/config.md', () => {
    const doc = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const p = parsePolicy(example);
    expect(p.version).toBe('acme-2026-11');
    expect(p.markers.length).toBeGreaterThan(0);
  });

  it('keeps markers of every kind with a valid value', () => {
    const p = parsePolicy([
      'markers:',
      '  - { kind: co-author-email, value: bot@acme.ai, agent: acme-bot }',
      '  - { kind: co-author-domain, value: acme.ai, agent: acme-bot }',
      '  - { kind: author-email, value: ci@acme.ai, agent: acme-ci }',
      '  - { kind: trailer-key, value: Acme-Assisted, agent: acme }',
      '  - { kind: footer, value: "Generated by Acme", agent: acme, class: stamped }',
    ].join('\n'));
    expect(p.markers.map((m) => [m.kind, m.class])).toEqual([
      ['co-author-email', 'stamped'], ['co-author-domain', 'stamped'], ['author-email', 'stamped'], ['trailer-key', 'declared'], ['footer', 'stamped'],
    ]);
  });

  it('refuses alias bombs and oversized files', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(() => parsePolicy(bomb)).toThrow(ConfigError);
    expect(() => parsePolicy(`policy-version: ${'x'.repeat(300 * 1024)}`)).toThrow(/larger than/);
  });
});

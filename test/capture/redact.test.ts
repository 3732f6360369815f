// redactSecrets: one synthetic secret per rule family (test/fixtures/capture/secrets), alone,
// inside prose and inside code; the fallback rules; bypass attempts; bad text.
import { describe, expect, it } from 'vitest';
import { FALLBACK_RULES, normalizeText, redactSecrets } from '../../src/capture/redact.js';
import { leakedPiece, secretFixtures } from '../fixtures/capture/secrets/load.js';

const fixtures = secretFixtures();

const wrappers: readonly [string, (s: string) => string][] = [
  ['alone', (s) => s],
  ['prose', (s) => `I keep getting 401s. Here is what I have:\n\n${s}\n\nCan you make the deploy script use it?`],
  ['code', (s) => `export const settings = {\n  region: 'eu-west-1',\n  value: \`${s}\`,\n};\n`],
];

describe('redactSecrets: every rule family', () => {
  it('the fixture set covers the families the issue names', () => {
    const rules = new Set(fixtures.map((f) => f.rule));
    for (const rule of ['github', 'aws', 'slack', 'openai', 'anthropic', 'gcp', 'privatekey', 'basicauth', 'npm', 'database-connection-string', 'pem-private-key', 'jwt', 'credential-assignment', 'url-password']) {
      expect(rules, rule).toContain(rule);
    }
  });

  for (const f of fixtures) {
    for (const [where, wrap] of wrappers) {
      it(`${f.family} (${where})`, async () => {
        const input = wrap(f.text);
        const { text, redactions } = await redactSecrets(input);
        for (const secret of f.secrets) expect(leakedPiece(text, secret), `${f.family}: piece of the secret survived`).toBeUndefined();
        // A service-account key JSON is named `gcp` when it is the whole text; pasted among prose
        // the fallback rules take its key and key id apart (any name is fine, no leak is not).
        if (f.rule !== 'gcp' || where === 'alone') {
          expect(redactions.map((r) => r.rule)).toContain(f.rule);
          expect(text).toContain(`[REDACTED:${f.rule}]`);
        }
        // Redactions point into the input, in order, without overlap, and cover only what was replaced.
        let last = 0;
        for (const r of redactions) {
          expect(r.start).toBeGreaterThanOrEqual(last);
          expect(r.end).toBeGreaterThan(r.start);
          last = r.end;
        }
        const rebuilt = redactions.reduceRight((acc, r) => acc.slice(0, r.start) + `[REDACTED:${r.rule}]` + acc.slice(r.end), input);
        expect(rebuilt).toBe(text);
      });
    }
  }

  it('all families at once in one prompt: every secret gone, the prose kept', async () => {
    const prompt = fixtures.map((f, i) => `step ${i}: use ${f.text} here`).join('\n');
    const { text, redactions } = await redactSecrets(prompt);
    for (const f of fixtures) for (const s of f.secrets) expect(leakedPiece(text, s), f.family).toBeUndefined();
    expect(redactions.length).toBeGreaterThanOrEqual(fixtures.length - 1);
    for (let i = 0; i < fixtures.length; i++) expect(text).toContain(`step ${i}: use `);
  });
});

describe('redactSecrets: the fallback rules', () => {
  const cases: readonly [string, string, string][] = [
    ['pem-private-key', 'a truncated paste (no END line)', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsynthetic0synthetic1synthetic2synthetic3synthet\nZm9vYmFyYmF6cXV4c3ludGhldGljNHN5bnRoZXRpYzVzeW50aGV0aWM2c3lu\n'],
    ['pem-private-key', 'a placeholder-short key the preset skips', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsynthetic\n-----END OPENSSH PRIVATE KEY-----'],
    ['credential-assignment', 'a quoted passphrase with spaces', 'passphrase: "correct horse battery staple"'],
    ['credential-assignment', 'a JSON client secret', '{"client_secret": "q8Zr4nT2vL9xW1pK"}'],
    ['credential-assignment', 'a shell export', 'export GITHUB_TOKEN=Zq3vN8pL2wX7yR4tK9mB'],
    ['jwt', 'an unsigned JWT (alg none)', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeW50aGV0aWMtdXNlciJ9.'],
    ['http-credential', 'basic credentials in a curl line', 'curl -H "Authorization: Basic ZGVwbG95Ym90OnN5bnRoZXRpYzEyMw==" https://api.corp-synthetic.dev'],
    ['url-password', 'an amqp url', 'amqp://worker:s3cr3t-Synthetic-77@mq.corp-synthetic.dev:5672/'],
  ];
  for (const [rule, what, input] of cases) {
    it(`${rule}: ${what}`, async () => {
      const { text, redactions } = await redactSecrets(`before ${input} after`);
      expect(redactions.map((r) => r.rule)).toContain(rule);
      expect(text).toContain(`[REDACTED:${rule}]`);
      expect(text.startsWith('before ')).toBe(true);
    });
  }

  it('prefixed-token: a token glued to a preceding letter, which the preset skips', async () => {
    for (const f of fixtures.filter((x) => ['github', 'anthropic', 'npm', 'gitlab'].includes(x.rule))) {
      const { text, redactions } = await redactSecrets(`keyé${f.text} done`);
      for (const secret of f.secrets) expect(leakedPiece(text, secret), f.family).toBeUndefined();
      expect(redactions.map((r) => r.rule), f.family).toContain('prefixed-token');
    }
  });

  it('removes the secret of each case, not only names it', async () => {
    expect((await redactSecrets('passphrase: "correct horse battery staple"')).text).not.toContain('horse battery');
    expect((await redactSecrets('amqp://worker:s3cr3t-Synthetic-77@mq.example/')).text).toBe('amqp://worker:[REDACTED:url-password]@mq.example/');
    expect((await redactSecrets('password = hunter2hunter2')).text).toBe('password = [REDACTED:credential-assignment]');
  });

  it('leaves ordinary code and prose alone', async () => {
    const code = 'const token = getToken();\nconst apiKey = process.env.API_KEY;\nheaders.authorization = config.authToken;\nfunction parsePassword(input: string) { return input.trim(); }\nSee https://example.com/docs and use a JWT library.\n';
    expect(await redactSecrets(code)).toEqual({ text: code, redactions: [] });
  });

  it('is idempotent: redacted text is not redacted again', async () => {
    const once = await redactSecrets('password="hunter2hunter2" and token: Zq3vN8pL2wX7yR4tK9mB');
    const twice = await redactSecrets(once.text);
    expect(twice.text).toBe(once.text);
    expect(twice.redactions).toEqual([]);
  });

  it('every fallback pattern is a fixed, global, indexed pattern', () => {
    for (const r of FALLBACK_RULES) expect(r.pattern.flags).toMatch(/^(?=.*d)(?=.*g)/);
  });
});

describe('redactSecrets: hostile and bad text', () => {
  const token = secretFixtures().find((f) => f.family === 'github classic PAT')!;

  it('a secretlint-disable comment does not switch redaction off', async () => {
    for (const comment of ['// secretlint-disable', '<!-- secretlint-disable -->', '# secretlint-disable-next-line']) {
      const { text } = await redactSecrets(`${comment}\n${token.text}\n// secretlint-enable`);
      expect(leakedPiece(text, token.secrets[0]!), comment).toBeUndefined();
    }
    const { text } = await redactSecrets(`${token.text} // secretlint-disable-line`);
    expect(leakedPiece(text, token.secrets[0]!)).toBeUndefined();
  });

  it('control characters and lone surrogates become U+FFFD, offsets unchanged', async () => {
    const input = `a\u0000b\u001b[31mred\u007f\u0085 \ud800 tab\tnl\ncr\r ${token.text}`;
    const { text, redactions } = await redactSecrets(input);
    expect(text.startsWith('a\uFFFDb\uFFFD[31mred\uFFFD\uFFFD \uFFFD tab\tnl\ncr\r ')).toBe(true);
    expect(redactions).toHaveLength(1);
    expect(input.slice(redactions[0]!.start, redactions[0]!.end)).toBe(token.text);
    expect(normalizeText(input)).toHaveLength(input.length);
  });

  it('bytes: invalid UTF-8 becomes U+FFFD and secrets are still found', async () => {
    const bytes = Buffer.concat([Buffer.from([0x66, 0xff, 0xfe, 0xc3]), Buffer.from(` ${token.text} `), Buffer.from([0xe2, 0x82])]);
    const { text } = await redactSecrets(bytes);
    expect(text.startsWith('f\uFFFD\uFFFD\uFFFD [REDACTED:github] ')).toBe(true);
    expect(leakedPiece(text, token.secrets[0]!)).toBeUndefined();
  });

  it('a byte order mark does not shift the preset ranges', async () => {
    const { text } = await redactSecrets(`\uFEFFx ${token.text} y`);
    expect(text).toBe('\uFEFFx [REDACTED:github] y');
  });

  it('empty text', async () => {
    expect(await redactSecrets('')).toEqual({ text: '', redactions: [] });
  });

  it('a long prompt of near-misses finishes and redacts the one real shape', async () => {
    const noise = 'password= ghp_short -----BEGIN PRIVATE KEY----- eyJhbGci. postgres://u@h '.repeat(3000);
    const { text } = await redactSecrets(`${noise}${token.text}`);
    expect(leakedPiece(text, token.secrets[0]!)).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { unsafeCharacters } from './unsafe.js';
import { renderJson } from '../../src/report/json.js';
import { renderSarif, SARIF_RESULTS_PER_RUN_MAX } from '../../src/report/sarif.js';
import { headline, renderMarkdown, CHECK_RUN_SUMMARY_MAX } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { ANNOTATION_MESSAGE_MAX, ANNOTATION_TITLE_MAX, toAnnotations } from '../../src/report/annotations.js';
import type { Finding, HunkResult } from '../../src/core/types.js';
import { HOSTILE_PATH, sampleResult } from './fixture.js';

// CommonJS packages: under NodeNext their `export default` is the `.default` of the module.
const AjvDraft04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

const schemaDir = new URL('../fixtures/schemas/', import.meta.url);
const scanSchema = JSON.parse(readFileSync(new URL('scan-v1.schema.json', schemaDir), 'utf8'));
const sarifSchemas: [string, unknown][] = [
  ['OASIS errata01 (sarif-schema-2.1.0.json)', JSON.parse(readFileSync(new URL('sarif-schema-2.1.0.json', schemaDir), 'utf8'))],
  ['schemastore rtm.5 (sarif-2.1.0.json)', JSON.parse(readFileSync(new URL('sarif-2.1.0.json', schemaDir), 'utf8'))],
];
const DRIFT: Finding = { kind: 'approval-drift', path: '', startLine: 0, endLine: 0, level: 'warning', message: 'merged content differs from the approved digest' };

describe('renderJson', () => {
  const result = sampleResult();
  const text = renderJson(result);

  it('validates against trailmark.scan/v1', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(scanSchema);
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('keeps the contract key order whatever the input order', () => {
    const shuffled = Object.fromEntries(Object.entries(result).reverse()) as typeof result;
    expect(renderJson(shuffled)).toBe(text);
    expect(Object.keys(JSON.parse(text))).toEqual(['schema', 'base', 'head', 'summary', 'hunks', 'findings']);
    expect(Object.keys(JSON.parse(text).hunks[0]).slice(0, 8)).toEqual(['path', 'startLine', 'endLine', 'language', 'score', 'signals', 'evidence', 'verdict']);
  });

  it('round-trips hostile strings exactly (JSON escapes, nothing lost)', () => {
    expect(JSON.parse(text).hunks[0].path).toBe(HOSTILE_PATH);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('renderSarif', () => {
  const log = JSON.parse(renderSarif(sampleResult(), { toolVersion: '1.2.3' }));

  it.each(sarifSchemas)('validates against the SARIF 2.1.0 schema, %s', (_name, schema) => {
    const ajv = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema as object);
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // a document the schema must refuse, so the validation itself is known to bite
    const broken = structuredClone(log);
    broken.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    expect(validate(broken)).toBe(false);
  });

  it('escapes message text (SARIF embedded links and placeholders) and leaves no control characters', () => {
    // Only the location URI keeps the path exactly (percent-encoded); every text field is clean.
    const texts = strings(log).filter(([key]) => key !== 'uri');
    expect(texts.length).toBeGreaterThan(20);
    for (const [key, value] of texts) expect(unsafeCharacters(value), key).toEqual([]);
    const unattested = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'trailmark/unattested');
    expect(unattested.message.text).toContain('\\[click\\](javascript:alert(1))');
    expect(unattested.message.text).toContain('\\x1b');
    expect(unattested.properties).toEqual({ score: 0.91, evidence: ['inferred'] });
  });

  it('leaves pull-request-level findings (no path) to the check run, and clamps line 0 to 1', () => {
    const base = sampleResult();
    const zero: Finding = { ...base.findings[1]!, startLine: 0, endLine: 0 };
    const out = JSON.parse(renderSarif({ ...base, findings: [...base.findings, DRIFT, zero] }, { toolVersion: '1.2.3' }));
    expect(out.runs[0].results).toHaveLength(3);
    expect(out.runs[0].results.every((r: { locations: { physicalLocation: { region: { startLine: number } } }[] }) => r.locations[0]!.physicalLocation.region.startLine >= 1)).toBe(true);
  });

  it('stays within GitHub\'s results-per-run limit, keeping warnings first and counting the rest', () => {
    const base = sampleResult();
    const many: Finding[] = [];
    for (let i = 0; i < SARIF_RESULTS_PER_RUN_MAX + 10; i++) many.push({ ...base.findings[1]!, path: `f${i}.ts`, level: i % 1000 === 0 ? 'warning' : 'notice' });
    const out = JSON.parse(renderSarif({ ...base, findings: many }, { toolVersion: '1' })) as { runs: { results: { level: string }[]; properties: { omittedResults?: number } }[] };
    expect(out.runs[0]!.results).toHaveLength(SARIF_RESULTS_PER_RUN_MAX);
    expect(out.runs[0]!.results.filter((r) => r.level === 'warning')).toHaveLength(26);
    expect(out.runs[0]!.properties.omittedResults).toBe(10);
  });

  it('fingerprints follow the code, not the line: shifted lines keep it, changed content changes it', () => {
    const base = sampleResult();
    const fp = (r: typeof base): string => {
      const sarif = JSON.parse(renderSarif(r, { toolVersion: '1' })) as { runs: { results: { ruleId: string; partialFingerprints: Record<string, string> }[] }[] };
      return sarif.runs[0]!.results.find((x) => x.ruleId === 'trailmark/contradicted')!.partialFingerprints['trailmarkHunk/v1']!;
    };
    const shift = (r: typeof base, lines: number, digest?: string): typeof base => ({
      ...r,
      hunks: r.hunks.map((h) => (h.path === 'src/billing/invoice.ts' ? { ...h, startLine: h.startLine + lines, endLine: h.endLine + lines, ...(digest ? { contentDigest: digest } : {}) } : h)),
      findings: r.findings.map((f) => (f.path === 'src/billing/invoice.ts' ? { ...f, startLine: f.startLine + lines, endLine: f.endLine + lines } : f)),
    });
    expect(fp(shift(base, 7))).toBe(fp(base));
    expect(fp(shift(base, 0, `sha256:${'9'.repeat(64)}`))).not.toBe(fp(base));
    expect(fp(base)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('has what GitHub code scanning needs', () => {
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('trailmark');
    expect(run.tool.driver.semanticVersion).toBe('1.2.3');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['trailmark/unattested', 'trailmark/contradicted', 'trailmark/approval-drift']);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.locations[0].physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      expect(Object.keys(r.partialFingerprints)).toHaveLength(1);
    }
  });

  it('percent-encodes paths and keeps fingerprints stable across runs', () => {
    const uri = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'trailmark/unattested').locations[0].physicalLocation.artifactLocation.uri;
    expect(uri).not.toMatch(/[\s<>|`]/);
    expect(decodeURIComponent(uri)).toBe(HOSTILE_PATH);
    const again = JSON.parse(renderSarif(sampleResult(), { toolVersion: '1.2.4' }));
    expect(again.runs[0].results.map((r: { partialFingerprints: unknown }) => r.partialFingerprints)).toEqual(log.runs[0].results.map((r: { partialFingerprints: unknown }) => r.partialFingerprints));
  });
});

describe('renderMarkdown', () => {
  const md = renderMarkdown(sampleResult());

  it('leads with a calm headline and says nothing blocks the merge', () => {
    expect(md.split('\n')[0]).toBe('## trailmark: 1 likely AI-generated hunk not declared, 1 contradicted — nothing here blocks the merge');
    expect(md).toContain('Assisted-by: Claude:claude-opus-4-5');
    expect(md).toContain('What the evidence classes mean');
  });

  it.each([
    [undefined, 'nothing here blocks the merge'],
    ['none', 'nothing here blocks the merge'],
    ['contradicted', 'this check fails by repository policy (fail-on: contradicted)'],
    ['unattested', 'this check fails by repository policy (fail-on: unattested)'],
  ] as const)('headline with fail-on %s says %j', (failOn, says) => {
    expect(renderMarkdown(sampleResult(), failOn === undefined ? {} : { failOn }).split('\n')[0]).toContain(says);
  });

  it('headline with fail-on contradicted and only unattested findings does not block', () => {
    const base = sampleResult();
    const result = { ...base, summary: { ...base.summary, findings: { unattested: 1, contradicted: 0, 'approval-drift': 0 } } };
    expect(headline(result, 'contradicted')).toBe('1 likely AI-generated hunk not declared — nothing here blocks the merge');
    expect(headline(result, 'unattested')).toBe('1 likely AI-generated hunk not declared — this check fails by repository policy (fail-on: unattested)');
  });

  it('neutralises hostile text: no raw HTML, mentions, issue links, controls or bidi overrides', () => {
    // Outside code spans (where GitHub renders text literally) nothing is live.
    const prose = md.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
    expect(prose).not.toContain('<img');
    expect(prose).not.toMatch(/@octocat|@org\/team/);
    expect(prose).not.toContain('#12 ');
    expect(md).not.toContain('\x1b');
    expect(md).not.toContain('\u202E');
    expect(md).not.toContain('](javascript:');
    // one table row per analysed file, the hostile path kept on one line
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(4);
  });

  it('lists skipped files and omissions', () => {
    expect(md).toContain('lockfile (package-lock.json)');
    expect(md).toContain('huge/blob.bin');
  });

  it('shows the ledger checkpoint when there is one', () => {
    const withLedger = renderMarkdown(sampleResult({ ledger: { origin: 'example.com/log', size: 3, root: 'ab', checkpoint: 'example.com/log\n3\nq80=\n\n— example.com/log AAAA\n', entries: [{ seq: 0, kind: 'change.analyzed' }] } }));
    expect(withLedger).toContain('### Ledger checkpoint');
    expect(withLedger).toContain('— example.com/log AAAA');
  });

  it('lists up to 30 skipped files one by one, and more as one line per reason, the most common first', () => {
    const base = sampleResult();
    const skippedHunk = (path: string, reason: string): HunkResult => ({ ...base.hunks[0]!, path, verdict: 'skipped', reason, score: 0, signals: [], evidence: [] });
    const few = renderMarkdown({ ...base, hunks: [skippedHunk('docs/a.md', 'not scored: Markdown'), skippedHunk('yarn.lock', 'lockfile (yarn.lock)')] });
    expect(few).toContain('<details><summary>Skipped files (2)</summary>\n\n- `docs/a.md`: not scored: Markdown\n- `yarn.lock`: lockfile (yarn.lock)\n');
    const hunks = [
      ...Array.from({ length: 1200 }, (_, i) => skippedHunk(`docs/page-${String(i).padStart(4, '0')}.mdx`, 'not scored: the detectors read TypeScript and JavaScript, not Markdown')),
      ...Array.from({ length: 40 }, (_, i) => skippedHunk(`gen/api-${String(i).padStart(2, '0')}.gen.ts`, 'generated file (*.gen.ts)')),
      skippedHunk('Cargo.lock', 'lockfile (Cargo.lock)'),
      // A file's second hunk does not count it twice.
      skippedHunk('Cargo.lock', 'lockfile (Cargo.lock)'),
      ...Array.from({ length: 35 }, (_, i) => skippedHunk(`deleted-${String(i).padStart(2, '0')}.ts`, `reason number ${String(i).padStart(2, '0')}`)),
    ];
    const md = renderMarkdown({ ...base, hunks });
    const section = md.slice(md.indexOf('<details><summary>Skipped files'), md.indexOf('</details>', md.indexOf('<details><summary>Skipped files')));
    const lines = section.split('\n').filter((l) => l.startsWith('- '));
    expect(section).toContain('Skipped files (1276)');
    expect(lines[0]).toBe('- not scored: the detectors read TypeScript and JavaScript, not Markdown: 1200 files (`docs/page-0000.mdx`, `docs/page-0001.mdx`, `docs/page-0002.mdx`, …)');
    expect(lines[1]).toBe('- generated file (\\*.gen.ts): 40 files (`gen/api-00.gen.ts`, `gen/api-01.gen.ts`, `gen/api-02.gen.ts`, …)');
    expect(lines[2]).toBe('- lockfile (Cargo.lock): 1 file (`Cargo.lock`)');
    // 38 reasons: 30 lines, then the other 8 reasons' files on one line.
    expect(lines).toHaveLength(31);
    expect(lines[30]).toBe('- …and 8 more files for 8 other reasons');
  });

  it('stays under the size limit with thousands of files, saying how many are not shown', () => {
    const base = sampleResult();
    const hunks: HunkResult[] = [];
    for (let i = 0; i < 5000; i++) hunks.push({ ...base.hunks[0]!, path: `src/generated-by-someone/${'deep/'.repeat(5)}file-${i}-${'|`<'.repeat(10)}.ts`, verdict: 'unattested' });
    const big = renderMarkdown({ ...base, hunks });
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(CHECK_RUN_SUMMARY_MAX);
    expect(big).toMatch(/\d+ more files not shown/);
    const small = renderMarkdown({ ...base, hunks }, { maxBytes: 4000 });
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(4000);
  });
});

describe('pull-request-level findings (approval drift)', () => {
  const base = sampleResult();
  const drift: Finding = { ...DRIFT, message: 'Pushed after approval by @alice: <b>see</b> #7' };
  const result = { ...base, findings: [...base.findings, drift], summary: { ...base.summary, findings: { ...base.summary.findings, 'approval-drift': 1 } } };

  it('are stated, escaped, in the markdown summary and the terminal report', () => {
    const md = renderMarkdown(result);
    expect(md.split('\n')[0]).toContain('merged content differs from the approval');
    expect(md).toContain('> **Merged content differs from what was approved.** Pushed after approval by @&#8203;alice: &lt;b&gt;see&lt;/b&gt; #&#8203;7');
    expect(renderText(result, { color: false })).toContain('pull request: Pushed after approval by @alice');
  });
});

describe('renderMarkdown details link', () => {
  it.each([
    ['https://example.com/runs/1?x=(y)', '[Details](https://example.com/runs/1?x=%28y%29)'],
    ['https://example.com/a b', '[Details](https://example.com/a%20b)'],
  ])('%j is linked with a destination that cannot end early', (url, link) => {
    expect(renderMarkdown(sampleResult(), { detailsUrl: url })).toContain(link);
  });

  it.each(['javascript:alert(1)', 'data:text/html,<b>', '/relative', 'not a url'])('%j is not linked', (url) => {
    expect(renderMarkdown(sampleResult(), { detailsUrl: url })).not.toContain('[Details]');
  });
});

describe('golden renderings of the hostile sample', () => {
  const ledger = { origin: 'example.com/acme/ledger', size: 3, root: 'ab'.repeat(32), checkpoint: 'example.com/acme/ledger\n3\nq80=\n\n— example.com/acme/ledger AAAA\n', entries: [{ seq: 2, kind: 'change.analyzed' }] };
  const result = sampleResult({ ledger });
  it.each([
    ['sample.txt', () => renderText(result, { color: false })],
    ['sample.verbose.txt', () => renderText(result, { color: false, verbose: true })],
    ['sample.color.txt', () => renderText(result, { color: true })],
    ['sample.json', () => renderJson(result)],
    ['sample.sarif', () => renderSarif(result, { toolVersion: '1.2.3' })],
    ['sample.md', () => renderMarkdown(result, { detailsUrl: 'https://example.com/checks/1' })],
    ['sample.annotations.json', () => `${JSON.stringify(toAnnotations(result), null, 2)}\n`],
  ])('%s', async (file, render) => {
    await expect(render()).toMatchFileSnapshot(`golden/${file}`);
  });
});

describe('renderMarkdown size cap at every budget', () => {
  const base = sampleResult();
  const hunks: HunkResult[] = [];
  for (let i = 0; i < 400; i++) hunks.push({ ...base.hunks[i % 5]!, path: `src/m${i}/${'|`<@x #1 \u202E&'.repeat(1 + (i % 7))}.ts` });
  const result = { ...base, hunks, summary: { ...base.summary, omissions: Array.from({ length: 50 }, (_, i) => ({ path: `big/${i}.bin`, reason: 'too large '.repeat(20) })) } };
  const full = renderMarkdown(result, { maxBytes: 10_000_000 });

  it.each([1_500, 3_000, 5_000, 8_000, 12_000, 20_000, 40_000, 65_535])('maxBytes %i: under the cap, whole rows only, the gap counted', (maxBytes) => {
    const md = renderMarkdown(result, { maxBytes });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(maxBytes);
    // every line of the output is a whole line of the uncapped rendering, or our own note
    const fullLines = new Set(full.split('\n'));
    const own = (l: string): boolean => /^_\d+ more files? not shown|^_\(summary truncated/.test(l);
    for (const line of md.split('\n')) expect(fullLines.has(line) || own(line), line).toBe(true);
    const rows = md.split('\n').filter((l) => l.startsWith('| `')).length;
    const note = /_(\d+) more files? not shown/.exec(md);
    if (note) expect(rows + Number(note[1])).toBe(400);
    else if (!md.includes('summary truncated')) expect(rows).toBe(400);
  });
});

describe('renderText', () => {
  it('never lets an escape sequence through, with or without colour', () => {
    for (const color of [false, true]) {
      const text = renderText(sampleResult(), { color });
      const withoutOurColours = text.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
      expect(withoutOurColours).not.toContain('\x1b');
      expect(text).not.toContain('\u202E');
    }
    expect(renderText(sampleResult(), { color: false })).not.toContain('\x1b');
  });

  it('groups by file, explains flagged hunks and collapses clear ones', () => {
    const text = renderText(sampleResult(), { color: false });
    expect(text).toContain('src/billing/invoice.ts\n  L1-43        contradicted score 0.96');
    expect(text).toContain('declared  trailer:AI-Assisted (says human): AI-Assisted: no');
    expect(text).toContain('– package-lock.json skipped: lockfile (package-lock.json)');
    expect(text).toContain('1 more hunk clear');
    expect(text).toContain('2 findings: 1 unattested, 1 contradicted (non-blocking)');
    expect(text).toContain('not analyzed: huge/blob.bin');
    expect(renderText(sampleResult(), { color: false, verbose: true })).toContain('L5-6');
  });

  it('calls findings blocking only when the fail-on policy makes them so', () => {
    expect(renderText(sampleResult(), { color: false, failOn: 'none' })).toContain('2 findings: 1 unattested, 1 contradicted (non-blocking)');
    expect(renderText(sampleResult(), { color: false, failOn: 'contradicted' })).toContain('2 findings: 1 unattested, 1 contradicted (blocking: fail-on contradicted)');
  });

  it('counts files with only clear hunks on one line unless verbose', () => {
    const base = sampleResult();
    const clearHunk = base.hunks.find((h) => h.verdict === 'clear')!;
    const hunks = [...base.hunks, ...Array.from({ length: 300 }, (_, i) => ({ ...clearHunk, path: `lib/clear-${i}.ts` }))];
    const quiet = renderText({ ...base, hunks }, { color: false });
    expect(quiet).toContain('✓ 300 more files clear (300 hunks; --verbose lists them)');
    expect(quiet).not.toContain('lib/clear-7.ts');
    expect(quiet.split('\n').length).toBe(renderText(base, { color: false }).split('\n').length + 1);
    const verbose = renderText({ ...base, hunks }, { color: false, verbose: true });
    expect(verbose).toContain('lib/clear-7.ts\n  L5-6         clear        score 0.20');
  });

  it('lists up to 30 wholly skipped files one by one, and more as one line per reason unless verbose', () => {
    const base = sampleResult();
    const skippedHunk = (path: string, reason: string): HunkResult => ({ ...base.hunks[0]!, path, verdict: 'skipped', reason, score: 0, signals: [], evidence: [] });
    const docs = (n: number) => Array.from({ length: n }, (_, i) => skippedHunk(`docs/p${String(i).padStart(3, '0')}.md`, 'not scored: Markdown'));
    // The sample has one skipped file (package-lock.json): 29 more make 30.
    const few = renderText({ ...base, hunks: [...base.hunks, ...docs(29)] }, { color: false });
    expect(few).toContain('– docs/p007.md skipped: not scored: Markdown');
    const hunks = [...base.hunks, ...docs(400), skippedHunk('yarn.lock', 'lockfile (yarn.lock)'), skippedHunk('\x1b[31mevil.json', 'not scored: JSON')];
    const quiet = renderText({ ...base, hunks }, { color: false });
    expect(quiet).not.toContain('docs/p007.md');
    expect(quiet).toContain([
      '– 400 files skipped: not scored: Markdown (docs/p000.md, docs/p001.md, docs/p002.md, … 397 more)',
      '– 1 file skipped: lockfile (package-lock.json) (package-lock.json)',
      '– 1 file skipped: lockfile (yarn.lock) (yarn.lock)',
      '– 1 file skipped: not scored: JSON (\\x1b[31mevil.json)',
      '  (403 skipped files; --verbose lists them one by one)',
    ].join('\n'));
    expect(quiet).not.toContain('\x1b');
    // Files with flagged hunks are listed as before.
    expect(quiet).toContain('src/billing/invoice.ts\n  L1-43        contradicted score 0.96');
    const verbose = renderText({ ...base, hunks }, { color: false, verbose: true });
    expect(verbose).toContain('docs/p007.md\n  L10-40       skipped');
    expect(verbose).not.toContain('files skipped');
  });
});

describe('toAnnotations', () => {
  it('makes one plain-text annotation per finding with reasons in raw details', () => {
    const annotations = toAnnotations(sampleResult());
    expect(annotations).toHaveLength(2);
    expect(annotations.map((a) => a.level)).toEqual(['warning', 'warning']);
    expect(annotations[0]!.title).toBe('Declared human-written, but evidence says AI');
    const hostile = annotations.find((a) => a.path === HOSTILE_PATH)!;
    expect(hostile.message).not.toContain('\x1b');
    expect(hostile.rawDetails).toContain('narration/step-comment');
    expect(hostile.startLine).toBe(10);
    expect(hostile.message).toContain('Likely AI-generated');
  });

  it('sorts by path then line, and leaves pull-request-level findings to the summary', () => {
    const base = sampleResult();
    const extra: Finding[] = [
      { ...base.findings[1]!, startLine: 50, endLine: 60 },
      { ...base.findings[1]!, path: 'a/first.ts', startLine: 0, endLine: 0 },
      DRIFT,
    ];
    const annotations = toAnnotations({ ...base, findings: [...extra, ...base.findings] });
    expect(annotations.map((a) => [a.path, a.startLine, a.endLine])).toEqual([
      ['a/first.ts', 1, 1],
      ['src/billing/invoice.ts', 1, 43],
      ['src/billing/invoice.ts', 50, 60],
      [HOSTILE_PATH, 10, 40],
    ]);
  });

  it('keeps title and message within GitHub limits without splitting a surrogate pair', () => {
    const base = sampleResult();
    const long: Finding = { ...base.findings[1]!, message: '😀'.repeat(70_000) };
    const [a] = toAnnotations({ ...base, findings: [long] });
    expect(a!.message.length).toBeLessThanOrEqual(ANNOTATION_MESSAGE_MAX);
    expect(a!.message).not.toMatch(/\p{Cs}/u);
    expect(a!.message.endsWith('…')).toBe(true);
    expect(a!.title.length).toBeLessThanOrEqual(ANNOTATION_TITLE_MAX);
  });
});

/** Every string value in a JSON document, with the key it sits under. */
function strings(value: unknown, key = ''): [string, string][] {
  if (typeof value === 'string') return [[key, value]];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, key));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, k));
  return [];
}

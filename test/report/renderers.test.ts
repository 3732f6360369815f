import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderMarkdown, CHECK_RUN_SUMMARY_MAX } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { toAnnotations } from '../../src/report/annotations.js';
import type { HunkResult } from '../../src/core/types.js';
import { HOSTILE_PATH, sampleResult } from './fixture.js';

// CommonJS packages: under NodeNext their `export default` is the `.default` of the module.
const AjvDraft04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

const schemaDir = new URL('../fixtures/schemas/', import.meta.url);
const scanSchema = JSON.parse(readFileSync(new URL('scan-v1.schema.json', schemaDir), 'utf8'));
const sarifSchema = JSON.parse(readFileSync(new URL('sarif-2.1.0.json', schemaDir), 'utf8'));

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

  it('validates against the SARIF 2.1.0 schema', () => {
    const ajv = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(sarifSchema);
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
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
  });
});

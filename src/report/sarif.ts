// SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif). Follows GitHub's
// "SARIF support for code scanning": tool.driver with rules, results with ruleId/ruleIndex,
// level, message, a physical location with a repository-relative URI, and partialFingerprints
// so an alert keeps its identity across runs while the code is unchanged.

import { createHash } from 'node:crypto';
import type { Finding, HunkResult, ScanResult } from '../core/types.js';
import { TOOL_NAME } from '../core/version.js';
import { RULES } from './rules.js';
import { compareStrings } from './grouping.js';
import { jsonVisible, sarifText, truncate } from './escape.js';

export interface SarifOptions {
  readonly toolVersion: string;
  readonly informationUri?: string;
}

/**
 * "Results per run: 25,000" maximum; above it the upload is rejected — GitHub docs, "SARIF
 * results exceed one or more limits" (code scanning displays the top 5,000 by severity).
 */
export const SARIF_RESULTS_PER_RUN_MAX = 25_000;
/** Result messages are cut (before escaping) at this many characters; the why fits well inside. */
const MESSAGE_MAX = 4096;
const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const DEFAULT_INFORMATION_URI = 'https://github.com/trailmark/trailmark';

export function renderSarif(result: ScanResult, options: SarifOptions): string {
  const hunksByLocation = new Map<string, HunkResult>();
  for (const h of result.hunks) hunksByLocation.set(`${h.path}\0${Math.max(1, h.startLine)}`, h);
  // Code scanning needs a file location; pull-request-level findings (approval drift, no path)
  // belong to the check run, not to SARIF.
  const located = result.findings.filter((f) => f.path !== '');
  // Over the hard limit GitHub rejects the whole file: keep warnings before notices, say the rest.
  const kept = located.length <= SARIF_RESULTS_PER_RUN_MAX
    ? located
    : [...located].sort((a, b) => (a.level === b.level ? 0 : a.level === 'warning' ? -1 : 1)).slice(0, SARIF_RESULTS_PER_RUN_MAX);
  const findings = kept.sort((a, b) => compareStrings(a.path, b.path) || a.startLine - b.startLine || compareStrings(a.kind, b.kind));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: TOOL_NAME,
          semanticVersion: options.toolVersion,
          informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
          rules: RULES.map((r) => ({
            id: r.id,
            name: r.kind,
            shortDescription: { text: r.short },
            fullDescription: { text: r.full },
            help: { text: r.help, markdown: r.help },
            defaultConfiguration: { level: r.kind === 'unattested' ? 'note' : 'warning' },
            properties: { tags: ['ai-provenance', 'attestation'], precision: r.kind === 'approval-drift' ? 'very-high' : 'medium', 'problem.severity': r.kind === 'unattested' ? 'recommendation' : 'warning' },
          })),
        },
      },
      automationDetails: { id: `${TOOL_NAME}/` },
      results: findings.map((f) => sarifResult(f, hunksByLocation.get(`${f.path}\0${f.startLine}`))),
      properties: {
        base: result.base,
        head: result.head,
        modelVersion: result.summary.modelVersion,
        policyVersion: result.summary.policyVersion,
        ...(located.length > kept.length ? { omittedResults: located.length - kept.length } : {}),
      },
    }],
  };
  return `${jsonVisible(JSON.stringify(log, null, 2))}\n`;
}

function sarifResult(f: Finding, hunk: HunkResult | undefined): Record<string, unknown> {
  const ruleIndex = RULES.findIndex((r) => r.kind === f.kind);
  const classes = hunk ? [...new Set(hunk.evidence.map((e) => e.class))].sort() : [];
  // SARIF regions are 1-based; a finding on a deleted-only hunk may carry line 0.
  const startLine = Math.max(1, f.startLine);
  return {
    ruleId: RULES[ruleIndex]!.id,
    ruleIndex,
    level: f.level === 'warning' ? 'warning' : 'note',
    message: { text: sarifText(truncate(f.message, MESSAGE_MAX)) },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: encodePath(f.path), uriBaseId: '%SRCROOT%' },
        region: { startLine, endLine: Math.max(startLine, f.endLine) },
      },
    }],
    partialFingerprints: { 'trailmarkHunk/v1': fingerprint(f, hunk) },
    properties: {
      ...(f.score !== undefined ? { score: f.score } : {}),
      evidence: classes,
    },
  };
}

/**
 * Identity of an alert across runs: rule, path and the digest of the hunk's added lines, so the
 * alert survives unrelated edits above it (line shifts) and a new alert is raised when the code
 * itself changes. Without a hunk (a finding the scan did not produce) the line stands in.
 */
function fingerprint(f: Finding, hunk: HunkResult | undefined): string {
  const content = hunk?.contentDigest ?? `line:${f.startLine}`;
  return createHash('sha256').update(`${f.kind}\0${f.path}\0${content}`, 'utf8').digest('hex').slice(0, 32);
}

/** A repository-relative URI reference: each path segment percent-encoded, slashes kept. */
export function encodePath(path: string): string {
  return path.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}

// `trailmark.scan/v1` JSON. Objects are rebuilt field by field so the key order is the contract's
// (schema, base, head, summary, hunks, findings, ledger?) whatever order the input was built in:
// `--json` output is stable across versions and runs.

import type { Evidence, Finding, HunkResult, LedgerRef, ScanResult, ScanSummary, Signal, SyntacticUnit } from '../core/types.js';
import { EVIDENCE_CLASSES, VERDICTS } from '../core/types.js';
import { jsonVisible } from './escape.js';

export function renderJson(result: ScanResult): string {
  return `${jsonVisible(JSON.stringify(toJsonValue(result), null, 2))}\n`;
}

/** The ScanResult as a plain object with the contract's key order. */
export function toJsonValue(result: ScanResult): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    schema: result.schema,
    base: result.base,
    head: result.head,
    summary: summary(result.summary),
    hunks: result.hunks.map(hunk),
    findings: result.findings.map(finding),
  };
  if (result.ledger !== undefined) doc.ledger = ledger(result.ledger);
  return doc;
}

function summary(s: ScanSummary): Record<string, unknown> {
  return {
    files: s.files,
    hunks: s.hunks,
    addedLines: s.addedLines,
    commits: s.commits,
    verdicts: Object.fromEntries(VERDICTS.map((v) => [v, s.verdicts[v]])),
    findings: { unattested: s.findings.unattested, contradicted: s.findings.contradicted, 'approval-drift': s.findings['approval-drift'] },
    evidence: Object.fromEntries(EVIDENCE_CLASSES.map((c) => [c, s.evidence[c]])),
    thresholds: { low: s.thresholds.low, high: s.thresholds.high },
    policyVersion: s.policyVersion,
    modelVersion: s.modelVersion,
    detectors: s.detectors.map((d) => ({ id: d.id, version: d.version })),
    omissions: s.omissions.map((o) => (o.path !== undefined ? { path: o.path, reason: o.reason } : { reason: o.reason })),
  };
}

function hunk(h: HunkResult): Record<string, unknown> {
  return {
    path: h.path,
    startLine: h.startLine,
    endLine: h.endLine,
    language: h.language,
    score: h.score,
    signals: h.signals.map(signal),
    evidence: h.evidence.map(evidence),
    verdict: h.verdict,
    ...(h.reason !== undefined ? { reason: h.reason } : {}),
    addedLines: h.addedLines,
    deletedLines: h.deletedLines,
    commits: [...h.commits],
    units: h.units.map(unit),
    contentDigest: h.contentDigest,
  };
}

function signal(s: Signal): Record<string, unknown> {
  return { id: s.id, weight: s.weight, ...(s.line !== undefined ? { line: s.line } : {}), detail: s.detail };
}

function evidence(e: Evidence): Record<string, unknown> {
  return {
    class: e.class,
    source: e.source,
    ...(e.detail !== undefined ? { detail: e.detail } : {}),
    says: e.says,
    ...(e.commit !== undefined ? { commit: e.commit } : {}),
    ...(e.agent !== undefined ? { agent: e.agent } : {}),
    ...(e.model !== undefined ? { model: e.model } : {}),
  };
}

function unit(u: SyntacticUnit): Record<string, unknown> {
  return { kind: u.kind, ...(u.name !== undefined ? { name: u.name } : {}), startLine: u.startLine, endLine: u.endLine, ...(u.whole !== undefined ? { whole: u.whole } : {}) };
}

function finding(f: Finding): Record<string, unknown> {
  return { kind: f.kind, path: f.path, startLine: f.startLine, endLine: f.endLine, level: f.level, message: f.message, ...(f.score !== undefined ? { score: f.score } : {}) };
}

function ledger(l: LedgerRef): Record<string, unknown> {
  return {
    ...(l.dir !== undefined ? { dir: l.dir } : {}),
    origin: l.origin,
    size: l.size,
    root: l.root,
    checkpoint: l.checkpoint,
    entries: l.entries.map((e) => ({ seq: e.seq, kind: e.kind })),
  };
}

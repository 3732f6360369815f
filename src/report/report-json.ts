// `trailmark.report/v1` JSON (`trailmark report --format json`). Objects are rebuilt field by
// field in the contract's order (src/report/model.ts, docs/report.md) whatever order the model
// was built in, so the output is byte-stable for the same ledgers, period and clock. Bidi and
// zero-width characters in strings are written as \u escapes (escape.ts jsonVisible).
import { EVIDENCE_CLASSES, VERDICTS, type EvidenceClass, type FindingKind, type Verdict } from '../core/types.js';
import { jsonVisible } from './escape.js';
import type { AgentRow, DrillSummary, ErasureRow, EventRow, GapRow, LedgerProvenance, OperatingPointRow, PeopleSection, ProvenanceGap, ReportCell, ReportModel, VolumeTotals } from './model.js';

const FINDINGS: readonly FindingKind[] = ['unattested', 'contradicted', 'approval-drift'];

export function renderReportJson(model: ReportModel): string {
  return `${jsonVisible(JSON.stringify(reportJsonValue(model), null, 2))}\n`;
}

const verdicts = (r: Readonly<Record<Verdict, number>>) => Object.fromEntries(VERDICTS.map((v) => [v, r[v]]));
const evidence = (r: Readonly<Record<EvidenceClass, number>>) => Object.fromEntries(EVIDENCE_CLASSES.map((v) => [v, r[v]]));

function totals(x: VolumeTotals) {
  return {
    week: x.week,
    since: x.since,
    until: x.until,
    analyses: x.analyses,
    pullRequests: x.pullRequests,
    pushes: x.pushes,
    hunks: x.hunks,
    addedLines: x.addedLines,
    hunksByVerdict: verdicts(x.hunksByVerdict),
    linesByVerdict: verdicts(x.linesByVerdict),
    linesByEvidence: evidence(x.linesByEvidence),
    statedAiLines: x.statedAiLines,
    unattestedAiLines: x.unattestedAiLines,
    statedShare: x.statedShare,
    findings: Object.fromEntries(FINDINGS.map((f) => [f, x.findings[f]])),
  };
}

const gap = (g: GapRow) => ({ repository: g.repository, path: g.path, unattested: g.unattested, contradicted: g.contradicted, gapLines: g.gapLines, pullRequests: g.pullRequests, sensitive: g.sensitive });

const people = (s: PeopleSection) => ({
  test: { method: s.test.method, alpha: s.test.alpha, minLines: s.test.minLines, minChanges: s.test.minChanges },
  pooledRate: s.pooledRate,
  authors: s.authors,
  authorsTested: s.authorsTested,
  distribution: s.distribution.map((b) => ({ from: b.from, to: b.to, authors: b.authors })),
  named: s.named.map((n) => ({ author: n.author, aiLines: n.aiLines, attestedLines: n.attestedLines, rate: n.rate, peerRate: n.peerRate, pValue: n.pValue, direction: n.direction })),
});

const agent = (a: AgentRow) => ({ agent: a.agent, model: a.model, changes: a.changes, hunks: a.hunks, lines: a.lines, rewrittenLines: a.rewrittenLines, rewrittenShare: a.rewrittenShare, windowDays: a.windowDays });
const event = (e: EventRow) => ({ kind: e.kind, time: e.time, repository: e.repository, pullRequest: e.pullRequest, actor: e.actor, detail: e.detail, ledger: e.ledger, seq: e.seq });
const erasure = (e: ErasureRow) => ({ commitment: e.commitment, role: e.role, erasedAt: e.erasedAt, seq: e.seq, ledger: e.ledger, reason: e.reason });

function ledger(l: LedgerProvenance) {
  const out: Record<string, unknown> = {
    location: l.location,
    origin: l.origin,
    size: l.size,
    root: l.root,
    verified: l.verified,
    problem: l.problem,
    firstEntry: l.firstEntry,
    lastEntry: l.lastEntry,
    entriesInPeriod: l.entriesInPeriod,
  };
  if (l.unknownKinds !== undefined) out.unknownKinds = Object.fromEntries(Object.keys(l.unknownKinds).sort().map((k) => [k, l.unknownKinds![k]]));
  return out;
}

const provGap = (g: ProvenanceGap) => ({ kind: g.kind, ledger: g.ledger, repository: g.repository, detail: g.detail });
const drill = (d: DrillSummary | null) => (d === null ? null : { time: d.time, ledger: d.ledger, seq: d.seq, outcome: d.outcome, repository: d.repository, pullRequest: d.pullRequest, missing: [...d.missing] });
const cell = (c: ReportCell) => ({
  week: c.week,
  repository: c.repository,
  path: c.path,
  sensitive: c.sensitive,
  hunks: c.hunks,
  addedLines: c.addedLines,
  linesByVerdict: verdicts(c.linesByVerdict),
  statedAiLines: c.statedAiLines,
  unattestedAiLines: c.unattestedAiLines,
  unattested: c.unattested,
  contradicted: c.contradicted,
});

const operatingPoint = (r: OperatingPointRow) => ({
  repository: r.repository,
  source: r.source,
  status: r.status,
  thresholds: { low: r.thresholds.low, high: r.thresholds.high },
  unattestedFlagRate: r.unattestedFlagRate,
  attestedRecall: r.attestedRecall,
  hunks: { attested: r.hunks.attested, unattested: r.hunks.unattested, otherModel: r.hunks.otherModel, skipped: r.hunks.skipped },
  reason: r.reason,
});

/** The model as a plain object in the contract's key order. */
export function reportJsonValue(m: ReportModel): Record<string, unknown> {
  return {
    schema: m.schema,
    generatedAt: m.generatedAt,
    tool: { name: m.tool.name, version: m.tool.version },
    period: { since: m.period.since, until: m.period.until, week: m.period.week },
    repositories: [...m.repositories],
    totals: totals(m.totals),
    trend: m.trend.map(totals),
    gaps: { repositories: m.gaps.repositories.map(gap), paths: m.gaps.paths.map(gap), sensitivePaths: m.gaps.sensitivePaths.map(gap) },
    people: people(m.people),
    agents: m.agents.map(agent),
    events: m.events.map(event),
    erasures: m.erasures.map(erasure),
    provenance: { ledgers: m.provenance.ledgers.map(ledger), gaps: m.provenance.gaps.map(provGap) },
    drill: drill(m.drill),
    cells: m.cells.map(cell),
    ...(m.captureGaps === undefined ? {} : { captureGaps: m.captureGaps.map((g) => ({ ledger: g.ledger, device: g.device, records: g.records, high: g.high, missingCount: g.missingCount, missing: g.missing.map((r) => ({ from: r.from, to: r.to })) })) }),
    ...(m.operatingPoints === undefined ? {} : { operatingPoints: m.operatingPoints.map(operatingPoint) }),
  };
}

// The fire drill (`trailmark drill`): pick one merged pull request of the period at random
// (seeded randomness comes in, so a drill can be replayed) and trace it end to end —
// merge entry → analysis entry → evidence → records → inclusion proofs → checkpoint signature
// → today's code through blame — naming every link that is missing. The outcome is appended as
// a signed `drill` entry, so the drill itself is on the record.
//
// No I/O of its own: ledger stores, the clone (BlameGit), the signer, clock and randomness
// come in as ports.
import { TrailmarkError, UsageError, describeError } from '../core/errors.js';
import type { Clock, Random } from '../core/ports.js';
import { DRILL_KIND, DRILL_SCHEMA, MAX_DRILL_LINKS, type DrillBody, type DrillLink } from '../ledger/kinds/drill.js';
import type { MergeBody } from '../ledger/kinds/merge.js';
import { openLedger, verifierOf } from '../ledger/log.js';
import type { NoteSigner, NoteVerifier } from '../ledger/note.js';
import { verifyProof } from '../ledger/proof.js';
import type { LedgerStore } from '../ledger/store.js';
import { LedgerIndex, blameWithIndex, sameRepository, type BlameGit, type Indexed, type IndexedAnalysis, type Located } from './blame.js';

/** Files of the drawn change blamed at most (the rest are reported as not checked). */
export const MAX_DRILL_BLAME_FILES = 20;
const MAX_DETAIL = 1000;

export interface DrillWriter {
  /** The ledger the drill entry is appended to (usually the first ledger read). */
  readonly store: LedgerStore;
  readonly signer: NoteSigner;
  readonly origin: string;
  readonly clock: Clock;
  readonly random: Random;
}

export interface DrillInput {
  readonly ledgers: readonly LedgerStore[];
  readonly repository: string | null;
  /** RFC 3339 bounds on the merge entries' time, inclusive. */
  readonly since: string;
  readonly until: string;
  /** Draws the change (seeded for a replayable drill). */
  readonly random: Random;
  /** Trusted checkpoint keys the proofs must verify against (default: the writer's own key). */
  readonly keys?: readonly NoteVerifier[];
  /** The clone, for the blame link; absent: the link is reported missing ("not checked: no clone"). */
  readonly git?: BlameGit;
  /** Why there is no clone, for the blame link's detail (the App: it keeps none). Default: pass --repo. */
  readonly noClone?: string;
  /** Revision of today's code (default HEAD). */
  readonly rev?: string;
  /** Where the outcome is appended; absent: nothing is appended (a dry run). */
  readonly writer?: DrillWriter;
  readonly job?: string;
}

export interface DrillReport {
  readonly outcome: DrillBody['outcome'];
  readonly body: DrillBody;
  /** Merge entries in the period the change was drawn from. */
  readonly candidates: number;
  /** The drill entry, when appended. */
  readonly appended: { readonly ledger: string; readonly seq: number; readonly hash: string } | null;
}

function clip(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s;
}

/** A uniform index below `n` from the injected randomness (rejection sampling: no modulo bias). */
export function uniformIndex(random: Random, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0 || n > 0x1_0000_0000) throw new RangeError(`cannot draw from ${n} items`);
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const b = random.bytes(4);
    const x = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    if (x < limit) return x % n;
  }
}

function timeOf(s: string, what: string): number {
  const t = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(t)) {
    throw new UsageError('BAD_INPUT', `${what} ${JSON.stringify(s)} is not an RFC 3339 time`, { hint: 'e.g. 2026-12-01T00:00:00Z' });
  }
  return t;
}

const short = (sha: string | null) => (sha === null ? '(none)' : sha.slice(0, 12));

class Links {
  readonly list: DrillLink[] = [];
  ok(link: string, detail: string): void {
    this.list.push({ link, ok: true, detail: clip(detail) });
  }
  missing(link: string, detail: string): void {
    this.list.push({ link, ok: false, detail: clip(detail) });
  }
  /** A link this drill could not check: neither a pass nor a failure, and said so. */
  unchecked(link: string, detail: string): void {
    this.list.push({ link, ok: null, detail: clip(detail) });
  }
}

export async function runDrill(input: DrillInput): Promise<DrillReport> {
  const since = timeOf(input.since, 'since');
  const until = timeOf(input.until, 'until');
  if (until < since) throw new UsageError('BAD_INPUT', `the period ends (${input.until}) before it starts (${input.since})`, { hint: 'give --since before --until' });
  const index = await LedgerIndex.build(input.ledgers, input.repository);
  const candidates = index.merges
    .filter((m) => m.body.mergeCommit !== null)
    .filter((m) => {
      const t = Date.parse(m.at.time);
      return t >= since && t <= until;
    });
  const keys = input.keys !== undefined && input.keys.length > 0 ? input.keys : input.writer !== undefined ? [verifierOf(input.writer.signer)] : [];
  if (keys.length === 0) throw new UsageError('NO_KEY', 'no trusted checkpoint key to verify the proofs with', { hint: 'pass --key PUB, or the signing key with --key-file' });
  const links = new Links();
  let picked: Indexed<MergeBody> | undefined;
  if (candidates.length === 0) {
    links.missing('pull-request', `no merged pull request${input.repository === null ? '' : ` of ${input.repository}`} in the ledgers between ${input.since} and ${input.until}`);
  } else {
    picked = candidates[uniformIndex(input.random, candidates.length)]!;
    await traceChange(index, picked, { ...input, keys }, links);
  }
  const missing = links.list.filter((l) => l.ok === false).map((l) => clip(`${l.link}: ${l.detail}`));
  const outcome = missing.length > 0 ? 'failed' : links.list.some((l) => l.ok === null) ? 'incomplete' : 'passed';
  const body: DrillBody = {
    schema: DRILL_SCHEMA,
    repository: picked?.body.repository ?? input.repository,
    pullRequest: picked?.body.pullRequest ?? null,
    head: picked?.body.head ?? null,
    mergeCommit: picked?.body.mergeCommit ?? null,
    period: { since: input.since, until: input.until },
    outcome,
    links: links.list.slice(0, MAX_DRILL_LINKS),
    missing: missing.slice(0, MAX_DRILL_LINKS),
    ...(input.job === undefined ? {} : { job: input.job }),
  };
  let appended: DrillReport['appended'] = null;
  if (input.writer !== undefined) {
    const w = input.writer;
    const ledger = await openLedger({ store: w.store, signer: w.signer, origin: w.origin, clock: w.clock, random: w.random });
    // The drill reads the repository policy nowhere: its entries carry a fixed policy marker.
    const result = await ledger.append([{ kind: DRILL_KIND, policy: 'drill', body }]);
    const e = result.entries[0]!;
    appended = { ledger: w.store.location, seq: e.seq, hash: e.hash };
  }
  return { outcome, body, candidates: candidates.length, appended };
}

async function traceChange(index: LedgerIndex, merge: Indexed<MergeBody>, input: DrillInput & { readonly keys: readonly NoteVerifier[] }, links: Links): Promise<void> {
  const m = merge.body;
  links.ok('pull-request', `pull request #${m.pullRequest} of ${m.repository} merged as ${short(m.mergeCommit)} (${m.method}), head ${short(m.head)}: merge entry seq ${merge.at.seq} in ${index.location(merge.at.store)}`);

  // Analysis: the change.analyzed entry of the merged head.
  const analyses = index.analyses.filter((a) => a.body.head === m.head && sameRepository(m.repository, a.body.repository) && (a.body.pullRequest === null || a.body.pullRequest === m.pullRequest));
  const analysis = analyses.at(-1);
  if (analysis === undefined) {
    links.missing('analysis', `no change.analyzed entry for the merged head ${short(m.head)} of pull request #${m.pullRequest}: the change was merged unanalysed, or its analysis entry is missing`);
  } else {
    const declared = analysis.body.counts.hunks;
    const got = analysis.hunks.length;
    if (got < declared) links.missing('analysis', `change.analyzed seq ${analysis.at.seq} declares ${declared} hunks but only ${got} are in the ledgers (a change.hunks page is missing)`);
    else links.ok('analysis', `change.analyzed seq ${analysis.at.seq}: ${got} hunks, ${analysis.body.counts.addedLines} added lines, base ${short(analysis.body.base)}`);
  }

  // Evidence: every hunk that needed a statement has one, or a remediation declared it later.
  if (analysis !== undefined) evidenceLink(index, analysis, m, links);

  // Records: recorded evidence must point at record entries in the ledger.
  if (analysis !== undefined) {
    const recorded = analysis.hunks.filter((h) => h.hunk.evidence.includes('recorded'));
    if (recorded.length === 0) links.ok('records', 'no recorded evidence in the analysis: no capture record to trace');
    else {
      const records = index.recordsBefore(analysis);
      if (records.length === 0) links.missing('records', `${recorded.length} hunk(s) carry recorded evidence but no record entry of ${m.repository} precedes the analysis`);
      else links.ok('records', `${recorded.length} hunk(s) with recorded evidence; ${records.length} record entr${records.length === 1 ? 'y' : 'ies'} (${records.map((r) => r.body.digest.slice(0, 19)).join(', ')})`);
    }
  }

  // Inclusion proofs for every cited entry, then the checkpoint they end in, checked with the trusted keys.
  const cited: Located[] = [merge.at];
  if (analysis !== undefined) {
    cited.push(analysis.at);
    for (const h of analysis.hunks) if (h.page !== null && !cited.includes(h.page)) cited.push(h.page);
    for (const f of index.findings) if (f.at.store === analysis.at.store && f.body.change.seq === analysis.at.seq) cited.push(f.at);
  }
  const proofs: { at: Located; text: string }[] = [];
  const unproven: string[] = [];
  for (const at of cited) {
    try {
      const citation = await index.cite(at, true);
      proofs.push({ at, text: JSON.stringify(citation.proof) });
    } catch (err) {
      unproven.push(`${at.kind} seq ${at.seq}: ${describeError(err)}`);
    }
  }
  if (unproven.length > 0) links.missing('inclusion-proof', `no inclusion proof for ${unproven.join('; ')}`);
  else links.ok('inclusion-proof', `${proofs.length} entr${proofs.length === 1 ? 'y' : 'ies'} proven (seq ${proofs.map((p) => p.at.seq).join(', ')})`);
  if (proofs.length > 0) {
    const failed: string[] = [];
    let checkpoint = '';
    for (const p of proofs) {
      try {
        const v = verifyProof(p.text, input.keys);
        checkpoint = `${v.origin} size ${v.size} root ${v.root.slice(0, 16)}`;
      } catch (err) {
        failed.push(`${p.at.kind} seq ${p.at.seq}: ${err instanceof TrailmarkError ? `${err.code}: ` : ''}${describeError(err)}`);
      }
    }
    if (failed.length > 0) links.missing('checkpoint', `proofs do not verify against the trusted checkpoint keys: ${failed.join('; ')}`);
    else links.ok('checkpoint', `every proof verifies against the signed checkpoint ${checkpoint}`);
  }

  // Today's code: blame the change's files and count the lines still tied to this analysis.
  if (analysis !== undefined) await blameLink(index, analysis, m, input, links);
}

function evidenceLink(index: LedgerIndex, analysis: IndexedAnalysis, m: MergeBody, links: Links): void {
  const gaps: string[] = [];
  let stated = 0;
  for (const h of analysis.hunks) {
    if ((h.hunk.attribution?.length ?? 0) > 0) stated++;
    if (h.hunk.verdict !== 'unattested' && h.hunk.verdict !== 'contradicted') continue;
    const remediated = index.remediationsOf(analysis, h.hunk.path).some((r) => r.at.store !== analysis.at.store || r.at.seq > analysis.at.seq);
    if (!remediated) gaps.push(`${h.hunk.path}:${h.hunk.startLine}-${h.hunk.endLine} ${h.hunk.verdict}`);
  }
  if (gaps.length > 0) links.missing('evidence', `${gaps.length} hunk(s) of pull request #${m.pullRequest} without stated evidence and not remediated: ${gaps.slice(0, 8).join(', ')}${gaps.length > 8 ? ', …' : ''}`);
  else links.ok('evidence', `${analysis.hunks.length} hunk(s): ${stated} with stated evidence, none unattested or contradicted without remediation`);
}

async function blameLink(index: LedgerIndex, analysis: IndexedAnalysis, m: MergeBody, input: DrillInput, links: Links): Promise<void> {
  if (input.git === undefined) {
    links.unchecked('blame', `not checked: no clone to blame today's code in (${input.noClone ?? 'pass --repo'})`);
    return;
  }
  const rev = input.rev ?? 'HEAD';
  // Today's code contains the change only when its merge commit is in the history of rev.
  if (m.mergeCommit !== null && !(await input.git.isAncestor(m.mergeCommit, rev))) {
    links.missing('blame', `merge commit ${short(m.mergeCommit)} of pull request #${m.pullRequest} is not in the history of ${rev} in the clone`);
    return;
  }
  const paths = [...new Set(analysis.hunks.map((h) => h.hunk.path))];
  const checked = paths.slice(0, MAX_DRILL_BLAME_FILES);
  const added = (path: string) => analysis.hunks.filter((h) => h.hunk.path === path).reduce((n, h) => n + (h.hunk.addedLines ?? h.hunk.endLine - h.hunk.startLine + 1), 0);
  const parts: string[] = [];
  const errors: string[] = [];
  let still = 0;
  let total = 0;
  for (const path of checked) {
    const expected = added(path);
    total += expected;
    let report;
    let shown = path;
    try {
      report = await blameWithIndex(index, { repository: input.repository ?? m.repository, file: path, rev, git: input.git });
    } catch (err) {
      if (!(err instanceof UsageError && err.code === 'NOT_FOUND')) {
        errors.push(`${path}: ${describeError(err)}`);
        continue;
      }
      // Gone under its name: follow a rename made since the merge, else say it was deleted.
      const now = m.mergeCommit === null ? null : await input.git.renamedPath(path, m.mergeCommit, rev).catch(() => null);
      if (now === null) {
        parts.push(`${path}: deleted since (0 of ${expected} lines)`);
        continue;
      }
      shown = `${path} → ${now}`;
      try {
        report = await blameWithIndex(index, { repository: input.repository ?? m.repository, file: now, rev, git: input.git });
      } catch (err2) {
        errors.push(`${now}: ${describeError(err2)}`);
        continue;
      }
    }
    let lines = 0;
    for (const run of report.runs) {
      const ours = run.history.some((h) => h.analysis.seq === analysis.at.seq && h.analysis.ledger === index.location(analysis.at.store));
      if (ours) lines += run.endLine - run.startLine + 1;
    }
    still += lines;
    parts.push(lines >= expected ? `${shown}: all ${expected} lines still attributed` : `${shown}: ${lines} of ${expected} lines still attributed, ${expected - lines} changed since`);
  }
  if (paths.length > checked.length) parts.push(`${paths.length - checked.length} more file(s) not checked`);
  if (errors.length > 0) {
    links.missing('blame', `cannot blame today's code at ${rev}: ${errors.join('; ')}`);
    return;
  }
  links.ok('blame', `${still} of ${total} lines of pull request #${m.pullRequest} still attributed to it at ${rev}: ${parts.join('; ')}`);
}

// The LedgerSink port on a ledger branch (ledger-branch-store.ts), for the Action: appends at
// most once per idempotency key, and appends again on top of a concurrent writer when the
// branch's compare-and-swap fails.
//
// appendOnce(key): open the ledger (recovery), scan the committed entries for a body whose
// `job` is `key` (a re-run of the same analysis: nothing appended), else append. A lost race
// (LedgerError 'LOCKED': another run published first) re-reads the branch and tries again
// after a jittered backoff; entries are signed only over the state the commit is built on, so
// a retry never forks the chain. Cost of an uncontended append: get-ref, one GraphQL read,
// create-tree, create-commit, update-ref (create-ref for the first).
// Limit: the scan reads every committed entry (already fetched with entries.jsonl; lines that
// do not contain the quoted key are not parsed).
import { LedgerError } from '../core/errors.js';
import type { Clock, LedgerSink, Random } from '../core/ports.js';
import { openLedger, type AppendResult, type EntryDraft } from '../ledger/log.js';
import { parseSignerKey, type NoteSigner } from '../ledger/note.js';
import { appendOnceScanned } from '../engine/job-ledger.js';
import type { Sleep } from './client.js';
import type { GitHubClient } from './client.js';
import { LedgerBranchStore } from './ledger-branch-store.js';

export interface LedgerBranchSinkOptions {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  /** Names the writer in commit messages. */
  readonly holder: string;
  /** The signer, or its C2SP key text (`PRIVATE+KEY+…`, from a secret). */
  readonly signer: NoteSigner | string;
  /** Checkpoint origin; the signer's key name must equal it. Default: the key name. */
  readonly origin?: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly sleep: Sleep;
  /** Appends tried when other writers keep winning the race. Default 8. */
  readonly attempts?: number;
  /** First backoff; doubled per attempt, times a random factor in [1, 2). Default 500 ms. */
  readonly backoffMs?: number;
  readonly log?: (line: string) => void;
  /**
   * The `subject-key` secret: subject openings are committed sealed (docs/erasure.md). Without
   * it they are committed in clear, unless the branch already seals (then appends fail NO_KEY).
   */
  readonly subjectKey?: string;
  /** During a rotation, the previous secret(s): every append rewraps the keyring under `subjectKey`. */
  readonly subjectKeyPrevious?: readonly string[];
}

export function ledgerBranchSink(o: LedgerBranchSinkOptions): LedgerSink<EntryDraft, AppendResult> {
  const attempts = o.attempts ?? 8;
  const signer = typeof o.signer === 'string' ? parseSignerKey(o.signer) : o.signer;
  const origin = o.origin ?? signer.name;
  return {
    location: `${o.owner}/${o.repo}@${o.branch}`,
    origin,
    appendOnce: async (key, drafts) => {
      for (let attempt = 1; ; attempt++) {
        const store = new LedgerBranchStore({ client: o.client, owner: o.owner, repo: o.repo, branch: o.branch, holder: o.holder, random: o.random, ...(o.subjectKey === undefined ? {} : { subjectKey: o.subjectKey }), ...(o.subjectKeyPrevious === undefined ? {} : { subjectKeyPrevious: o.subjectKeyPrevious }) });
        if (attempt > 1) store.refresh();
        try {
          const ledger = await openLedger({ store, signer, origin, clock: o.clock, random: o.random });
          for (const r of ledger.repairedOnOpen) o.log?.(`ledger ${store.location} repaired on open: ${r.message}`);
          return await appendOnceScanned(ledger, key, drafts);
        } catch (err) {
          if (!(err instanceof LedgerError) || err.code !== 'LOCKED' || attempt >= attempts) throw err;
          const jitter = 1 + (o.random.bytes(1)[0]! / 256);
          const wait = Math.round((o.backoffMs ?? 500) * 2 ** (attempt - 1) * jitter);
          o.log?.(`ledger ${store.location}: another writer published first (${err.message}); appending again in ${wait} ms (attempt ${attempt + 1} of ${attempts})`);
          await o.sleep(wait);
        }
      }
    },
  };
}

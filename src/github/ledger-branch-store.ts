// A LedgerStore on a git branch of the repository, written through the git data API. The
// branch holds exactly the files of the directory store (entries.jsonl, checkpoint,
// checkpoints/<N>, subjects.jsonl, subject-keys.jsonl, tree-state.json), so `trailmark verify`
// works on a checkout.
// Subject openings: with `subjectSealing` (the Action's `subject-key` secret) every opening is
// committed sealed and its subject key only wrapped under the secret's KEK, in the same commit
// (ledger/store/subject-keys.ts). Git history keeps every earlier blob: an erased opening stays
// in history sealed, and its key stays in history wrapped, until the secret is rotated and the
// old one deleted (docs/erasure.md); a branch written before sealing keeps its clear blobs.
//
// Protocol (fewest requests the compare-and-swap allows):
//  - reading the branch: one `get-ref`, then one GraphQL query for the ledger files at that
//    commit (`object(expression: "<commit>:<path>")`, a fixed commit, so the files are
//    consistent with each other). Blobs GraphQL cuts (over 512,000 bytes) or that are not
//    UTF-8 text are read with `get-blob`.
//  - a lock session (`lock()` .. `release()`) stages every mutation in memory and publishes
//    them at `release()` (or `flush()`) as ONE commit: `create-tree` with inline content on the
//    base tree, `create-commit`, and `update-ref` with `force: false` (a compare-and-swap: it
//    succeeds only while the branch still points at the commit the session read) or
//    `create-ref` for the first commit. Uncontended append: get-ref, GraphQL, 3 writes.
//  - `lock()` serializes handles of this process on the same branch (a queue); across
//    processes the compare-and-swap decides. When it fails and a ledger file changed, the
//    session fails with LedgerError('LOCKED') and nothing is overwritten: the caller re-opens
//    the ledger and appends again (github/ledger-branch-sink.ts). When only other files
//    changed (a README commit), the commit is rebuilt on the new head and retried.
//    The branch is never force-updated, so entries are neither lost nor forked.
// Durability: a mutation is durable when the session's commit is published (release/flush),
// not when the method returns; Ledger.append returns only after release, so an append is
// reported exactly when its commit (entries and checkpoint together) is on the branch.
// Crash consistency: a crash before the ref update leaves unreferenced objects (inert); the
// ref update is the commit point, and entries, checkpoint and pointer change in one commit.
// Caching: a handle reads the branch once and then serves reads from that view plus its own
// staged writes; handles of one process on one client share the view. `refresh()` forgets it
// (after the branch was changed by something that is not a trailmark writer of this process).
// Invariant used to skip reads: a checkpoint `checkpoints/N` exists only with N <= the number
// of complete lines of the same commit (lines are durable before their checkpoint, truncation
// never goes below it); a branch that breaks it was not written by a ledger and fails verify.
// Limit: entries.jsonl is rewritten whole on each append (git has no append); get-blob serves
// up to 100 MB.
import { createHash } from 'node:crypto';
import { LedgerError } from '../core/errors.js';
import { MAX_LINE_BYTES } from '../ledger/entry.js';
import { NEWLINE, type LedgerStore, type StoreLock, type StoreTail } from '../ledger/store.js';
import { formatSubjectRecord, parseSubjectRecord, type SubjectRecord } from '../ledger/subjects.js';
import { formatWrappedKey, parseWrappedKey, type SubjectSealingStore, type SubjectsAtRest, type WrappedSubjectKey } from '../ledger/subject-seal.js';
import { SUBJECT_KEYS_FILE, subjectSealing, SubjectVault } from '../ledger/subject-vault.js';
import { systemRandom, type Random } from '../core/ports.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';

/** File names of the directory store (src/ledger/store/dir.ts LEDGER_FILES). */
const FILES = {
  entries: 'entries.jsonl',
  checkpoint: 'checkpoint',
  checkpoints: 'checkpoints/',
  subjects: 'subjects.jsonl',
  subjectKeys: SUBJECT_KEYS_FILE,
  treeState: 'tree-state.json',
} as const;
/** The files read with every view; a change to any of them by another writer is a conflict. */
const TRACKED = [FILES.entries, FILES.checkpoint, FILES.subjects, FILES.subjectKeys, FILES.treeState] as const;

/** Side files: plain top-level names that are not ledger files (`calibration.json`). */
function sideFile(name: string): string {
  if (!/^[a-z][a-z0-9-]*\.json$/.test(name) || (TRACKED as readonly string[]).includes(name)) throw contract(`side file ${JSON.stringify(name)} is not a plain name outside the ledger's files`);
  return name;
}

/** GitHub's GraphQL `Blob.text` is cut at this many bytes (observed; github-sim README). */
const GRAPHQL_BLOB_TEXT_MAX = 512_000;

export interface LedgerBranchStoreOptions {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** Branch name without `refs/heads/`. */
  readonly branch: string;
  /** Names this writer in commit messages (e.g. `run 123 attempt 1`). */
  readonly holder: string;
  /** Rebuilds of a commit on a head moved by a non-ledger commit. Default 5. */
  readonly casRetries?: number;
  /**
   * The `subject-key` secret: subject openings are committed sealed (docs/erasure.md). Without it
   * they are committed in clear, unless the branch already seals (then writing them fails NO_KEY).
   */
  readonly subjectKey?: string;
  /** During a rotation, the previous secret(s): every write rewraps the keyring under `subjectKey`. */
  readonly subjectKeyPrevious?: readonly string[];
  /** Subject keys and nonces (default: the system CSPRNG). */
  readonly random?: Random;
}

interface View {
  /** Head commit of the branch, null when the branch does not exist. */
  readonly commit: string | null;
  readonly tree: string | null;
  /** Contents of the tracked files (null: absent) and of checkpoints read so far. */
  readonly files: Map<string, Uint8Array | null>;
  /** Git blob ids of the tracked files (null: absent), for conflict detection. */
  readonly oids: Map<string, string | null>;
  /** Sizes of every checkpoint in the history, once listed. */
  checkpointSizes?: number[];
}

/** State shared by the handles of one process on one branch: the view and the lock queue. */
interface Shared {
  view: View | undefined;
  queue: Promise<void>;
}

const SHARED = new WeakMap<GitHubClient, Map<string, Shared>>();

function sharedOf(client: GitHubClient, key: string): Shared {
  let byKey = SHARED.get(client);
  if (byKey === undefined) SHARED.set(client, (byKey = new Map<string, Shared>()));
  let s = byKey.get(key);
  if (s === undefined) byKey.set(key, (s = { view: undefined, queue: Promise.resolve() }));
  return s;
}

const EMPTY_VIEW = (): View => ({ commit: null, tree: null, files: new Map(TRACKED.map((p) => [p, null])), oids: new Map(TRACKED.map((p) => [p, null])), checkpointSizes: [] });

function contract(message: string): LedgerError {
  return new LedgerError('STORE_CONTRACT', `ledger branch store contract violated: ${message}`);
}

/** The git blob id of `bytes` (SHA-1 over `blob <size>\0` and the bytes). */
function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Complete lines and the torn tail of a newline-terminated file. */
function splitComplete(bytes: Uint8Array): { lines: Uint8Array[]; torn: number; completeBytes: number } {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.byteLength; i++) {
    if (bytes[i] === NEWLINE) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return { lines, torn: bytes.byteLength - start, completeBytes: start };
}

function historySizes(paths: Iterable<string>): number[] {
  const sizes: number[] = [];
  for (const path of paths) {
    if (!path.startsWith(FILES.checkpoints)) continue;
    const name = path.slice(FILES.checkpoints.length);
    // Decimal tree sizes only, as the directory store names them.
    if (/^(0|[1-9][0-9]{0,15})$/.test(name)) sizes.push(Number(name));
  }
  return sizes.sort((a, b) => a - b);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes` when it is valid UTF-8 (inline tree content is UTF-8 text), else null. */
function utf8Text(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

interface GraphqlBlob {
  readonly __typename: string;
  readonly oid: string;
  readonly text?: string | null;
  readonly byteSize?: number;
  readonly isTruncated?: boolean;
}

export class LedgerBranchStore implements LedgerStore, SubjectSealingStore {
  readonly location: string;
  readonly #o: LedgerBranchStoreOptions;
  readonly #vault: SubjectVault;
  readonly #shared: Shared;
  /** Staged writes of the session this handle holds (path -> new content); null: not holding. */
  #pending: Map<string, Uint8Array> | null = null;
  /** The view the staged writes were computed on: the commit the compare-and-swap expects. */
  #base: View | undefined;

  constructor(options: LedgerBranchStoreOptions) {
    this.#o = options;
    this.location = `${options.owner}/${options.repo}@${options.branch}`;
    this.#shared = sharedOf(options.client, `${options.owner}/${options.repo}@${options.branch}`);
    this.#vault = new SubjectVault(subjectSealing(options.subjectKey, options.subjectKeyPrevious ?? [], options.random ?? systemRandom), this.location);
  }

  /** Forgets the cached view: the next read fetches the branch again. */
  refresh(): void {
    this.#shared.view = undefined;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** One get-ref and one GraphQL query (plus get-blob for cut or binary blobs). */
  async #load(): Promise<View> {
    const { client, owner, repo, branch } = this.#o;
    let commit: string;
    try {
      commit = (await client.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
    } catch (err) {
      if (httpStatusOf(err) === 404) return EMPTY_VIEW();
      throw err;
    }
    const paths = ['', ...TRACKED];
    const found = await this.#objects(paths.map((p) => `${commit}:${p}`));
    const root = found[0];
    if (root?.__typename !== 'Tree') throw new LedgerError('IO', `ledger branch ${branch} at ${commit} has no tree`);
    const files = new Map<string, Uint8Array | null>();
    const oids = new Map<string, string | null>();
    for (const [i, path] of TRACKED.entries()) {
      const blob = found[i + 1];
      if (blob === null || blob === undefined || blob.__typename !== 'Blob') {
        files.set(path, null);
        oids.set(path, null);
        continue;
      }
      files.set(path, await this.#blobBytes(blob));
      oids.set(path, blob.oid);
    }
    return { commit, tree: root.oid, files, oids };
  }

  /** Objects by `REV:PATH` expression, in order (null: absent), in one GraphQL query. */
  async #objects(expressions: readonly string[]): Promise<(GraphqlBlob | null)[]> {
    const { client, owner, repo } = this.#o;
    const vars = expressions.map((_, i) => `$e${i}: String!`).join(', ');
    const fields = expressions.map((_, i) => `f${i}: object(expression: $e${i}) { __typename oid ... on Blob { text byteSize isTruncated } }`).join(' ');
    const query = `query LedgerFiles($owner: String!, $name: String!, ${vars}) { repository(owner: $owner, name: $name) { ${fields} } }`;
    const variables = Object.fromEntries(expressions.map((e, i) => [`e${i}`, e]));
    const data = await client.graphql<{ repository: Record<string, GraphqlBlob | null> | null }>(query, { owner, name: repo, ...variables });
    if (data.repository === null) throw new LedgerError('IO', `repository ${owner}/${repo} is not readable through GraphQL`);
    return expressions.map((_, i) => data.repository![`f${i}`] ?? null);
  }

  /** A blob's bytes: GraphQL text when it is whole and UTF-8, else get-blob. */
  async #blobBytes(blob: GraphqlBlob): Promise<Uint8Array> {
    if (typeof blob.text === 'string' && blob.isTruncated !== true && (blob.byteSize ?? 0) < GRAPHQL_BLOB_TEXT_MAX) {
      const bytes = encoder.encode(blob.text);
      // A replacement character from invalid UTF-8 changes the size: then read the raw bytes.
      if (bytes.byteLength === blob.byteSize) return bytes;
    }
    const { client, owner, repo } = this.#o;
    const data = (await client.rest.git.getBlob({ owner, repo, file_sha: blob.oid })).data;
    return data.encoding === 'base64' ? new Uint8Array(Buffer.from(data.content, 'base64')) : encoder.encode(data.content);
  }

  async #view(): Promise<View> {
    return (this.#shared.view ??= await this.#load());
  }

  /** A file as this handle sees it: its staged write, else the view. */
  async #file(path: string): Promise<Uint8Array | null> {
    const staged = this.#pending?.get(path);
    if (staged !== undefined) return staged;
    const view = await this.#view();
    if (view.files.has(path)) return view.files.get(path)!;
    if (view.commit === null) return null;
    const [blob] = await this.#objects([`${view.commit}:${path}`]);
    const bytes = blob === null || blob === undefined || blob.__typename !== 'Blob' ? null : await this.#blobBytes(blob);
    view.files.set(path, bytes);
    return bytes;
  }

  async #entries(): Promise<{ bytes: Uint8Array; lines: Uint8Array[]; torn: number; completeBytes: number }> {
    const bytes = (await this.#file(FILES.entries)) ?? new Uint8Array(0);
    return { bytes, ...splitComplete(bytes) };
  }

  /** Lines of the published view (the invariant bound on its checkpoint sizes). */
  async #viewLines(): Promise<number> {
    const bytes = (await this.#view()).files.get(FILES.entries) ?? null;
    return bytes === null ? 0 : splitComplete(bytes).lines.length;
  }

  async tail(): Promise<StoreTail> {
    const { lines, torn } = await this.#entries();
    return { size: lines.length, tornBytes: torn };
  }

  async *readLines(from = 0): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(from) || from < 0) throw contract(`readLines from ${from}`);
    const { lines } = await this.#entries();
    for (const line of lines.slice(from)) yield Uint8Array.from(line);
  }

  async lastLine(): Promise<Uint8Array | null> {
    const last = (await this.#entries()).lines.at(-1);
    return last === undefined ? null : Uint8Array.from(last);
  }

  async readCheckpoint(): Promise<string | null> {
    const bytes = await this.#file(FILES.checkpoint);
    return bytes === null ? null : decoder.decode(bytes);
  }

  async listCheckpoints(): Promise<number[]> {
    const view = await this.#view();
    if (view.checkpointSizes === undefined) {
      if ((await this.#viewLines()) === 0) view.checkpointSizes = [];
      else {
        // Rare (a lost pointer, recovery below the published lines): one recursive listing.
        const { client, owner, repo, branch } = this.#o;
        const listing = (await client.rest.git.getTree({ owner, repo, tree_sha: view.tree!, recursive: 'true' })).data;
        if (listing.truncated) throw new LedgerError('IO', `the tree of ledger branch ${branch} is too large for the git trees API`);
        view.checkpointSizes = historySizes(listing.tree.filter((t) => t.type === 'blob' && t.path !== undefined).map((t) => t.path));
      }
    }
    const staged = historySizes(this.#pending?.keys() ?? []);
    return [...new Set([...view.checkpointSizes, ...staged])].sort((a, b) => a - b);
  }

  async readCheckpointAt(size: number): Promise<string | null> {
    if (!Number.isSafeInteger(size) || size < 0) return null;
    const path = `${FILES.checkpoints}${size}`;
    const staged = this.#pending?.get(path);
    if (staged !== undefined) return decoder.decode(staged);
    // By the invariant above, no published checkpoint is larger than the published lines.
    if (size > (await this.#viewLines())) return null;
    const bytes = await this.#file(path);
    return bytes === null ? null : decoder.decode(bytes);
  }

  async readTreeState(): Promise<string | null> {
    const bytes = await this.#file(FILES.treeState);
    return bytes === null ? null : decoder.decode(bytes);
  }

  /** Records of a JSONL side file; a torn last record (no newline) is ignored, as the directory store does. */
  async #jsonl<T>(path: string, parse: (text: string) => T | null): Promise<T[]> {
    const bytes = await this.#file(path);
    if (bytes === null) return [];
    const out: T[] = [];
    for (const line of splitComplete(bytes).lines) {
      const record = parse(decoder.decode(line));
      if (record !== null) out.push(record);
    }
    return out;
  }

  async #keyring(): Promise<WrappedSubjectKey[]> {
    return this.#jsonl(FILES.subjectKeys, parseWrappedKey);
  }

  async readSubjects(): Promise<SubjectRecord[]> {
    return this.#vault.open(await this.#jsonl(FILES.subjects, parseSubjectRecord), await this.#keyring());
  }

  async subjectsAtRest(): Promise<SubjectsAtRest> {
    return this.#vault.atRest(await this.#jsonl(FILES.subjects, parseSubjectRecord), await this.#keyring());
  }

  /** The latest checkpoint size of the published view and the staged writes; listing only when `atOrBelow` needs it. */
  async #latestAbove(size: number): Promise<number | undefined> {
    const staged = historySizes(this.#pending?.keys() ?? []).at(-1);
    // Published checkpoints are at most the published lines: no listing needed above them.
    const published = size >= (await this.#viewLines()) ? undefined : (await this.listCheckpoints()).at(-1);
    const latest = Math.max(staged ?? -1, published ?? -1);
    return latest < 0 ? undefined : latest;
  }

  /**
   * A file kept next to the ledger that is not part of it (`calibration.json`): its text, or
   * null. Read with the branch's view (one GraphQL query the first time).
   */
  async readSideFile(name: string): Promise<string | null> {
    const bytes = await this.#file(sideFile(name));
    return bytes === null ? null : decoder.decode(bytes);
  }

  // ---- writing (staged until release/flush) ----------------------------------------------------

  /** Stages a side file (see readSideFile) into the session's commit; never a ledger file. */
  async writeSideFile(name: string, text: string): Promise<void> {
    this.#requirePending('writeSideFile');
    await this.#stage(sideFile(name), encoder.encode(text));
  }

  #requirePending(op: string): Map<string, Uint8Array> {
    if (this.#pending === null) throw contract(`${op} without holding the lock`);
    return this.#pending;
  }

  /** Stages one write; the first one of a session fixes the view the commit is built on. */
  async #stage(path: string, bytes: Uint8Array): Promise<void> {
    const pending = this.#requirePending('write');
    if (pending.size === 0) this.#base = await this.#view();
    pending.set(path, bytes);
  }

  async append(lines: readonly Uint8Array[]): Promise<void> {
    this.#requirePending('append');
    const entries = await this.#entries();
    if (entries.torn > 0) throw contract('append over a torn tail (truncate it first)');
    lines.forEach((line, i) => {
      const index = entries.lines.length + i;
      if (line.byteLength === 0) throw contract(`empty line at index ${index}`);
      if (line.includes(NEWLINE)) throw contract(`line at index ${index} contains a newline`);
      if (line.byteLength > MAX_LINE_BYTES) throw contract(`line at index ${index} is ${line.byteLength} bytes`);
    });
    if (lines.length === 0) return;
    await this.#stage(FILES.entries, concat(entries.bytes, ...lines.flatMap((line) => [line, Uint8Array.of(NEWLINE)])));
  }

  async truncate(size: number): Promise<number> {
    this.#requirePending('truncate');
    if (!Number.isSafeInteger(size) || size < 0) throw contract(`truncate to ${size}`);
    const latest = await this.#latestAbove(size);
    if (latest !== undefined && size < latest) throw contract(`truncate to ${size} below the checkpoint at size ${latest}`);
    const entries = await this.#entries();
    let keep = 0;
    for (const line of entries.lines.slice(0, size)) keep += line.byteLength + 1;
    const removed = entries.bytes.byteLength - keep;
    if (removed > 0) await this.#stage(FILES.entries, entries.bytes.slice(0, keep));
    return removed;
  }

  async writeCheckpoint(size: number, text: string): Promise<void> {
    this.#requirePending('writeCheckpoint');
    const { lines } = await this.#entries();
    if (size !== lines.length) throw contract(`checkpoint for size ${size} over ${lines.length} lines`);
    const latest = await this.#latestAbove(size);
    if (latest !== undefined && size < latest) throw contract(`checkpoint size ${size} smaller than the latest ${latest}`);
    const old = await this.readCheckpointAt(size);
    if (old !== null && old !== text) throw contract(`checkpoint at size ${size} replaced by a different one`);
    const bytes = encoder.encode(text);
    await this.#stage(`${FILES.checkpoints}${size}`, bytes);
    await this.#stage(FILES.checkpoint, bytes);
  }

  async writeTreeState(text: string): Promise<void> {
    this.#requirePending('writeTreeState');
    await this.#stage(FILES.treeState, encoder.encode(text));
  }

  /** Stages `lines` appended after the complete lines of a JSONL side file. */
  async #appendJsonl(path: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const old = (await this.#file(path)) ?? new Uint8Array(0);
    await this.#stage(path, concat(old.slice(0, splitComplete(old).completeBytes), encoder.encode(lines.map((l) => `${l}\n`).join(''))));
  }

  // Keyring and records are staged into the same commit: they change together or not at all.
  async appendSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requirePending('appendSubjects');
    if (records.length === 0) return;
    const sealed = this.#vault.sealAppend(records, await this.#keyring());
    if (sealed.replaceKeyring) await this.#stage(FILES.subjectKeys, encoder.encode(sealed.keys.map((k) => `${formatWrappedKey(k)}\n`).join('')));
    else await this.#appendJsonl(FILES.subjectKeys, sealed.keys.map(formatWrappedKey));
    await this.#appendJsonl(FILES.subjects, sealed.records.map(formatSubjectRecord));
  }

  async rewriteSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requirePending('rewriteSubjects');
    const keyring = await this.#keyring();
    const sealed = this.#vault.sealRewrite(records, keyring);
    if (keyring.length > 0 || sealed.keyring.length > 0) await this.#stage(FILES.subjectKeys, encoder.encode(sealed.keyring.map((k) => `${formatWrappedKey(k)}\n`).join('')));
    await this.#stage(FILES.subjects, encoder.encode(sealed.records.map((r) => `${formatSubjectRecord(r)}\n`).join('')));
  }

  /** Publishes the staged writes now (one commit); the session stays open. */
  async flush(): Promise<void> {
    const pending = this.#requirePending('flush');
    if (pending.size === 0) return;
    await this.#publish(pending, this.#base!);
    pending.clear();
  }

  /**
   * Publishes `changes` as one commit with a compare-and-swap ref update; rebuilds it on a head
   * moved by a commit that changed no ledger file.
   */
  async #publish(changes: ReadonlyMap<string, Uint8Array>, staged: View): Promise<void> {
    const { client, owner, repo, branch, holder } = this.#o;
    const sorted = [...changes].sort(([a], [b]) => (a < b ? -1 : 1));
    // Inline content when the file is UTF-8 text (always, for files the ledger writes); a blob otherwise.
    const items: { path: string; mode: '100644'; type: 'blob'; content?: string; sha?: string }[] = [];
    for (const [path, bytes] of sorted) {
      const text = utf8Text(bytes);
      if (text !== null) items.push({ path, mode: '100644', type: 'blob', content: text });
      else items.push({ path, mode: '100644', type: 'blob', sha: (await client.rest.git.createBlob({ owner, repo, content: Buffer.from(bytes).toString('base64'), encoding: 'base64' })).data.sha });
    }
    const message = `ledger: ${sorted.map(([p]) => p).join(', ')}\n\nwriter: ${holder.replace(/[\r\n]/g, ' ')}\n`;
    let base = staged;
    const retries = this.#o.casRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const tree = (await client.rest.git.createTree({ owner, repo, ...(base.tree === null ? {} : { base_tree: base.tree }), tree: items })).data.sha;
      const commit = (await client.rest.git.createCommit({ owner, repo, message, tree, parents: base.commit === null ? [] : [base.commit] })).data.sha;
      try {
        if (base.commit === null) await client.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
        else await client.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false });
      } catch (err) {
        if (httpStatusOf(err) !== 422) throw err;
        // The branch moved under us. Safe to rebuild only if no ledger file changed there.
        const moved = await this.#load();
        const changed = TRACKED.filter((p) => base.oids.get(p) !== moved.oids.get(p));
        if (changed.length > 0 || attempt >= retries) {
          this.#shared.view = moved;
          throw new LedgerError('LOCKED', `ledger branch ${branch} was changed by another writer (${changed.length > 0 ? `files ${changed.join(', ')}` : `${attempt + 1} conflicting updates`}); nothing was overwritten`, {
            hint: 'append again: the ledger is re-read and the entries are signed on top of the other writer\'s',
          });
        }
        base = moved;
        continue;
      }
      const files = new Map(base.files);
      const oids = new Map(base.oids);
      for (const [path, bytes] of changes) {
        files.set(path, bytes);
        if (oids.has(path)) oids.set(path, blobId(bytes));
      }
      const published: View = { commit, tree, files, oids };
      if (base.checkpointSizes !== undefined) published.checkpointSizes = [...new Set([...base.checkpointSizes, ...historySizes(changes.keys())])].sort((a, b) => a - b);
      this.#shared.view = published;
      return;
    }
  }

  // ---- the writer lock -----------------------------------------------------------------------

  async lock(): Promise<StoreLock> {
    if (this.#pending !== null) throw contract('lock() while this store already holds the lock (not re-entrant)');
    // Queue behind the previous holder of this process; across processes the ref update decides.
    let releaseTurn!: () => void;
    const turn = new Promise<void>((resolve) => (releaseTurn = resolve));
    const previous = this.#shared.queue;
    this.#shared.queue = previous.then(() => turn);
    await previous;
    this.#pending = new Map();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        const pending = this.#pending!;
        this.#pending = null;
        try {
          if (pending.size > 0) await this.#publish(pending, this.#base!);
        } finally {
          releaseTurn();
        }
      },
    };
  }
}

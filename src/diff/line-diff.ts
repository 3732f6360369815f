// Line diff (Myers' O((N+M)D) greedy algorithm) turning two versions of a file into the
// contiguous changes a `git diff -U0` would show. Used to cut real human edits out of consecutive
// releases of a package (eval/corpus.ts) and to carry working per-line attribution from one
// version of a file to the next (capture/attribution.ts). Pure. Deterministic and minimal (fewest inserted plus deleted lines); among
// equally short scripts the choice is the algorithm's, which may differ from git's.

/** One contiguous change. Starts are 1-based; a count of 0 means a pure insertion or deletion. */
export interface LineChange {
  /** First deleted line in the old version (or the line after which lines were inserted). */
  readonly oldStart: number;
  readonly oldCount: number;
  /** First added line in the new version (or the line after which lines were deleted). */
  readonly newStart: number;
  readonly newCount: number;
}

type Op = 0 | 1 | 2; // 0 equal, 1 delete (from a), 2 insert (from b)

/**
 * The changes turning `a` into `b`, in order. Undefined when more than `maxEdits` lines differ:
 * such rewrites are not edits worth sampling and would cost quadratic time.
 */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 2000): LineChange[] | undefined {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const x = a.slice(prefix, a.length - suffix);
  const y = b.slice(prefix, b.length - suffix);
  const ops = myers(x, y, maxEdits);
  if (ops === undefined) return undefined;

  const changes: LineChange[] = [];
  let i = prefix; // lines of a consumed
  let j = prefix; // lines of b consumed
  for (let k = 0; k < ops.length; ) {
    if (ops[k] === 0) {
      i++;
      j++;
      k++;
      continue;
    }
    const oldStart = i;
    const newStart = j;
    while (k < ops.length && ops[k] !== 0) {
      if (ops[k] === 1) i++;
      else j++;
      k++;
    }
    const oldCount = i - oldStart;
    const newCount = j - newStart;
    changes.push({
      oldStart: oldCount === 0 ? oldStart : oldStart + 1,
      oldCount,
      newStart: newCount === 0 ? newStart : newStart + 1,
      newCount,
    });
  }
  return changes;
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const limit = Math.min(max, maxEdits);
  const offset = limit + 1;
  let v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let xPos = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))
        ? (v[offset + k + 1] as number)
        : (v[offset + k - 1] as number) + 1;
      let yPos = xPos - k;
      while (xPos < n && yPos < m && a[xPos] === b[yPos]) {
        xPos++;
        yPos++;
      }
      next[offset + k] = xPos;
      if (xPos >= n && yPos >= m) return backtrack(trace, offset, n, m, d, k);
    }
    v = next;
  }
  return undefined;
}

function backtrack(trace: readonly Int32Array[], offset: number, n: number, m: number, dEnd: number, kEnd: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  let k = kEnd;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d] as Int32Array;
    const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY && x > (down ? prevX : prevX + 1)) {
      ops.push(0);
      x--;
      y--;
    }
    if (down) {
      ops.push(2);
      y--;
    } else {
      ops.push(1);
      x--;
    }
    k = prevK;
  }
  while (x > 0 && y > 0) {
    ops.push(0);
    x--;
    y--;
  }
  return ops.reverse();
}

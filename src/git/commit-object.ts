// Raw commit objects (as `git cat-file` returns them) to Commit values. Reading the object
// itself, rather than `git log --format`, keeps messages byte-exact whatever they contain
// (NUL bytes, control characters, a megabyte of text) and needs no separator that a message
// could forge. ATTACKER-CONTROLLED: every header and the message.

import type { Commit, Person } from '../core/types.js';

const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function parseCommitObject(sha: string, raw: Buffer): Commit {
  const split = raw.indexOf('\n\n');
  const headerEnd = split === -1 ? raw.length : split;
  const headers = raw.toString('utf8', 0, headerEnd).split('\n');
  const parents: string[] = [];
  let author: string | undefined;
  let committer: string | undefined;
  let encoding: string | undefined;
  for (const line of headers) {
    // Continuation lines of multi-line headers (gpgsig, mergetag) start with a space.
    if (line.startsWith(' ')) continue;
    const space = line.indexOf(' ');
    if (space === -1) continue;
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'parent') parents.push(value);
    else if (key === 'author' && author === undefined) author = value;
    else if (key === 'committer' && committer === undefined) committer = value;
    else if (key === 'encoding' && encoding === undefined) encoding = value;
  }
  const messageBytes = split === -1 ? Buffer.alloc(0) : raw.subarray(split + 2);
  const a = parseIdent(author ?? '');
  const c = parseIdent(committer ?? '');
  return {
    sha,
    parents,
    author: a.person,
    committer: c.person,
    authorDate: a.date,
    message: decodeMessage(messageBytes, encoding),
  };
}

/** `i18n.commitEncoding` messages are re-encoded as git log would; unknown labels fall back to UTF-8. */
function decodeMessage(bytes: Buffer, encoding: string | undefined): string {
  if (encoding !== undefined) {
    try {
      return new TextDecoder(encoding.trim(), { fatal: false, ignoreBOM: true }).decode(bytes);
    } catch {
      // Unsupported label: fall through to UTF-8.
    }
  }
  return UTF8.decode(bytes);
}

/** `Name <email> <seconds> <±hhmm>`, split as git's split_ident_line does (first '<', next '>'). */
export function parseIdent(value: string): { person: Person; date: string } {
  const lt = value.indexOf('<');
  const gt = lt === -1 ? -1 : value.indexOf('>', lt + 1);
  if (lt === -1 || gt === -1) return { person: { name: value.trim(), email: '' }, date: rfc3339(0, '+0000') };
  const [seconds, tz] = value.slice(gt + 1).trim().split(' ');
  return {
    person: { name: value.slice(0, lt).trim(), email: value.slice(lt + 1, gt) },
    date: rfc3339(Number(seconds ?? '0'), tz ?? '+0000'),
  };
}

/** Git's strict ISO 8601 (`%aI`): local time of the recorded offset, e.g. 2026-01-01T01:00:00+01:00. */
export function rfc3339(seconds: number, tz: string): string {
  const valid = tz.length === 5 && (tz[0] === '+' || tz[0] === '-') && [...tz.slice(1)].every((d) => d >= '0' && d <= '9');
  const zone = valid ? tz : '+0000';
  const minutes = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const ms = (Number.isFinite(seconds) ? seconds : 0) * 1000 + minutes * 60_000;
  const date = new Date(ms);
  const iso = Number.isNaN(date.getTime()) ? '1970-01-01T00:00:00' : date.toISOString().slice(0, 19);
  return `${iso}${zone.slice(0, 3)}:${zone.slice(3, 5)}`;
}

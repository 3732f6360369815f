// Where capture keeps its local state. Nothing here is committed to the repository.
//
// Per user (TRAILMARK_HOME, default $XDG_STATE_HOME/trailmark, else ~/.local/state/trailmark):
//   device.json      this device's random id (the collector numbers records per device)
//   spool/           the durable append-only spool (spool.ts) and its push cursor
//   collectors.json  upload tokens per collector URL (push.ts), mode 0600
//   detail/          the detailed tier: redacted, encrypted prompt/output blobs and their key (detail.ts)
//   capture.log      errors of hooks (a hook never fails the agent's action)
// Per repository (<git common dir>/trailmark/):
//   attribution/     working per-line attribution of uncommitted files (attribution.ts)
//   records.jsonl    committed Agent Trace records, read by `trailmark scan` as recorded evidence
import { homedir } from 'node:os';
import { join } from 'node:path';

export function trailmarkHome(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['TRAILMARK_HOME'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const state = env['XDG_STATE_HOME'];
  return join(state !== undefined && state !== '' ? state : join(homedir(), '.local', 'state'), 'trailmark');
}

export const homePaths = (home: string) => ({
  device: join(home, 'device.json'),
  spool: join(home, 'spool'),
  collectors: join(home, 'collectors.json'),
  detail: join(home, 'detail'),
  log: join(home, 'capture.log'),
});

/** `gitCommonDir` is `git rev-parse --git-common-dir`, absolute. */
export const repoPaths = (gitCommonDir: string) => ({
  root: join(gitCommonDir, 'trailmark'),
  attribution: join(gitCommonDir, 'trailmark', 'attribution'),
  records: join(gitCommonDir, 'trailmark', 'records.jsonl'),
});

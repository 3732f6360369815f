// Capture records committed with a change, read over the contents API at its head revision:
// the Agent Trace file (one request; 404 when the change carries none).
import type { RawRecord } from '../core/ports.js';
import { AGENT_TRACE_PATH } from '../engine/review.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';

export { AGENT_TRACE_PATH };

/** Record files larger than this are not read (ours; the raw contents API serves up to 100 MB). */
export const MAX_RECORD_FILE_BYTES = 16 * 1024 * 1024;

/** The Agent Trace file at `head`, as a raw record; none when absent or over the size cap (logged). */
export async function agentTraceAtHead(client: GitHubClient, owner: string, repo: string, head: string, log: (line: string) => void): Promise<RawRecord[]> {
  let text: unknown;
  try {
    const res = await client.rest.repos.getContent({ owner, repo, path: AGENT_TRACE_PATH, ref: head, mediaType: { format: 'raw' } });
    text = res.data;
  } catch (err) {
    if (httpStatusOf(err) === 404) return [];
    throw err;
  }
  if (typeof text !== 'string' || Buffer.byteLength(text) > MAX_RECORD_FILE_BYTES) {
    log(`trailmark: ${AGENT_TRACE_PATH} at ${head} is not read (over ${MAX_RECORD_FILE_BYTES} bytes)`);
    return [];
  }
  return [{ format: 'agent-trace', origin: `${AGENT_TRACE_PATH}@${head.slice(0, 12)}`, text }];
}

// Reads the repository config file at a given revision through the contents API. The Action
// reads it at the base revision, so a pull request cannot weaken its own policy.
import { ConfigError } from '../core/errors.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';

/** A config file larger than this is refused (ours; the contents API serves up to 1 MB as JSON). */
export const CONFIG_MAX_BYTES = 256 * 1024;

/** The file's text at `ref`, or null when it does not exist there. */
export async function readRepositoryFile(client: GitHubClient, owner: string, repo: string, path: string, ref: string): Promise<string | null> {
  let data;
  try {
    data = (await client.rest.repos.getContent({ owner, repo, path, ref })).data;
  } catch (err) {
    if (httpStatusOf(err) === 404) return null;
    throw err;
  }
  if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
    throw new ConfigError('CONFIG_UNREADABLE', `${path} at ${ref} is not a file`, { hint: 'point the `config` input at a YAML file' });
  }
  if (data.size > CONFIG_MAX_BYTES || data.encoding !== 'base64') {
    throw new ConfigError('CONFIG_UNREADABLE', `${path} at ${ref} is ${data.size} bytes, over the ${CONFIG_MAX_BYTES}-byte limit`, { hint: 'keep the config file small' });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data.content, 'base64'));
  } catch (err) {
    throw new ConfigError('CONFIG_UNREADABLE', `${path} at ${ref} is not valid UTF-8`, { cause: err, hint: 'save the config file as UTF-8' });
  }
}

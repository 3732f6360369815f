// The organization-wide config: the same path in the owner's `.github` repository, at its
// default branch (the fallback when a repository has no config file of its own).
import { ConfigError } from '../core/errors.js';
import type { GitHubClient } from './client.js';
import { CONFIG_MAX_BYTES } from './config.js';
import { httpStatusOf } from './errors.js';

/** The repository holding organization defaults (GitHub's community health file convention). */
export const ORGANIZATION_CONFIG_REPOSITORY = '.github';

export async function readOrganizationFile(client: GitHubClient, owner: string, path: string): Promise<string | null> {
  let data;
  try {
    data = (await client.rest.repos.getContent({ owner, repo: ORGANIZATION_CONFIG_REPOSITORY, path })).data;
  } catch (err) {
    if (httpStatusOf(err) === 404) return null;
    throw err;
  }
  const where = `${owner}/${ORGANIZATION_CONFIG_REPOSITORY}:${path}`;
  if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) throw new ConfigError('CONFIG_UNREADABLE', `${where} is not a file`, { hint: 'make it a YAML file' });
  if (data.size > CONFIG_MAX_BYTES || data.encoding !== 'base64') throw new ConfigError('CONFIG_UNREADABLE', `${where} is ${data.size} bytes, over the ${CONFIG_MAX_BYTES}-byte limit`, { hint: 'keep the config file small' });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data.content, 'base64'));
  } catch (err) {
    throw new ConfigError('CONFIG_UNREADABLE', `${where} is not valid UTF-8`, { cause: err, hint: 'save the config file as UTF-8' });
  }
}

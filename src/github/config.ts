// Reads the repository config file at a given revision through the contents API, and the
// PolicySource port over it (base revision, then the organization's `.github` repository).
import { ConfigError } from '../core/errors.js';
import type { PolicyLookup, PolicySource } from '../core/ports.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';
import { ORGANIZATION_CONFIG_REPOSITORY, readOrganizationFile } from './org-config.js';

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

export interface GitHubPolicySourceOptions {
  readonly owner: string;
  readonly repo: string;
  /** Repository path of the policy file. */
  readonly path: string;
  /** The base revision: a change cannot weaken its own policy. */
  readonly base: string;
}

/**
 * The policy source over the contents API: the file at the base revision, then the same path
 * in the organization's `.github` repository. A GITHUB_TOKEN is scoped to its own repository,
 * so 403 and 404 from the organization's repository mean "no organization policy", with why.
 */
export function gitHubPolicySource(client: GitHubClient, o: GitHubPolicySourceOptions): PolicySource {
  return {
    atBase: async (): Promise<PolicyLookup> => {
      const text = await readRepositoryFile(client, o.owner, o.repo, o.path, o.base);
      return text === null ? { found: false, why: `${o.path} does not exist at ${o.base}` } : { found: true, text, source: `${o.path}@${o.base}` };
    },
    organization: async (): Promise<PolicyLookup> => {
      const where = `${o.owner}/${ORGANIZATION_CONFIG_REPOSITORY}:${o.path}`;
      try {
        const text = await readOrganizationFile(client, o.owner, o.path);
        return text === null ? { found: false, why: `${where} does not exist` } : { found: true, text, source: where };
      } catch (err) {
        const status = httpStatusOf(err);
        if (status === 403 || status === 404) return { found: false, why: `${where} is not readable with this token (HTTP ${status}; a GITHUB_TOKEN can read only its own repository)` };
        throw err;
      }
    },
  };
}

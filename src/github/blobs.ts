// File contents at a revision, many per request: GraphQL `object(expression: "REV:PATH")` under
// numbered aliases, BLOBS_PER_GRAPHQL_QUERY per query. Paths are attacker-controlled: they travel
// only as GraphQL variables, never in the query text. Blobs GitHub truncates or may have decoded
// lossily are read again, exactly, over REST (git/blobs, base64).
import { GitHubError } from '../core/errors.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';
import { BLOBS_PER_GRAPHQL_QUERY } from './limits.js';

export type BlobContent =
  | { readonly kind: 'text'; readonly text: string; readonly size: number; readonly invalidUtf8: boolean }
  | { readonly kind: 'binary'; readonly size: number }
  | { readonly kind: 'too-large'; readonly size: number }
  /** No such path at the revision, or not a file (a submodule, a directory). */
  | { readonly kind: 'missing' };

export interface ReadBlobsOptions {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** A commit id (or any revision GitHub resolves). */
  readonly rev: string;
  /** Files larger than this are not read (`too-large`). */
  readonly maxBytes: number;
  readonly perQuery?: number;
}

/** What GraphQL answers for one alias. Every string is attacker-controlled. */
interface GraphQlObject {
  readonly __typename?: string;
  readonly oid?: string;
  readonly byteSize?: number;
  readonly isBinary?: boolean | null;
  readonly isTruncated?: boolean;
  readonly text?: string | null;
}

/** The query for `count` aliases: the text depends only on the count. */
export function blobQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, k) => `$e${k}: String!`).join(', ');
  const fields = Array.from({ length: count }, (_, k) => `f${k}: object(expression: $e${k}) { __typename ... on Blob { oid byteSize isBinary isTruncated text } }`).join(' ');
  return `query trailmarkBlobs($owner: String!, $name: String!, ${vars}) { repository(owner: $owner, name: $name) { ${fields} } }`;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENIENT_UTF8 = new TextDecoder('utf-8');

function decode(bytes: Uint8Array): BlobContent {
  try {
    return { kind: 'text', text: STRICT_UTF8.decode(bytes), size: bytes.byteLength, invalidUtf8: false };
  } catch {
    return { kind: 'text', text: LENIENT_UTF8.decode(bytes), size: bytes.byteLength, invalidUtf8: true };
  }
}

/**
 * Contents of `paths` at `rev`, by path. One GraphQL request per BLOBS_PER_GRAPHQL_QUERY paths,
 * plus one REST request per blob that GraphQL truncated (over 512,000 bytes) or whose text holds
 * a replacement character while its UTF-8 length differs from the blob size (GitHub decoded
 * invalid UTF-8: the exact bytes are needed to say so).
 */
export async function readBlobs(paths: readonly string[], options: ReadBlobsOptions): Promise<Map<string, BlobContent>> {
  const { client, owner, repo, rev, maxBytes } = options;
  const perQuery = options.perQuery ?? BLOBS_PER_GRAPHQL_QUERY;
  const out = new Map<string, BlobContent>();
  const unique = [...new Set(paths)];
  for (let start = 0; start < unique.length; start += perQuery) {
    const batch = unique.slice(start, start + perQuery);
    const variables: Record<string, string> = { owner, name: repo };
    batch.forEach((path, k) => (variables[`e${k}`] = `${rev}:${path}`));
    const data = await graphql(client, blobQuery(batch.length), variables);
    for (let k = 0; k < batch.length; k++) {
      const path = batch[k]!;
      const object = data.repository?.[`f${k}`] ?? null;
      out.set(path, await blobContent(object, options, maxBytes));
    }
  }
  return out;
}

async function blobContent(object: GraphQlObject | null, options: ReadBlobsOptions, maxBytes: number): Promise<BlobContent> {
  if (object === null || object.__typename !== 'Blob' || typeof object.byteSize !== 'number') return { kind: 'missing' };
  const size = object.byteSize;
  if (size > maxBytes) return { kind: 'too-large', size };
  if (object.isBinary === true) return { kind: 'binary', size };
  const text = object.text;
  if (typeof text === 'string' && object.isTruncated !== true && !(text.includes('\uFFFD') && Buffer.byteLength(text) !== size)) {
    return { kind: 'text', text, size, invalidUtf8: false };
  }
  if (typeof object.oid !== 'string') return { kind: 'missing' };
  return restBlob(options, object.oid, size);
}

async function restBlob(options: ReadBlobsOptions, oid: string, size: number): Promise<BlobContent> {
  const { client, owner, repo } = options;
  let data;
  try {
    data = (await client.rest.git.getBlob({ owner, repo, file_sha: oid })).data;
  } catch (err) {
    if (httpStatusOf(err) === 404) return { kind: 'missing' };
    throw err;
  }
  if (data.encoding !== 'base64' || typeof data.content !== 'string') return { kind: 'too-large', size };
  const bytes = Buffer.from(data.content, 'base64');
  // Git's binary test: a NUL byte in the first 8,000 bytes (GitHub's isBinary when it said nothing).
  if (bytes.subarray(0, 8000).includes(0)) return { kind: 'binary', size: bytes.byteLength };
  return decode(bytes);
}

interface BlobQueryData {
  readonly repository: Readonly<Record<string, GraphQlObject | null>> | null;
}

/** One GraphQL request; errors in the answer (GitHub answers them with HTTP 200) become GitHubError. */
async function graphql(client: GitHubClient, query: string, variables: Record<string, string>): Promise<BlobQueryData> {
  try {
    return await client.graphql<BlobQueryData>(query, variables);
  } catch (err) {
    if (err instanceof GitHubError) throw err;
    const errors: unknown = (err as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) throw err;
    const first = (errors[0] ?? {}) as { type?: unknown; message?: unknown };
    const type = typeof first.type === 'string' ? first.type.slice(0, 40) : 'UNKNOWN';
    const code = type === 'RATE_LIMITED' ? 'GITHUB_RATE_LIMIT' : type === 'FORBIDDEN' || type === 'NOT_FOUND' ? 'GITHUB_FORBIDDEN' : 'GITHUB_HTTP';
    throw new GitHubError(code, `github graphql blob read failed (${type}): ${typeof first.message === 'string' ? first.message.slice(0, 200) : ''}`, {
      cause: err,
      hint: code === 'GITHUB_FORBIDDEN' ? 'the token needs `contents: read`' : code === 'GITHUB_RATE_LIMIT' ? 'the GraphQL rate limit was exhausted; re-run the job later' : 'GitHub failed to answer; re-run the job',
    });
  }
}

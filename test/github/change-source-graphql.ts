// GitHub's GraphQL endpoint at the HTTP edge for unit tests: every query is parsed and validated
// against GitHub's public schema (@octokit/graphql-schema, with the reference `graphql`
// implementation, both from the simulator's installed copy), its variables must all be given as
// strings, and blob lookups `object(expression: "REV:PATH")` are answered from a table.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { installSim, simUnavailable } from '../support/github-sim.js';

interface GraphQlModule {
  buildClientSchema(introspection: unknown): unknown;
  parse(source: string): { definitions: readonly { kind: string; variableDefinitions?: readonly unknown[] }[] };
  validate(schema: unknown, document: unknown): readonly { message: string }[];
  getVariableValues(schema: unknown, definitions: readonly unknown[], values: Record<string, unknown>): { errors?: readonly { message: string }[] };
}

let loaded: Promise<{ graphql: GraphQlModule; schema: unknown }> | undefined;

/** Errors of `query` and its `variables` against GitHub's public GraphQL schema; empty when valid. */
export async function graphqlSchemaErrors(query: string, variables: Record<string, unknown>): Promise<string[]> {
  // Without the simulator's copy of the schema the check is skipped, with the reason printed
  // (a failure under TRAILMARK_CI_STRICT=1).
  if (simUnavailable() !== undefined) return [];
  loaded ??= (async () => {
    const dir = await installSim();
    const require = createRequire(join(dir, 'package.json'));
    const graphql = require('graphql') as GraphQlModule;
    const json = JSON.parse(readFileSync(join(dir, 'node_modules/@octokit/graphql-schema/schema.json'), 'utf8')) as { data?: unknown };
    return { graphql, schema: graphql.buildClientSchema(json.data ?? json) };
  })();
  const { graphql, schema } = await loaded;
  let document: ReturnType<GraphQlModule['parse']>;
  try {
    document = graphql.parse(query);
  } catch (err) {
    return [`parse: ${err instanceof Error ? err.message : String(err)}`];
  }
  const errors = graphql.validate(schema, document).map((e) => e.message);
  if (errors.length > 0) return errors;
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  return (graphql.getVariableValues(schema, operation?.variableDefinitions ?? [], variables).errors ?? []).map((e) => e.message);
}

export interface FakeBlob {
  readonly text: string | Buffer;
  readonly binary?: boolean;
  /** Answer with text cut here and isTruncated (GitHub cuts at 512,000 bytes). */
  readonly truncateAt?: number;
  readonly oid?: string;
}

/** Answers blob queries from `blobs` (keyed "REV:PATH"); `verify()` fails on any invalid query. */
export class GraphQlBlobs {
  readonly problems: string[] = [];
  readonly queries: { query: string; variables: Record<string, string> }[] = [];

  constructor(readonly blobs: Readonly<Record<string, FakeBlob>>, readonly times = 1, baseUrl = 'https://api.github.com', path = '/graphql') {
    nock.disableNetConnect();
    nock(baseUrl)
      .post(path)
      .times(times)
      .reply(async (_uri, body) => {
        const { query, variables } = body as { query: string; variables: Record<string, string> };
        this.queries.push({ query, variables });
        this.problems.push(...(await graphqlSchemaErrors(query, variables)));
        const repository: Record<string, unknown> = {};
        for (const alias of query.matchAll(/(f\d+): object\(expression: \$(e\d+)\)/g)) {
          const blob = this.blobs[variables[alias[2]!]!];
          if (blob === undefined) {
            repository[alias[1]!] = null;
            continue;
          }
          const bytes = Buffer.isBuffer(blob.text) ? blob.text : Buffer.from(blob.text);
          const cut = blob.truncateAt !== undefined && bytes.byteLength > blob.truncateAt;
          repository[alias[1]!] = {
            __typename: 'Blob',
            oid: blob.oid ?? 'a'.repeat(40),
            byteSize: bytes.byteLength,
            isBinary: blob.binary === true,
            isTruncated: cut,
            text: blob.binary === true ? null : (cut ? bytes.subarray(0, blob.truncateAt) : bytes).toString('utf8'),
          };
        }
        return [200, { data: { repository } }];
      });
  }

  verify(): void {
    if (this.queries.length !== this.times) throw new Error(`expected ${this.times} GraphQL requests, got ${this.queries.length}`);
    if (this.problems.length > 0) throw new Error(`invalid GraphQL:\n${this.problems.join('\n')}`);
  }
}

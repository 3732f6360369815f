// The GitHub App manifest as GitHub documents it: "Registering a GitHub App from a manifest",
// section "GitHub App Manifest parameters"
// (https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest).
// Permission names and levels come from the REST description's `app-permissions` schema
// (@octokit/openapi), the same names the manifest's `default_permissions` takes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface PermissionSchema {
  readonly properties: Record<string, { readonly enum: readonly string[] }>;
}

export function appPermissions(): PermissionSchema['properties'] {
  const api = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
    components: { schemas: Record<string, PermissionSchema> };
  };
  const schema = api.components.schemas['app-permissions'];
  if (schema === undefined) throw new Error('no app-permissions schema in @octokit/openapi');
  return schema.properties;
}

const httpUrl = { type: 'string', pattern: '^https?://[^\\s/]+(/\\S*)?$' } as const;

/**
 * `complete`: the manifest GitHub receives (`url` required). Otherwise the app.yml file, which
 * Probot completes: everything optional, nothing undocumented.
 */
export function manifestSchema(options: { complete: boolean; extra?: Record<string, unknown> }): Record<string, unknown> {
  const permissions = appPermissions();
  return {
    type: 'object',
    additionalProperties: false,
    required: options.complete ? ['url'] : [],
    properties: {
      // "The name of the GitHub App." GitHub caps App names at 34 characters.
      name: { type: 'string', minLength: 1, maxLength: 34 },
      // "Required. The homepage of your GitHub App."
      url: httpUrl,
      // "The configuration of the GitHub App's webhook."
      hook_attributes: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: { url: httpUrl, active: { type: 'boolean' } },
      },
      redirect_url: httpUrl,
      // "You can provide up to 10 callback URLs."
      callback_urls: { type: 'array', maxItems: 10, items: httpUrl },
      setup_url: httpUrl,
      description: { type: 'string' },
      public: { type: 'boolean' },
      default_events: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[a-z_]+$' } },
      default_permissions: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(permissions).map(([name, p]) => [name, { enum: p.enum }])),
      },
      request_oauth_on_install: { type: 'boolean' },
      setup_on_update: { type: 'boolean' },
      ...(options.extra ?? {}),
    },
  };
}

// Settings of the dashboard's sign-in (GitHub App user-to-server OAuth web flow), parsed once
// from the environment. Probot's names for the App's OAuth credentials: GITHUB_CLIENT_ID,
// GITHUB_CLIENT_SECRET.
import { UsageError } from '../../src/core/errors.js';
import type { TeamName } from '../../src/github/teams.js';

/** A session secret shorter than this is refused (HKDF input; 32 bytes of entropy expected). */
export const SESSION_SECRET_MIN_LENGTH = 32;

export interface WebFlowSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Keys of the session and state cookies are derived from it (HKDF-SHA256). */
  readonly sessionSecret: string;
  /** Where users reach the App, e.g. `https://trailmark.example.com` (no trailing slash). */
  readonly publicUrl: string;
}

export interface SignInSettings {
  /** The cookie sign-in; null when not configured (then only `Authorization: Bearer` works). */
  readonly webFlow: WebFlowSettings | null;
  /** GitHub's web base for /login/oauth/*: https://github.com, `GHE_PROTOCOL://GHE_HOST`, or TRAILMARK_OAUTH_BASE_URL. */
  readonly oauthBaseUrl: string;
  /** TRAILMARK_AUDITORS_TEAM (`org/slug`): its active members may read every repository's trail. */
  readonly auditorsTeam: TeamName | null;
}

// GitHub's organization and team slug grammar: letters, digits, hyphens (and `_`, `.` in slugs).
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const SLUG = /^[A-Za-z0-9_.-]{1,100}$/;

function absoluteUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('USAGE', `${name} ${JSON.stringify(value)} is not a URL`, { hint: `set ${name} to an absolute http(s) URL such as https://trailmark.example.com` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError('USAGE', `${name} ${JSON.stringify(value)} is not an http(s) URL`, { hint: `set ${name} to an absolute http(s) URL` });
  }
  return value.replace(/\/+$/, '');
}

export function readSignInSettings(env: Readonly<Record<string, string | undefined>>): SignInSettings {
  const value = (name: string) => (env[name] ?? '').trim();
  const host = value('GHE_HOST');
  const oauthBaseUrl = value('TRAILMARK_OAUTH_BASE_URL') !== ''
    ? absoluteUrl('TRAILMARK_OAUTH_BASE_URL', value('TRAILMARK_OAUTH_BASE_URL'))
    : host === '' ? 'https://github.com' : `${value('GHE_PROTOCOL') || 'https'}://${host}`;

  const teamText = value('TRAILMARK_AUDITORS_TEAM');
  let auditorsTeam: TeamName | null = null;
  if (teamText !== '') {
    const [org = '', slug = '', ...rest] = teamText.split('/');
    if (rest.length > 0 || !ORG.test(org) || !SLUG.test(slug)) {
      throw new UsageError('USAGE', `TRAILMARK_AUDITORS_TEAM ${JSON.stringify(teamText)} is not ORG/TEAM-SLUG`, { hint: 'use the team slug from its URL, e.g. octo-org/security-auditors' });
    }
    auditorsTeam = { org, slug };
  }

  // TRAILMARK_PUBLIC_URL alone does not turn sign-in on: the weekly report links to the
  // dashboard with it whether or not this App signs users in itself.
  const signInNames = ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET', 'TRAILMARK_SESSION_SECRET'] as const;
  if (signInNames.every((n) => value(n) === '')) return { webFlow: null, oauthBaseUrl, auditorsTeam };
  const names = [...signInNames, 'TRAILMARK_PUBLIC_URL'] as const;
  const missing = names.filter((n) => value(n) === '');
  if (missing.length > 0) {
    throw new UsageError('USAGE', `dashboard sign-in is partly configured: ${missing.join(', ')} not set`, { hint: 'set all of GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, TRAILMARK_SESSION_SECRET and TRAILMARK_PUBLIC_URL, or none (docs/app.md, "Dashboard and sign-in")' });
  }
  const sessionSecret = value('TRAILMARK_SESSION_SECRET');
  if (sessionSecret.length < SESSION_SECRET_MIN_LENGTH) {
    throw new UsageError('USAGE', `TRAILMARK_SESSION_SECRET is shorter than ${SESSION_SECRET_MIN_LENGTH} characters`, { hint: 'generate one with: openssl rand -base64 48' });
  }
  return {
    webFlow: { clientId: value('GITHUB_CLIENT_ID'), clientSecret: value('GITHUB_CLIENT_SECRET'), sessionSecret, publicUrl: absoluteUrl('TRAILMARK_PUBLIC_URL', value('TRAILMARK_PUBLIC_URL')) },
    oauthBaseUrl,
    auditorsTeam,
  };
}

// The Octokit class Probot builds its clients from, fixed for GitHub Enterprise Server.
//
// Probot 14 (lib/octokit/get-probot-octokit-with-defaults.js) hands its App auth strategy a
// `request` of its own, `request.defaults({ request: { fetch } })`, without the base URL; the
// strategy mints installation tokens with that `request`, so under GHE_HOST the token request
// still goes to https://api.github.com/app/installations/{id}/access_tokens while every other
// request goes to the server. Here the strategy's `request` gets the client's `baseUrl`.
import { ProbotOctokit } from 'probot';

interface AuthOptions {
  readonly request?: { defaults(options: { baseUrl: string }): unknown };
  readonly [key: string]: unknown;
}

export const EnterpriseProbotOctokit: typeof ProbotOctokit = ProbotOctokit.defaults((options: { baseUrl?: string; auth?: AuthOptions }) => {
  const { baseUrl, auth } = options;
  if (baseUrl === undefined || auth?.request === undefined) return options;
  return { ...options, auth: { ...auth, request: auth.request.defaults({ baseUrl }) } };
});

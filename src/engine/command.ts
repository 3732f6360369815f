// Commands in pull request comments: `/trailmark attest <declaration>` and `/trailmark recheck`.
// The comment body is attacker-controlled: parsed line by line, compared literally.

export type Command =
  | { readonly kind: 'attest'; readonly declaration: string }
  | { readonly kind: 'recheck' }
  | { readonly kind: 'invalid'; readonly reason: string };

const PREFIX = '/trailmark';
/** A declaration is one trailer line; longer text is refused rather than cut. */
export const DECLARATION_MAX_CHARS = 300;
const DECLARATION_KEYS = ['assisted-by', 'generated-by', 'co-authored-by-ai', 'ai-assisted'];

/** The first `/trailmark` command line of a comment, or null when there is none. */
export function parseCommand(body: string): Command | null {
  for (const raw of body.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line !== PREFIX && !line.startsWith(`${PREFIX} `)) continue;
    const rest = line.slice(PREFIX.length).trim();
    const space = rest.indexOf(' ');
    const verb = (space < 0 ? rest : rest.slice(0, space)).toLowerCase();
    const arg = space < 0 ? '' : rest.slice(space + 1).trim();
    if (verb === 'recheck') return { kind: 'recheck' };
    if (verb !== 'attest') return { kind: 'invalid', reason: `unknown command ${JSON.stringify(verb.slice(0, 40))}; use \`/trailmark attest Assisted-by: AGENT:MODEL\` or \`/trailmark recheck\`` };
    if (arg.length > DECLARATION_MAX_CHARS) return { kind: 'invalid', reason: `the declaration is longer than ${DECLARATION_MAX_CHARS} characters` };
    const colon = arg.indexOf(':');
    const key = colon < 0 ? '' : arg.slice(0, colon).trim().toLowerCase();
    const value = colon < 0 ? '' : arg.slice(colon + 1).trim();
    if (!DECLARATION_KEYS.includes(key) || value === '') {
      return { kind: 'invalid', reason: 'the declaration must be one trailer such as `Assisted-by: AGENT:MODEL` (keys: Assisted-by, Generated-by, Co-authored-by-AI, AI-Assisted)' };
    }
    return { kind: 'attest', declaration: arg };
  }
  return null;
}

// The policy a use case runs under: the repository's file (at the base revision for a review,
// at the ref for a report), else the organization's `.github` policy, else the defaults. Each
// lookup that found nothing leaves a note saying why.
import { DEFAULT_POLICY, type Policy } from '../core/policy.js';
import type { PolicyLookup, PolicySource } from '../core/ports.js';

/** Reads the policy: the repository's, else the organization's, else the defaults. Throws ConfigError. */
export async function loadPolicy(source: PolicySource, notes: string[]): Promise<{ readonly policy: Policy; readonly source: string }> {
  // The parser (YAML, the schema validator) is loaded only when there is a file to parse.
  const parse = async (found: Extract<PolicyLookup, { found: true }>) => {
    const { parsePolicy } = await import('../config/policy.js');
    return { policy: parsePolicy(found.text, { source: found.source }), source: found.source };
  };
  const own = await source.atBase();
  if (own.found) return parse(own);
  notes.push(`no repository policy: ${own.why}`);
  if (source.organization !== undefined) {
    const org = await source.organization();
    if (org.found) return parse(org);
    notes.push(`no organization policy: ${org.why}`);
  }
  return { policy: DEFAULT_POLICY, source: 'defaults (no config file)' };
}

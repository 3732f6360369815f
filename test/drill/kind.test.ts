// The `drill` body schema: what a writer may sign and a verifier accepts.
import { describe, expect, it } from 'vitest';
import { bodyProblem } from '../../src/ledger/body.js';
import { DRILL_SCHEMA } from '../../src/ledger/kinds/drill.js';

const valid = {
  schema: DRILL_SCHEMA,
  repository: 'acme/repo',
  pullRequest: 4,
  head: 'a'.repeat(40),
  mergeCommit: 'b'.repeat(40),
  period: { since: '2026-12-01T00:00:00Z', until: '2026-12-07T23:59:59.999Z' },
  outcome: 'failed',
  links: [{ link: 'records', ok: false, detail: 'no record entry' }],
  missing: ['records: no record entry'],
};

describe('drill body', () => {
  it('accepts a drill outcome, with or without a job', () => {
    expect(bodyProblem('drill', valid)).toBeNull();
    expect(bodyProblem('drill', { ...valid, job: 'drill:weekly:2026-W49' })).toBeNull();
    expect(bodyProblem('drill', { ...valid, repository: null, pullRequest: null, head: null, mergeCommit: null, links: [], missing: [] })).toBeNull();
    // A link that could not be checked (the App has no clone to blame in): ok null, outcome incomplete.
    expect(bodyProblem('drill', { ...valid, outcome: 'incomplete', links: [{ link: 'blame', ok: null, detail: 'not checked: no clone' }], missing: [] })).toBeNull();
  });

  it('refuses unknown members, bad outcomes, bad times and too many links', () => {
    expect(bodyProblem('drill', { ...valid, reviewer: 'octocat' })).toMatch(/additional properties/);
    expect(bodyProblem('drill', { ...valid, outcome: 'ok' })).toMatch(/allowed values/);
    expect(bodyProblem('drill', { ...valid, links: [{ link: 'blame', ok: 'unchecked', detail: '' }] })).not.toBeNull();
    expect(bodyProblem('drill', { ...valid, period: { since: 'yesterday', until: valid.period.until } })).toMatch(/pattern/);
    const link = valid.links[0]!;
    expect(bodyProblem('drill', { ...valid, links: Array.from({ length: 33 }, () => link) })).toMatch(/more than 32/);
    expect(bodyProblem('drill', { ...valid, missing: ['x'.repeat(1025)] })).toMatch(/more than 1024/);
    expect(bodyProblem('drill', { ...valid, schema: 'trailmark.drill/v2' })).toMatch(/does not match kind/);
  });
});

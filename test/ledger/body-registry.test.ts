// Every registered kind's schema compiles under Ajv's strict mode (they are compiled lazily, on
// first use, so this is where a schema mistake shows up before any entry of that kind is read).
import { expect, it } from 'vitest';
import { ENTRY_KINDS, bodyProblem } from '../../src/ledger/body.js';

it('compiles every kind schema and rejects an empty body of each kind with a reason', () => {
  expect(ENTRY_KINDS.length).toBeGreaterThanOrEqual(12);
  for (const kind of ENTRY_KINDS) {
    const problem = bodyProblem(kind, { schema: 'not-a-schema-id' });
    expect(problem, kind).toMatch(/does not match kind/);
    // With the right schema id the body is checked by the compiled schema: something is missing.
    const id = /want ([^)]+)\)/.exec(problem!)![1]!;
    expect(bodyProblem(kind, { schema: id }), kind).toMatch(/must have required property|must /);
  }
  expect(bodyProblem('no.such.kind', {})).toMatch(/unknown entry kind/);
});

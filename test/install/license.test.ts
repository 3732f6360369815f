// The LICENSE file is the Apache License 2.0 exactly as the Apache Software Foundation
// publishes it, matching package.json's SPDX identifier.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../support/github-sim.js';

// SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt (11,358 bytes, LF line endings,
// starting with an empty line), the canonical text the ASF asks projects to include unmodified.
const APACHE_2_0_SHA256 = 'cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30';

test('LICENSE is the canonical Apache License 2.0 text and package.json says Apache-2.0', async () => {
  const bytes = await readFile(join(REPO_ROOT, 'LICENSE'));
  expect(bytes.length).toBe(11_358);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(APACHE_2_0_SHA256);
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { license?: string };
  expect(pkg.license).toBe('Apache-2.0');
});

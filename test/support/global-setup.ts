// Once per test run, before any worker starts. Under CI (two workers, vitest.config.ts), dist/lib
// is built here, once, so that no suite rebuilds it while another runs it (build-dist.ts).
import { PREBUILT_ENV, buildDist } from './build-dist.js';

export default async function setup(): Promise<void> {
  if (process.env.CI === undefined || process.env.CI === '') return;
  await buildDist();
  process.env[PREBUILT_ENV] = '1';
}

// The subject key configuration of the stores that adapters open from the environment
// (directory, PostgreSQL): TRAILMARK_SUBJECT_KEK, and TRAILMARK_SUBJECT_KEK_PREVIOUS during a
// rotation (docs/erasure.md). The sealing itself is ../subject-vault.ts.
import { systemRandom, type Random } from '../../core/ports.js';
import { SUBJECT_KEK_ENV, SUBJECT_KEK_PREVIOUS_ENV } from '../subject-seal.js';
import { subjectSealing, type SubjectSealing } from '../subject-vault.js';

/** TRAILMARK_SUBJECT_KEK and TRAILMARK_SUBJECT_KEK_PREVIOUS (one or more secrets, comma- or newline-separated). */
export function subjectSealingFromEnv(env: Readonly<Record<string, string | undefined>>, random: Random = systemRandom): SubjectSealing | undefined {
  return subjectSealing(env[SUBJECT_KEK_ENV], (env[SUBJECT_KEK_PREVIOUS_ENV] ?? '').split(/[,\n]/), random);
}

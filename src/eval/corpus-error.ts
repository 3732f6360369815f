import { TrailmarkError } from '../core/errors.js';

export type CorpusCode = 'BAD_ARCHIVE' | 'BAD_MANIFEST' | 'INTEGRITY_MISMATCH' | 'DOWNLOAD_FAILED' | 'BAD_SAMPLE';

/** Building the development set failed: a manifest, a tarball or an AI sample is wrong. */
export class CorpusError extends TrailmarkError<CorpusCode> {}

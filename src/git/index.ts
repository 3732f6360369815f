// Public API of git/: the local-repository change source and revision-only reads.

export { GitChangeSource, DEFAULT_MAX_FILE_BYTES, type GitChangeSourceOptions } from './change-source.js';
export { readFileAtRevision, MAX_REVISION_FILE_BYTES } from './revision-file.js';
export { readGitAiNotes, GIT_AI_NOTES_REF, MAX_NOTE_BYTES } from './notes.js';
export { Git, sanitizedEnv, type GitOptions, type GitOutput, type GitRunOptions } from './git.js';
export { resolveCommit, defaultBase, type BaseChoice } from './revision.js';

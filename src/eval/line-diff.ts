// The line diff lives in diff/ (pure, shared with capture/); re-exported for eval's callers.
export { diffLines, type LineChange } from '../diff/line-diff.js';

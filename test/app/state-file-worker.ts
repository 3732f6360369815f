// A child process for state-file.test.ts: `count` read-modify-write updates of one StateFile,
// each adding its own key and incrementing a shared counter, as queue.json is updated by two
// App processes on one data directory.
import { StateFile } from '../../app/state-file.js';

const [path, count, label] = process.argv.slice(2) as [string, string, string];
const file = new StateFile<Record<string, number>>(path, () => ({}));
for (let i = 0; i < Number(count); i++) {
  await file.update((doc) => {
    doc[`${label}-${i}`] = i;
    doc['counter'] = (doc['counter'] ?? 0) + 1;
  });
}

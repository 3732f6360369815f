// The Action's calibration (docs/calibration.md): the scheduled report run calibrates the
// repository from the ledger branch and keeps the document there as `calibration.json`, in the
// branch's own commit protocol (one commit, compare-and-swap; written only when its text
// changed). A review run reads that one file with one contents request, before the analysis.
import { parseCalibration, type CalibrationReport, type CalibrationSource } from '../src/engine/calibration.js';
import type { CalibrationSink } from '../src/engine/report-job.js';
import type { GitHubClient } from '../src/github/client.js';
import { readRepositoryFile } from '../src/github/config.js';
import type { LedgerBranchStore } from '../src/github/ledger-branch-store.js';

/** The file on the ledger branch. */
export const CALIBRATION_FILE = 'calibration.json';

/** A review run's calibration: `calibration.json` at the tip of the ledger branch (one request; none when the branch or file does not exist). */
export function ledgerBranchCalibration(client: GitHubClient, owner: string, repo: string, branch: string): CalibrationSource {
  return {
    load: async (): Promise<CalibrationReport | undefined> => {
      const text = await readRepositoryFile(client, owner, repo, CALIBRATION_FILE, branch);
      return text === null ? undefined : parseCalibration(text, `${CALIBRATION_FILE} on ${branch}`);
    },
  };
}

/** The report run's sink: the file read with the branch's view, written as one commit of the store's session. */
export function ledgerBranchCalibrationSink(store: LedgerBranchStore): CalibrationSink {
  return {
    read: () => store.readSideFile(CALIBRATION_FILE),
    write: async (text) => {
      const lock = await store.lock();
      try {
        await store.writeSideFile(CALIBRATION_FILE, text);
      } finally {
        await lock.release();
      }
    },
  };
}

// What the dashboard and the query endpoints serve: the engine's access views
// (src/engine/access-views.ts) over the installation ledgers, opened here as directory stores
// (`create` only makes an installation without entries read as an empty ledger), or by `storeOf`
// (the App's InstallationLedgers: the PostgreSQL store in that mode). The App's own signing key
// is the trusted verifier key.
import type { Clock } from '../src/core/ports.js';
import { blameView, dashboardView, reportView, verifierOf } from '../src/engine/access-views.js';
import type { CalibrationSource } from '../src/engine/calibration.js';
import type { NoteSigner } from '../src/engine/job-ledger.js';
import type { LedgerStore } from '../src/engine/ledger.js';
import { openDirStore } from '../src/ledger/store/dir.js';
import type { AccessViews, LedgerRef, ReportRequest } from './access-route.js';

const dirStoreOf = (l: LedgerRef) => Promise.resolve<LedgerStore>(openDirStore(l.dir, { create: true }));

export function ledgerViews(signer: NoteSigner, clock: Clock, storeOf: (l: LedgerRef) => Promise<LedgerStore> = dirStoreOf, calibrationOf?: (installationId: number) => CalibrationSource): AccessViews {
  const keys = [verifierOf(signer)];
  const request = async (req: ReportRequest) => ({
    sources: await Promise.all(req.ledgers.map(async (l) => ({ store: await storeOf(l), keys, location: `installation ${l.installationId}` }))),
    repositories: req.repositories, week: req.week, clock,
    // The stored hourly calibrations (calibration.ts): each repository's operating point.
    ...(calibrationOf === undefined ? {} : { calibrations: req.ledgers.map((l) => calibrationOf(l.installationId)) }),
  });
  return {
    dashboard: async (req) => dashboardView(await request(req)),
    report: async (req, format) => reportView(await request(req), format),
    blame: async (req) => blameView({ stores: await Promise.all(req.ledgers.map(storeOf)), repository: req.repository, path: req.path, startLine: req.startLine, endLine: req.endLine }),
  };
}

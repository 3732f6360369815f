// The App's calibration (docs/calibration.md, docs/app.md "Calibration"): a schedule (on start
// and every hour, ticks that never overlap, one replica at a time in the PostgreSQL mode) that
// calibrates each installation's repositories from the installation's ledger and keeps the
// result as a state document, `installations/<id>/calibration.json` (a file, or a row of
// app_documents). It recomputes only when the ledger grew since (the document records the size
// it was made at), so an idle installation costs one tail read per tick. An analysis job reads
// that one document: no job reads the ledger for it.
//
// The calibration starts from the shipped thresholds: a repository whose policy sets its own
// thresholds keeps them (the review says why: engine/calibration.ts decideCalibration).
import { join } from 'node:path';
import { describeError } from '../src/core/errors.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { calibrate, calibrationStale, currentModel, currentMessageModel, parseCalibration, type CalibrationReport, type CalibrationSource } from '../src/engine/calibration.js';
import type { InstallationLedgers } from './ledgers.js';
import { realTimer, serialized, startSchedule, type Serialized, type Timer } from './schedule.js';
import { stateDoc, type StateDoc, type StateFileOptions } from './state-file.js';

/** How often the schedule looks for ledgers that grew. */
export const CALIBRATION_INTERVAL_MS = 60 * 60_000;

/** The state document: the ledger size the calibration was made at, and the calibration. */
interface CalibrationDoc {
  size?: number;
  report?: unknown;
}

export interface CalibrationScheduleOptions {
  /** Runs a tick unless another replica runs it now (PostgreSQL mode); resolves with 0 then. */
  readonly exclusive?: (schedule: string, tick: () => Promise<number>) => Promise<number>;
  readonly dataDir: string;
  readonly ledgers: InstallationLedgers;
  readonly log: (line: string) => void;
  readonly stateFiles?: StateFileOptions;
}

export class CalibrationSchedule {
  constructor(readonly o: CalibrationScheduleOptions) {}

  #doc(installationId: number): StateDoc<CalibrationDoc> {
    return stateDoc<CalibrationDoc>(join(this.o.dataDir, 'installations', String(installationId), 'calibration.json'), () => ({}), this.o.stateFiles);
  }

  /** Starts the schedule: a tick now and one every `everyMs`. Returns the stop function. */
  start(timer: Timer = realTimer, everyMs = CALIBRATION_INTERVAL_MS): () => void {
    return startSchedule(() => this.tick(), 'calibration', this.o.log, timer, everyMs);
  }

  /** Calibrates every installation whose ledger grew; returns how many were calibrated. Ticks do not overlap. */
  readonly tick: Serialized = serialized(() => (this.o.exclusive === undefined ? this.#tick() : this.o.exclusive('calibration', () => this.#tick())));

  async #tick(): Promise<number> {
    let made = 0;
    for (const installationId of await this.o.ledgers.installations()) {
      try {
        if (await this.calibrateInstallation(installationId)) made++;
      } catch (err) {
        this.o.log(`trailmark: calibration: installation ${installationId} skipped this time: ${describeError(err)}`);
      }
    }
    return made;
  }

  /** Calibrates one installation when its ledger grew (or the models changed) since; true when it did. */
  async calibrateInstallation(installationId: number): Promise<boolean> {
    const doc = this.#doc(installationId);
    const store = await this.o.ledgers.storeOf(installationId);
    const { size } = await store.tail();
    const known = await doc.read();
    const current = known.report === undefined ? undefined : this.#parse(known.report, installationId);
    if (known.size === size && current !== undefined && calibrationStale(current) === undefined) return false;
    const report = await calibrate([store], { model: currentModel(), messageModel: currentMessageModel(), thresholds: DEFAULT_POLICY.thresholds });
    await doc.update((d) => {
      d.size = size;
      d.report = report;
    });
    const calibrated = report.repositories.filter((r) => r.status === 'calibrated').length;
    this.o.log(`trailmark: calibration: installation ${installationId} at ledger size ${size}: ${calibrated} of ${report.repositories.length} repositories calibrated`);
    return true;
  }

  #parse(report: unknown, installationId: number): CalibrationReport | undefined {
    try {
      return parseCalibration(JSON.stringify(report), `installation ${installationId} calibration`);
    } catch (err) {
      this.o.log(`trailmark: calibration: installation ${installationId}: the stored calibration is unreadable (${describeError(err)}); making it again`);
      return undefined;
    }
  }

  /** What an analysis job of the installation reads: the stored calibration (one document read). */
  sourceOf(installationId: number): CalibrationSource {
    return {
      load: async () => {
        const { report } = await this.#doc(installationId).read();
        return report === undefined ? undefined : parseCalibration(JSON.stringify(report), `installation ${installationId} calibration`);
      },
    };
  }
}

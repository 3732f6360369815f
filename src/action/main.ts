// Wires the Action to the runner's environment; the system clock and randomness are the defaults.
import { runAndReport } from './run.js';

export function main(): Promise<void> {
  return runAndReport({ env: process.env });
}

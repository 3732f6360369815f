// Debian's Chromium driven by playwright-core for the dashboard's real-browser tests. Nothing
// downloads a browser: the executable is /usr/bin/chromium (apt `chromium`, installed by
// .ci/run) or TRAILMARK_CHROMIUM. Without it the suites skip with a printed reason, unless
// TRAILMARK_CI_STRICT=1 (set by .ci/run), which turns that into a failure.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.TRAILMARK_CHROMIUM ?? '/usr/bin/chromium';
export const STRICT = process.env.TRAILMARK_CI_STRICT === '1';

/** Why no browser can be used here, or undefined when it can. Throws under TRAILMARK_CI_STRICT=1. */
export function browserUnavailable(): string | undefined {
  const why = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set TRAILMARK_CHROMIUM)`;
  if (why !== undefined && STRICT) throw new Error(`${why}; TRAILMARK_CI_STRICT=1 requires it`);
  if (why !== undefined) process.stdout.write(`skipped: ${why}\n`);
  return why;
}

// Flags that keep a headless run quiet and deterministic: no network of its own (updates,
// sync, field trials), no GPU, fixed font rendering for screenshots.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--font-render-hinting=none', '--disable-lcd-text', '--force-color-profile=srgb', '--hide-scrollbars',
];

/**
 * Fonts Chromium may use: only DejaVu (apt `fonts-dejavu-core`, installed by .ci/run), through a
 * fontconfig file of our own. Otherwise `sans-serif` resolves to whatever else the machine has
 * (Liberation, Noto…) and the reference screenshot depends on the machine, not on the page.
 */
export const FONT_DIR = '/usr/share/fonts/truetype/dejavu';

async function fontconfigFile(dir: string): Promise<string> {
  const file = join(dir, 'fonts.conf');
  await writeFile(file, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>${FONT_DIR}</dir>
  <cachedir>${join(dir, 'fontcache')}</cachedir>
  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>
  <alias><family>serif</family><prefer><family>DejaVu Serif</family></prefer></alias>
  <alias><family>monospace</family><prefer><family>DejaVu Sans Mono</family></prefer></alias>
</fontconfig>
`);
  return file;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A persistent context on a fresh --user-data-dir (deleted on close), with a fixed viewport,
 * device scale, locale, time zone, colour scheme and reduced motion.
 */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'trailmark-chromium-'));
  const fonts = await fontconfigFile(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    env: { ...process.env, FONTCONFIG_FILE: fonts },
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    offline: false,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

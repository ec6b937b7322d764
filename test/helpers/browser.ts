import { constants, accessSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Web pages are tested in a real browser: Debian's chromium (installed by `npm run setup`), driven
 * by playwright-core through its executablePath — playwright-core never downloads a browser.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags that let a page use a microphone with nobody there: permission granted without a prompt,
 * a fake capture device that plays `wav` in a loop (Chromium wants 16-bit PCM WAV), and audio
 * that plays without a click.
 */
export function fakeMicrophoneArgs(wav: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
    '--autoplay-policy=no-user-gesture-required',
  ];
}

export async function launchChromium(executablePath = CHROMIUM_PATH, extraArgs: string[] = []): Promise<Browser> {
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is not installed at ${executablePath}: run \`npm run setup\` (it installs Debian's chromium package) ` +
        'or set CHROMIUM_PATH to a Chromium binary',
    );
  }
  // --no-sandbox: Chromium refuses to start as root with its sandbox, and CI containers run as root.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', ...extraArgs] });
}

/** What a failing accessibility check needs to say: the rule, how bad, and where. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending elements. */
  targets: string[];
}

/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_A_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let axeSource: string | undefined;

/** Runs axe-core in the page (JavaScript must be enabled in its context) and returns the WCAG A/AA violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(join(dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: typeof Axe }).axe;
    const results = await axe.run({ runOnly: { type: 'tag', values: tags } });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n) => n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' ')),
    }));
  }, WCAG_A_AA_TAGS);
}

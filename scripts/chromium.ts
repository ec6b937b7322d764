import { constants, accessSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Web pages are tested and benched in a real browser: Debian's chromium (installed by `npm run
 * setup`), driven by playwright-core through its executablePath — playwright-core never downloads
 * a browser.
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

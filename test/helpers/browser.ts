import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Axe from 'axe-core';
import type { Page } from 'playwright-core';

export { CHROMIUM_PATH, fakeMicrophoneArgs, launchChromium } from '../../scripts/chromium';

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

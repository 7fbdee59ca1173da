import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/**
 * Runs axe-core's WCAG 2 A/AA rules on the page as it is now and lists its serious and
 * critical violations (missing labels, unreachable controls, unreadable contrast, ...).
 */
export async function seriousAccessibilityViolations(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${where}: ${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => `${node.target.join(' ')} [${node.failureSummary?.split('\n').at(-1)?.trim() ?? ''}]`).slice(0, 3).join(', ')}`);
  return serious;
}

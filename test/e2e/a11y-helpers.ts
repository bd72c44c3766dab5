// The accessibility check the app's specs run on every view: axe-core (WCAG 2.x A/AA rules) in the real page,
// reporting only serious and critical violations, each as one line naming the rule and the offending elements.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/** Impacts that fail a view; minor and moderate findings are left to judgement. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);
/** At most this many offending elements are named per rule, so a report stays readable. */
const MAX_TARGETS_PER_RULE = 4;

/** Serious and critical axe violations on the page as it is now, one line each (empty when it passes). */
export async function axeViolations(page: Page, view: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => FAILING_IMPACTS.has(v.impact ?? ''))
    .map((v) => {
      const targets = v.nodes.slice(0, MAX_TARGETS_PER_RULE).map((n) => n.target.join(' ')).join(', ');
      return `${view}: [${v.impact}] ${v.id} (${v.help}) at ${targets}`;
    });
}

import { type FactsWithoutNextStep, type NextStepCode, ROLLBACK_WINDOW_MONTHS } from './facts';

/** The one line that tells the person on call what to do, by the most specific cause we can see. */
export function chooseNextStep(facts: FactsWithoutNextStep): { code: NextStepCode; text: string } {
  const redemption = facts.redemption?.id ? `redemption ${facts.redemption.id}` : 'the redemption';
  const orderRef = facts.order ? `order ${facts.order.sourceId ?? facts.order.id}` : undefined;
  const code = facts.failure.code ?? '';
  const message = facts.failure.message ?? '';
  let step: { code: NextStepCode; text: string };
  if (code === 'already_rolled_back') {
    step = {
      code: 'already_rolled_back',
      text:
        `Nothing is left to undo in Voucherify: ${redemption} was already rolled back. Check that the refund or ` +
        `cancellation behind this second attempt was not applied twice on your side${orderRef ? ` (${orderRef})` : ''}, ` +
        'then close this alert.',
    };
  } else if (facts.redemption?.olderThanRollbackWindow || /\b(3|three) months\b/i.test(message)) {
    step = {
      code: 'rollback_window_closed',
      text:
        `Voucherify cannot roll back ${redemption}: it is older than ${ROLLBACK_WINDOW_MONTHS} months. Compensate by ` +
        "hand instead (for example adjust the customer's balance or points, or issue a credit) and note it " +
        `${orderRef ? `on ${orderRef}` : 'where the rollback was requested'}.`,
    };
  } else if (/parent/i.test(code) || /\bparent\b/i.test(message)) {
    step = {
      code: 'roll_back_parent',
      text: `${capitalise(redemption)} is part of a stacked redemption: roll back its parent redemption instead.`,
    };
  } else {
    step = {
      code: 'investigate',
      text:
        `Open ${redemption} in the Voucherify dashboard (Redemptions) and find out why the rollback failed` +
        `${code ? ` (code ${code})` : ''}; then retry the rollback, or compensate by hand` +
        `${orderRef ? ` on ${orderRef}` : ''}.`,
    };
  }
  const caveats: string[] = [];
  if (!facts.validated)
    caveats.push(
      'This event failed our schema check and was stored as QUARANTINED: confirm these details in the Voucherify ' +
        'dashboard before acting.',
    );
  if (!facts.bodyDecoded)
    caveats.push(
      `Only the indexed fields are shown (${facts.fallbackReason}): the full event is item pk=${facts.eventId} in ` +
        'the events table.',
    );
  return caveats.length > 0 ? { code: step.code, text: `${step.text} ${caveats.join(' ')}` } : step;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

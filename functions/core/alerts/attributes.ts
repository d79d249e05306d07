import { compact } from '../shared/payload';
import { stripInvisible } from '../shared/visible-text';
import type { AlertFacts } from './facts';

export type AlertAttributeName = 'event_type' | 'failure_code' | 'campaign' | 'customer_id' | 'case_key' | 'case_state';

/** A UTF-16 surrogate without its other half (valid in a JSON string as an escape, not encodable as UTF-8). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * SNS String attribute values: printable, no control characters, bounded (filter policies match them exactly), and
 * well-formed: the SDK URL-encodes attributes, and a lone surrogate makes that throw on every retry, so one signed
 * event with `"\ud800"` in its customer id would never alert and would hold back its batch (found by the faults suite).
 */
export function attribute(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const clean = stripInvisible(value)
    .replace(/[\p{Cc}]/gu, '')
    .trim();
  // Cut first, then repair: the cut may split a surrogate pair.
  return clean === '' ? undefined : clean.slice(0, 256).replace(LONE_SURROGATE, '\ufffd');
}

/** The message attributes subscription filter policies match on: only the facts present. */
export function alertAttributes(facts: AlertFacts): Partial<Record<AlertAttributeName, string>> {
  return (
    compact({
      event_type: attribute(facts.eventType),
      failure_code: attribute(facts.failure.code),
      // The campaign id, not its name: ids do not change when someone renames a campaign, so filter policies hold.
      campaign: attribute(facts.campaign?.id),
      customer_id: attribute(facts.customer?.id),
      // The case's key and state, so a subscriber (a chat channel, an incident tool) can match the later
      // acknowledgement and resolution of the same case to this alert.
      case_key: attribute(facts.case?.key),
      case_state: attribute(facts.case?.state),
    }) ?? {}
  );
}

import { escapeInvisibleInJson } from '../shared/visible-text';
import { type AlertAttributeName, alertAttributes } from './attributes';
import { type AlertFacts, type AlertInput, gatherFacts } from './facts';
import { chooseNextStep } from './next-step';
import { buildEmailText, buildSubject } from './text';

/**
 * The alert sent when Voucherify reports `redemption.rollback.failed`: one pure function from a stored event to the
 * subject, the per-protocol bodies and the filter attributes. No AWS types here; the SNS adapter does the sending.
 * The facts (alert-facts.ts), the next step (alert-next-step.ts), the subject and email text (alert-text.ts) and the
 * filter attributes (alert-attributes.ts) each have a file.
 */
export interface TopicMessage {
  /** ASCII, at most 99 characters. */
  readonly subject: string;
  /** The `Message` for Publish with `MessageStructure: json`: `default` (JSON) and `email` (text). */
  readonly messageJson: string;
  /** For subscription filter policies; only the values present. All are SNS `String` attributes. */
  readonly attributes: Readonly<Partial<Record<string, string>>>;
}

/** The alert of one rollback failure (a {@link TopicMessage} with its facts and email text). */
export interface AlertMessage extends TopicMessage {
  readonly attributes: Readonly<Partial<Record<AlertAttributeName, string>>>;
  readonly facts: AlertFacts;
  readonly emailText: string;
}

/** Builds the whole alert for one stored rollback failure. Pure: same input, same message. */
export function buildAlertMessage(input: AlertInput): AlertMessage {
  const gathered = gatherFacts(input);
  const facts: AlertFacts = { ...gathered, nextStep: chooseNextStep(gathered) };
  const emailText = buildEmailText(facts);
  return {
    subject: buildSubject(facts),
    messageJson: JSON.stringify({ default: escapeInvisibleInJson(JSON.stringify(facts)), email: emailText }),
    attributes: alertAttributes(facts),
    facts,
    emailText,
  };
}

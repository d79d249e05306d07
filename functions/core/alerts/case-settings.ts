/**
 * The settings of cases: the burst limit and the reminder. One place, read by the stack's settings (lib/config.ts),
 * the functions at cold start, the local mode and the cost script, so the defaults cannot drift.
 */
export interface CaseSettings {
  /** At most this many individual alerts per burst window; the window's other new cases go into one digest. */
  readonly burstLimit: number;
  /** The burst window, in minutes (windows are aligned to the clock: :00, :15, :30, :45 for 15). */
  readonly burstWindowMinutes: number;
  /** Remind of unresolved cases older than this many hours, once per this many hours; 0 turns reminders off. */
  readonly reminderHours: number;
}

/**
 * 10 per 15 minutes: a person on call reads ten separate failures and still acts on each; an eleventh within the
 * same quarter hour is almost always one cause (a campaign mistake), which one digest explains better than more mail.
 * 24 hours: a failure owes a customer something, and a working day is as long as one should wait unseen.
 * (docs/alerts.md, "Defaults".)
 */
export const DEFAULT_CASE_SETTINGS: CaseSettings = { burstLimit: 10, burstWindowMinutes: 15, reminderHours: 24 };

/** Limits of the settings: a window must divide a day (aligned windows), a limit of 0 would mean digests only. */
export const CASE_SETTING_LIMITS = {
  burstLimit: { min: 1, max: 1000 },
  burstWindowMinutes: { min: 1, max: 1440 },
  reminderHours: { min: 0, max: 24 * 30 },
} as const;

/** The problems of a set of case settings, one sentence each (empty when valid). */
export function caseSettingsProblems(settings: CaseSettings): string[] {
  const problems: string[] = [];
  const whole = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  const { burstLimit, burstWindowMinutes, reminderHours } = settings;
  const l = CASE_SETTING_LIMITS;
  if (!whole(burstLimit, l.burstLimit.min, l.burstLimit.max))
    problems.push(`alertBurstLimit must be a whole number from 1 to ${l.burstLimit.max}; got ${burstLimit}`);
  if (!whole(burstWindowMinutes, l.burstWindowMinutes.min, l.burstWindowMinutes.max) || 1440 % burstWindowMinutes !== 0)
    problems.push(
      `alertBurstWindowMinutes must be a whole number of minutes that divides a day (1, 5, 10, 15, 30, 60...); got ${burstWindowMinutes}`,
    );
  if (!whole(reminderHours, l.reminderHours.min, l.reminderHours.max))
    problems.push(
      `caseReminderHours must be a whole number of hours from 0 (off) to ${l.reminderHours.max}; got ${reminderHours}`,
    );
  return problems;
}

/** The start of the burst window `at` falls in, as ISO 8601 (windows are aligned to the epoch, so to the clock). */
export function burstWindowStart(atMs: number, windowMinutes: number): string {
  const size = windowMinutes * 60_000;
  return new Date(Math.floor(atMs / size) * size).toISOString();
}

/** The window after the one starting at `start`. */
export function burstWindowEnd(start: string, windowMinutes: number): string {
  return new Date(Date.parse(start) + windowMinutes * 60_000).toISOString();
}

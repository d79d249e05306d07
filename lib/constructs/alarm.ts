import { Alarm, type AlarmProps, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface BadThingAlarmProps {
  readonly metric: IMetric;
  /** The alarm fires at this value or above. */
  readonly threshold: number;
  /** What happened and where the runbook is: the text the person paged reads first. */
  readonly description: string;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** Told when the alarm fires and when it is over. */
  readonly notify: ITopic;
}

/**
 * Every alarm of the stack: it counts bad things (errors, throttles, quarantined events, a queue that should stay
 * empty, an age that should stay low), so it fires at or above its threshold, and no data is no trouble (a quiet hour
 * has none). It notifies the topic when it fires and again when it is OK: the OK tells the people who were paged that
 * it is over.
 */
export function badThingAlarm(scope: Construct, id: string, props: BadThingAlarmProps): Alarm {
  return notifyingAlarm(
    scope,
    id,
    {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    },
    props.notify,
  );
}

/**
 * An alarm that tells `notify` when it fires and again when it is OK. The bad-thing alarms above are built on it; the
 * silence alarm (observability.ts), which counts good things and treats no data as trouble, uses it directly.
 */
export function notifyingAlarm(scope: Construct, id: string, props: AlarmProps, notify: ITopic): Alarm {
  const alarm = new Alarm(scope, id, props);
  const action = new SnsAction(notify);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

import { Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { addNagSuppressions } from './nag';

export interface WebhookApiProps {
  /** The function that answers the webhook path. */
  readonly handler: IFunction;

  /** The one path routed to the handler, e.g. `/webhooks/voucherify`. */
  readonly path: string;

  /** Steady rate the stage admits, in requests per second. */
  readonly throttlingRatePerSecond: number;

  /** Requests the stage admits at once above the steady rate. */
  readonly throttlingBurstRequests: number;

  /** Retention of the access-log group. */
  readonly accessLogRetention: RetentionDays;

  /**
   * @default - the stack name
   */
  readonly apiName?: string;
}

/**
 * One line per request, as JSON so Logs Insights reads the fields directly. Every value is quoted: API Gateway writes
 * `-` for a value it does not have (no integration was called, for example), which would break unquoted JSON. API
 * Gateway does not escape values, so free text a caller controls (the user agent) is left out: one `"` in it would
 * make the line unreadable as JSON.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;

/**
 * The public door: an HTTP API (cheaper and faster than a REST API, and nothing here needs REST API features) with
 * one route, `ANY <path>`, to the handler. ANY rather than POST so a wrong method reaches the function, which
 * answers 405 with an `Allow` header and a JSON code; any other path gets API Gateway's own 404 without invoking
 * anything. Authentication is the Voucherify HMAC signature, checked by the function on the raw body: Voucherify
 * cannot send any other credential.
 *
 * The `$default` stage, so the path the function sees is the path Voucherify calls (a named stage would prefix it),
 * throttled for every route, with JSON access logs. HTTP APIs have no execution logging and no data tracing, so no
 * request or response body is ever logged by API Gateway.
 */
export class WebhookApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The full webhook URL to paste into Voucherify's project settings. */
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: props.apiName ?? Stack.of(this).stackName,
      description: 'Receives Voucherify webhooks',
      // Created below, so its throttling and access logs are part of its definition.
      createDefaultStage: false,
    });

    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttlingRatePerSecond, burstLimit: props.throttlingBurstRequests },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const [route] = this.httpApi.addRoutes({
      path: props.path,
      methods: [HttpMethod.ANY],
      // The integration also adds the Lambda permission, scoped to this API and path.
      integration: new HttpLambdaIntegration('Handler', props.handler, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
    });

    if (route) {
      addNagSuppressions(route, [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Voucherify authenticates only by an HMAC-SHA256 signature of the raw body (x-voucherify-signature), which ' +
            'no API Gateway authorizer can check because authorizers never see the body. The ingest function verifies ' +
            'it in constant time before any write and answers 401 otherwise.',
        },
      ]);
    }

    // The stage URL ends in `/`.
    this.webhookUrl = `${this.stage.url}${props.path.replace(/^\//, '')}`;
  }
}

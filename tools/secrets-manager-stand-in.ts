import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the one Secrets Manager operation the ingest function calls, GetSecretValue, over the real AWS JSON
 * protocol, so the deployed handler can run configured as in AWS (WEBHOOK_SECRET_ARN, SMOKE_SECRET_ARN) with its real
 * SDK client. It answers only for the secrets it holds; any other secret or operation gets the error Secrets Manager would send.
 */
export interface SecretsManagerStandIn {
  readonly endpoint: string;
  readonly secretArn: string;
  /** Every operation and SecretId asked for, in order. */
  readonly requests: { operation: string; secretId: unknown }[];
  stop(): Promise<void>;
}

export async function startSecretsManagerStandIn(
  secretArn: string,
  value: string,
  /** More secrets it holds (the smoke secret), by ARN. */
  others: Readonly<Record<string, string>> = {},
): Promise<SecretsManagerStandIn> {
  const values = new Map([[secretArn, value], ...Object.entries(others)]);
  const requests: { operation: string; secretId: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      const input = JSON.parse(body || '{}') as { SecretId?: unknown };
      requests.push({ operation, secretId: input.SecretId });
      const answer = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (operation !== 'GetSecretValue') return answer(400, { __type: 'InvalidRequestException', message: operation });
      const arn = typeof input.SecretId === 'string' ? input.SecretId : '';
      const secretString = values.get(arn);
      if (secretString === undefined)
        return answer(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the secret." });
      const name = arn.split(':secret:')[1] ?? 'secret';
      return answer(200, {
        ARN: arn,
        Name: name,
        SecretString: secretString,
        VersionId: 'standin-version-1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_767_225_600,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    secretArn,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

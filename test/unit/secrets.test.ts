import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseSecrets, SecretsManagerSource } from '../../functions/adapters/secrets';
import { SecretsUnavailableError } from '../../functions/core/shared/errors';

describe('parseSecrets', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['[]', []],
    ['whsec-one', ['whsec-one']],
    ['  whsec-one \n', ['whsec-one']],
    ['["new","old"]', ['new', 'old']],
    ['[" new ", ""]', ['new']],
  ])('%j → %j', (value, expected) => {
    expect(parseSecrets(value)).toEqual(expected);
  });

  it.each(['[not json', '[1,2]', '[{"a":1}]'])('rejects %j with a clear error', (value) => {
    expect(() => parseSecrets(value)).toThrow(SecretsUnavailableError);
  });
});

// Secrets Manager has no local emulator here: the client mock stands in for the service's answers and faults.
describe('SecretsManagerSource', () => {
  const sm = mockClient(SecretsManagerClient);
  let now = 0;
  const source = () => new SecretsManagerSource(new SecretsManagerClient({}), 'arn:secret', { now: () => now });

  beforeEach(() => {
    sm.reset();
    now = 1_000_000;
  });

  it('reads once and serves the cached value for 5 minutes', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '["a","b"]' });
    const secrets = source();

    expect(await secrets.get()).toEqual(['a', 'b']);
    now += 299_000;
    expect(await secrets.get()).toEqual(['a', 'b']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now += 2_000;
    await secrets.get();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one read between concurrent cold-start requests', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'one' });
    const secrets = source();

    await Promise.all([secrets.get(), secrets.get(), secrets.get()]);

    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('re-checks an unconfigured secret every 30 seconds, so setting it takes effect quickly', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: '[]' }).resolves({ SecretString: 'set-now' });
    const secrets = source();

    expect(await secrets.get()).toEqual([]);
    now += 31_000;
    expect(await secrets.get()).toEqual(['set-now']);
  });

  it('fails with SecretsUnavailableError when Secrets Manager is down, and recovers when it returns', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }))
      .resolves({ SecretString: 'back' });
    const secrets = source();

    await expect(secrets.get()).rejects.toBeInstanceOf(SecretsUnavailableError);
    expect(await secrets.get()).toEqual(['back']);
  });

  it('refreshes after a mismatch at most every 30 seconds and says whether the list changed', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old' }).resolves({ SecretString: '["old","new"]' });
    const secrets = source();
    await secrets.get();

    expect(await secrets.refresh()).toBe(false);
    now += 30_000;
    expect(await secrets.refresh()).toBe(true);
    expect(await secrets.get()).toEqual(['old', 'new']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

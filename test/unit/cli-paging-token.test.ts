/** The `list --next` token (cli/paging-token.ts). */
import { UsageError } from '../../cli/errors';
import { decodePageToken, encodePageToken } from '../../cli/paging-token';

const POSITION = {
  cursor: '2026-11-21T10:00:00.000Z#evt_1',
  window: { fromMs: Date.parse('2026-11-15T12:00:00.000Z'), toMs: Date.parse('2026-11-22T12:00:00.000Z') },
};

describe('paging tokens', () => {
  it('give back the cursor and the first page window for the same filters', () => {
    // Prepare
    const filters = { type: 'redemption.rollback.failed', campaign: 'camp_1' };

    // Act
    const token = encodePageToken(POSITION, filters);

    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, { ...filters })).toEqual(POSITION);
  });

  it('are refused for a list with other filters', () => {
    // Prepare
    const token = encodePageToken(POSITION, { type: 'redemption.rollback.failed' });

    // Act
    const decode = () => decodePageToken(token, { type: 'redemption.failed' });

    // Assess
    expect(decode).toThrow(UsageError);
    expect(decode).toThrow('belongs to a list with other filters');
  });

  it.each([
    ['not base64url JSON', 'not a token'],
    [
      'another version',
      Buffer.from(JSON.stringify({ v: 2, c: POSITION.cursor, from: 0, to: 1 })).toString('base64url'),
    ],
    [
      'a cursor of another shape',
      Buffer.from(JSON.stringify({ v: 1, c: 'evt_1', from: 0, to: 1 })).toString('base64url'),
    ],
  ])('%s is a usage error', (_what, text) => {
    // Act
    const decode = () => decodePageToken(text, {});

    // Assess
    expect(decode).toThrow('--next takes the token printed under the previous page');
  });
});

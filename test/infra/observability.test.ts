/**
 * What operating the receiver relies on in the template: the events table's indexes (the CLI's queries), the metrics
 * the functions write (namespace, dimensions), the dashboard and the alarms. One synth shared by the file; resources
 * are found by type and by the references between them, never by logical id.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { EVENTS_INDEX_LIST, eventsTableCreateInput } from '../../functions/adapters/table';
import { eventsTable, templateFromContext } from './helpers';

let template: Template;
beforeAll(() => {
  template = templateFromContext();
});

interface IndexJson {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
}

const byName = (a: { IndexName?: string }, b: { IndexName?: string }) =>
  String(a.IndexName).localeCompare(String(b.IndexName));

describe('events table indexes', () => {
  let indexes: IndexJson[];
  beforeAll(() => {
    indexes = [...(eventsTable(template).properties.GlobalSecondaryIndexes as IndexJson[])].sort(byName);
  });

  test('are exactly the exported list, with the keys it names', () => {
    expect(indexes.map((index) => index.IndexName)).toEqual(EVENTS_INDEX_LIST.map((index) => index.name).sort());
    for (const spec of EVENTS_INDEX_LIST) {
      expect(indexes.find((index) => index.IndexName === spec.name)?.KeySchema).toEqual([
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey, KeyType: 'RANGE' },
      ]);
    }
  });

  test('project only the small listed attributes (INCLUDE), never the body, issues or failure message', () => {
    for (const index of indexes) {
      expect(index.Projection.ProjectionType).toBe('INCLUDE');
      const included = index.Projection.NonKeyAttributes ?? [];
      expect(included.length).toBeGreaterThan(0);
      for (const heavy of ['body', 'issues', 'failureMessage', 'bodyEncoding']) expect(included).not.toContain(heavy);
    }
  });

  test('are what local mode and the tests create (the CreateTable input), attribute for attribute', () => {
    const local = [...(eventsTableCreateInput('x').GlobalSecondaryIndexes ?? [])].sort(byName);
    expect(indexes.map(normalise)).toEqual(local.map((index) => normalise(index as IndexJson)));
  });

  test('declare every key attribute as a string', () => {
    const definitions = eventsTable(template).properties.AttributeDefinitions as {
      AttributeName: string;
      AttributeType: string;
    }[];
    const keys = new Set(EVENTS_INDEX_LIST.flatMap((index) => [index.partitionKey, index.sortKey]));
    for (const key of keys) expect(definitions).toContainEqual({ AttributeName: key, AttributeType: 'S' });
  });
});

function normalise(index: IndexJson) {
  return {
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    ProjectionType: index.Projection.ProjectionType,
    NonKeyAttributes: [...(index.Projection.NonKeyAttributes ?? [])].sort(),
  };
}

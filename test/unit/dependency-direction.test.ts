/**
 * Dependencies between the project's folders run one way: test → tools → local → (cli, lib) → functions, and bin/
 * builds the app from lib/. What ships (lib/, functions/, cli/, bin/) imports nothing from local/, tools/ or test/;
 * tools/ nothing from test/; local/ nothing from tools/ or test/. Read from the sources themselves: every relative
 * `import`, `export … from`, `import()` and `require()` of every file, so a new file or a new import is checked too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** For each folder, the folders its files may import from (itself included). Anything else breaks the rule. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  functions: ['functions'],
  lib: ['lib', 'functions'],
  cli: ['cli', 'functions'],
  bin: ['bin', 'lib', 'functions'],
  local: ['local', 'cli', 'lib', 'functions'],
  tools: ['tools', 'local', 'cli', 'lib', 'functions', 'bin'],
  test: ['test', 'tools', 'local', 'cli', 'lib', 'functions', 'bin'],
};

/** The deployed core stays free of AWS: no adapter, no handler, no SDK or Lambda types (design: "no AWS types"). */
const CORE = 'functions/core';
const CORE_MAY_NOT_IMPORT_PACKAGES =
  /^(@aws-sdk\/|@aws-lambda-powertools\/|aws-lambda$|aws-cdk-lib|@types\/aws-lambda)/;

// `from '…'` (import and export), a bare `import '…'`, `import('…')` and `require('…')`.
const SPECIFIER = /(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/gm;

interface Import {
  readonly file: string;
  readonly specifier: string;
  /** The project path the relative specifier points at, or undefined for a package. */
  readonly target?: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [relative] : [];
  });
}

/**
 * Comments can quote import lines (TSDoc examples) and template literals can hold generated code (the validators'
 * `require` of their formats, written relative to another folder); neither is an import of the file itself.
 */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/`[^`]*`/g, '``');
}

function importsOf(file: string): Import[] {
  const source = withoutComments(readFileSync(path.join(ROOT, file), 'utf8'));
  return [...source.matchAll(SPECIFIER)].map((match) => {
    const specifier = match[2] as string;
    if (!specifier.startsWith('.')) return { file, specifier };
    return { file, specifier, target: path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) };
  });
}

const topFolder = (projectPath: string) => projectPath.split('/')[0] as string;

const ALL_IMPORTS = Object.keys(MAY_IMPORT).flatMap(sourceFiles).flatMap(importsOf);

describe('the one-way rule between folders', () => {
  it('reads a real import graph (the check below is not vacuous)', () => {
    // Assess: every folder has files, and the known edges are seen (lib uses functions, tools use local).
    for (const folder of Object.keys(MAY_IMPORT)) expect(sourceFiles(folder).length).toBeGreaterThan(0);
    const edges = new Set(
      ALL_IMPORTS.flatMap((i) => (i.target ? [`${topFolder(i.file)}→${topFolder(i.target)}`] : [])),
    );
    for (const edge of ['bin→lib', 'lib→functions', 'cli→functions', 'local→functions', 'tools→local', 'test→tools'])
      expect(edges.has(edge)).toBe(true);
  });

  it('no file imports from a folder above its own', () => {
    // Act
    const broken = ALL_IMPORTS.filter((i) => {
      if (i.target === undefined) return false;
      const allowed = MAY_IMPORT[topFolder(i.file)] as readonly string[];
      return !allowed.includes(topFolder(i.target));
    }).map((i) => `${i.file} imports ${i.specifier}`);

    // Assess
    expect(broken).toEqual([]);
  });

  it('what ships (lib, functions, cli, bin) imports nothing from local, tools or test', () => {
    // The rule of the issue stated on its own, so a later change to MAY_IMPORT cannot loosen it by accident.
    const shipped = ['lib', 'functions', 'cli', 'bin'];
    const broken = ALL_IMPORTS.filter(
      (i) =>
        i.target !== undefined &&
        shipped.includes(topFolder(i.file)) &&
        ['local', 'tools', 'test'].includes(topFolder(i.target)),
    ).map((i) => `${i.file} imports ${i.specifier}`);
    expect(broken).toEqual([]);
  });

  it('functions/core imports no adapter, no handler and no AWS package', () => {
    // Act
    const broken = ALL_IMPORTS.filter((i) => i.file.startsWith(`${CORE}/`))
      .filter((i) =>
        i.target === undefined ? CORE_MAY_NOT_IMPORT_PACKAGES.test(i.specifier) : !i.target.startsWith(`${CORE}/`),
      )
      .map((i) => `${i.file} imports ${i.specifier}`);

    // Assess
    expect(broken).toEqual([]);
  });

  it('catches a forbidden import when there is one (the parser sees all four forms)', () => {
    // Prepare: the forms the scan must recognise, as a file under lib/ would write them.
    const source = [
      "import { a } from '../local/runtime/server';",
      "export { b } from '../tools/cost';",
      "const c = require('../test/helpers/infra');",
      "const d = await import('../local/start');",
      "// import { e } from '../tools/bench';",
      'const f = _`require("../../tools/generated")`;',
    ].join('\n');

    // Act
    const specifiers = [...withoutComments(source).matchAll(SPECIFIER)].map((m) => m[2]);

    // Assess
    expect(specifiers).toEqual(['../local/runtime/server', '../tools/cost', '../test/helpers/infra', '../local/start']);
  });
});

describe('the deployed adapters', () => {
  it('export nothing that only the local mode, the tools or the tests use', () => {
    // Prepare: every exported name of functions/adapters/*, and the names what ships imports from each file
    const adapters = sourceFiles('functions/adapters');
    const shippedImports = ['functions', 'lib', 'cli', 'bin'].flatMap(sourceFiles).map((file) => ({
      file,
      source: withoutComments(readFileSync(path.join(ROOT, file), 'utf8')),
    }));

    // Act
    const unused = adapters.flatMap((adapter) => {
      const source = withoutComments(readFileSync(path.join(ROOT, adapter), 'utf8'));
      const exported = [...source.matchAll(/^export (?:async )?(?:function|const|class|interface|type) (\w+)/gm)].map(
        (m) => m[1] as string,
      );
      const module = adapter.replace(/\.ts$/, '');
      return exported
        .filter((name) => {
          const usedInside = new RegExp(`\\b${name}\\b`).test(
            source.replace(new RegExp(`export [^\\n]*\\b${name}\\b`), ''),
          );
          const usedByShipped = shippedImports.some(
            ({ file, source: other }) =>
              file !== adapter &&
              importsOf(file).some((i) => i.target === module) &&
              new RegExp(`\\b${name}\\b`).test(other),
          );
          return !usedInside && !usedByShipped;
        })
        .map((name) => `${adapter}: ${name}`);
    });

    // Assess
    expect(unused).toEqual([]);
  });
});

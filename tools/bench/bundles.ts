import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { FUNCTION_ENTRIES, LAMBDA_BUILD_OPTIONS as SHARED_BUILD_OPTIONS } from '../../lib/runtime-settings';
import { COLD_MARKS_KEY } from './cold-marks';

export const PROJECT_ROOT = join(__dirname, '..', '..');

/**
 * How the stack bundles a function (lib/runtime-settings.ts, which NodeFunction and the package build use too), so the
 * benchmark measures exactly what is deployed; plus the metafile the composition report reads.
 */
export const LAMBDA_BUILD_OPTIONS = {
  ...SHARED_BUILD_OPTIONS,
  external: [...SHARED_BUILD_OPTIONS.external],
  mainFields: [...SHARED_BUILD_OPTIONS.mainFields],
  metafile: true,
} satisfies BuildOptions;

/** The Lambda entries, by function name (lib/runtime-settings.ts). A function whose entry does not exist (yet) is skipped. */
export { FUNCTION_ENTRIES };

export interface Bundle {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly metafile: Metafile;
}

/** Bundles one entry the way the stack does (plus `extra`, for the benchmark's instrumented variants). */
export async function bundle(entry: string, outfile: string, extra: Partial<BuildOptions> = {}): Promise<Bundle> {
  const result = await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile,
    absWorkingDir: PROJECT_ROOT,
    ...extra,
  });
  const mapFile = `${outfile}.map`;
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    mapBytes: existsSync(mapFile) ? statSync(mapFile).size : 0,
    metafile: result.metafile as Metafile,
  };
}

/** Whether a function's entry exists in the working tree. */
export function entryExists(entry: string): boolean {
  return existsSync(join(PROJECT_ROOT, entry));
}

/** Bytes in the output per npm package (or per project folder), largest first. */
export function composition(built: Bundle): { group: string; bytes: number }[] {
  const output = Object.entries(built.metafile.outputs).find(([file]) => file.endsWith('.js'))?.[1];
  const groups = new Map<string, number>();
  for (const [file, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    const group = pkg ?? relative(PROJECT_ROOT, join(PROJECT_ROOT, file)).replace(/\/[^/]+$/, '/');
    groups.set(group, (groups.get(group) ?? 0) + input.bytesInOutput);
  }
  return [...groups].map(([group, bytes]) => ({ group, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The generated validators module, wherever functions/core keeps its schemas (it moved once, silently breaking this). */
const GENERATED_VALIDATORS = /functions[\\/]core[\\/](?:[\w-]+[\\/])*schemas[\\/]generated[\\/]validators\.js$/;

/** A benchmark plugin found nothing to change: the variant it builds would be the production bundle in disguise. */
export class BenchPluginUnusedError extends Error {
  override name = 'BenchPluginUnusedError';
}

/** Fails the build when `plugin`'s onLoad hook never ran (the file it targets moved or was renamed). */
function mustApply(plugin: Plugin): Plugin {
  return {
    name: plugin.name,
    async setup(builder) {
      let applied = 0;
      const onLoad = builder.onLoad.bind(builder);
      await plugin.setup({
        ...builder,
        onLoad: (options, callback) =>
          onLoad(options, (args) => {
            applied++;
            return callback(args);
          }),
      });
      builder.onEnd(() => {
        if (applied === 0)
          throw new BenchPluginUnusedError(`${plugin.name}: no module matched ${String(GENERATED_VALIDATORS)}`);
      });
    },
  };
}

const marksExpression = `(globalThis.${COLD_MARKS_KEY}??={validatorsMs:0})`;

/**
 * Wraps a CommonJS module with code that adds the time its top-level code takes (including the modules it requires on
 * the way) to the cold-start marks. The "use strict" directive stays first, so the module's semantics do not change.
 */
function timeModule(filter: RegExp): Plugin {
  return {
    name: 'bench-time-module',
    setup(builder) {
      builder.onLoad({ filter }, ({ path }) => {
        const source = readFileSync(path, 'utf8');
        const directive = /^\s*(["'])use strict\1;?/.exec(source)?.[0] ?? '';
        const start = 'const __benchStart=performance.now();';
        const end = `\n${marksExpression}.validatorsMs+=performance.now()-__benchStart;`;
        return { contents: `${directive}${start}${source.slice(directive.length)}${end}`, loader: 'js' };
      });
    },
  };
}

/**
 * Replaces the generated ahead-of-time validators module with one that compiles the same schemas with ajv when it is
 * loaded (createAjv, the project's own options and formats) and exports the same names. The function is otherwise
 * exactly functions/ingest/handler.ts: this is the receiver without ahead-of-time compilation. The time from loading
 * ajv to the last compiled validator goes to the cold-start marks.
 */
const compileValidatorsAtLoad: Plugin = {
  name: 'bench-compile-validators-at-load',
  setup(builder) {
    builder.onLoad({ filter: GENERATED_VALIDATORS }, ({ path }) => ({
      contents: [
        'const __benchStart = performance.now();',
        "const { createAjv } = require('../compile');",
        "const { compiledSchemas } = require('../definitions');",
        'const ajv = createAjv();',
        'for (const [name, schema] of Object.entries(compiledSchemas)) exports[name] = ajv.getSchema(schema.$id);',
        `${marksExpression}.validatorsMs += performance.now() - __benchStart;`,
      ].join('\n'),
      resolveDir: dirname(path),
      loader: 'js',
    }));
  },
};

/** The production ingest bundle, with the evaluation of the generated validators timed. */
export function instrumentedIngestOptions(): Partial<BuildOptions> {
  return { plugins: [mustApply(timeModule(GENERATED_VALIDATORS))] };
}

/** The ingest bundle compiling its validators with ajv at load time, timed. */
export function runtimeAjvOptions(): Partial<BuildOptions> {
  return { plugins: [mustApply(compileValidatorsAtLoad)] };
}

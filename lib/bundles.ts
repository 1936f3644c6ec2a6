/**
 * Where the code our constructs deploy comes from. In this repository, esbuild bundles it from source at
 * synth. In the published package (`npm run build`), the same bundles are built once into
 * `dist/assets/` and shipped: a consumer's synth bundles nothing, needs no esbuild and reads nothing
 * from our source tree.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, BundlingOutput, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The package root: the repository, or `dist/` of the installed package (this file is dist/lib/bundles.js there). */
const ROOT = join(__dirname, '..');
/** Prebuilt bundles, present only in the built package. */
export const PREBUILT_DIR = join(ROOT, 'assets');

/** esbuild options shared by every Lambda bundle, and by `npm run bench:bundle`, which measures them. */
export const LAMBDA_BUNDLING = {
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // The oldest runtime our functions get (latestNodeRuntime in lib/controller-function.ts): Node.js 24,
  // the newest aws-cdk-lib 2.276 knows. Newer runtimes run the same bundle.
  target: 'node24',
} as const;

/**
 * Bundles one entry under lambdas/entry into `outdir/index.js` (and its source map): CommonJS, the SDK
 * clients inside rather than the runtime's copy, so the tested versions are what runs. esbuild is a
 * development dependency, loaded only here.
 */
export function bundleLambda(entry: string, outdir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: [join(ROOT, 'lambdas', 'entry', `${entry}.ts`)],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    ...LAMBDA_BUNDLING,
    logLevel: 'silent',
  });
}

/**
 * The code of a Lambda entry: the package's prebuilt bundle, or a local esbuild bundle made at synth
 * (never Docker; the image named below is never pulled, since the local bundler always succeeds).
 */
export function lambdaCode(entry: string): lambda.Code {
  const prebuilt = join(PREBUILT_DIR, 'lambda', entry);
  if (existsSync(join(prebuilt, 'index.js'))) return lambda.Code.fromAsset(prebuilt);
  return lambda.Code.fromAsset(join(ROOT, 'lambdas'), {
    // The bundle's own bytes name the asset, as NodejsFunction did: it changes exactly when the code does.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('scratch'),
      // CDK reuses a staged asset for the same source path and bundling options within an app, and the
      // local bundler is not part of that key: the entry must be, or every function gets the first bundle.
      environment: { GRACEFUL_AUTOSCALER_ENTRY: entry },
      outputType: BundlingOutput.NOT_ARCHIVED,
      local: {
        tryBundle(outputDir: string) {
          bundleLambda(entry, outputDir);
          return true;
        },
      },
    },
  });
}

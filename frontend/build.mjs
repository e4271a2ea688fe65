// Builds src/card.ts into the integration's folder (HACS installs only custom_components/).
// `node build.mjs --check` builds in memory and fails when the committed bundle differs.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = resolve(here, "../custom_components/ocpp_central/frontend/ocpp-central-card.js");
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: [resolve(here, "src/card.ts")],
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  outfile,
  write: !check,
  logLevel: "warning",
});

if (check) {
  const built = result.outputFiles[0].contents;
  let committed;
  try {
    committed = readFileSync(outfile);
  } catch {
    committed = Buffer.alloc(0);
  }
  if (Buffer.compare(Buffer.from(built), committed) !== 0) {
    console.error(`${outfile} is out of date: run npm run build --prefix frontend`);
    process.exit(1);
  }
  console.log("bundle up to date");
}

// The reference for IsnetBenchmark: IMG.LY's @imgly/background-removal-node itself, timed
// on the same pictures as Atelier. Run from the folder where the package is installed:
//   node isnet-reference.mjs JOBS.json OUT_DIR REPEATS
// JOBS.json lists {name, file, width, height}, each file raw RGBA. For each model (small,
// medium) the first picture warms up (loads the model), then each picture runs REPEATS
// times; the median time is printed as one JSON line, the alpha written to OUT_DIR.
import { removeBackground } from "@imgly/background-removal-node";
import { readFileSync, writeFileSync } from "node:fs";

const [jobsFile, outDir, repeatsArg] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsFile, "utf8"));
const repeats = Number(repeatsArg ?? 3);
const pixels = new Map(jobs.map((job) => [job.name, readFileSync(job.file)]));

async function cut(job, config) {
  const blob = new Blob([pixels.get(job.name)], { type: `image/x-rgba8;width=${job.width};height=${job.height}` });
  const result = await removeBackground(blob, config);
  return new Uint8Array(await result.arrayBuffer());
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const model of (process.env.ISNET_MODELS ?? "small,medium").split(",")) {
  const config = { model, output: { format: "image/x-rgba8" } };
  await cut(jobs[0], config);
  for (const job of jobs) {
    const times = [];
    let rgba;
    for (let r = 0; r < repeats; r++) {
      const start = process.hrtime.bigint();
      rgba = await cut(job, config);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const alpha = new Uint8Array(job.width * job.height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
    writeFileSync(`${outDir}/${job.name}-${model}.alpha`, alpha);
    console.log(JSON.stringify({ name: job.name, model, ms: median(times) }));
  }
}

// CPU cost per image of each step with sharp, one libvips thread and one libuv thread, so the figure
// is core-milliseconds that no amount of parallelism can remove. Run with UV_THREADPOOL_SIZE=1.
// Usage: node bench/floor/sharp-steps.cjs <file> [<file> ...]   → one JSON line of ms CPU per image.
const sharp = require('sharp');
const { readFileSync } = require('node:fs');

sharp.cache(false);
sharp.concurrency(1);

/** Average CPU milliseconds of `step(i)` for i < n, after a warm-up of 10 calls. */
async function cpuMs(n, step) {
  for (let i = 0; i < Math.min(10, n); i++) await step(i);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await step(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

async function main() {
  const files = process.argv.slice(2).map((f) => readFileSync(f));
  const meta = await sharp(files[0]).metadata();
  const w = Math.round(meta.width / 2);
  const h = Math.round(meta.height / 2);
  const tiles = await Promise.all(files.map((f) => sharp(f).resize(w, h).raw().toBuffer()));
  const raw = { raw: { width: w, height: h, channels: 3 } };
  const n = files.length;
  const figures = {
    // The cheapest operation there is: sharp's fixed cost per call.
    emptyCall: await cpuMs(n, () => sharp(Buffer.alloc(192), { raw: { width: 8, height: 8, channels: 3 } }).raw().toBuffer()),
    decode: await cpuMs(n, (i) => sharp(files[i]).raw().toBuffer()),
    decodeResize: await cpuMs(n, (i) => sharp(files[i]).resize(w, h).raw().toBuffer()),
    encode: await cpuMs(n, (i) => sharp(tiles[i], raw).jpeg({ quality: 90 }).toBuffer()),
    whole: await cpuMs(n, (i) => sharp(files[i]).resize(w, h).jpeg({ quality: 90 }).toBuffer()),
  };
  console.log(JSON.stringify(figures));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

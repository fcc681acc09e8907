// Plans a preparation of the dataset at argv[2] in its own process and prints the skipped images and
// the process's peak RSS, so a test can see that oversized files were never read whole.
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { planPreparation } from '../../../src/core/training/planPreparation';

void (async () => {
  const dataset = await scanDataset(process.argv[2]!);
  const plan = await planPreparation(dataset, {}, { concurrency: 3 });
  process.stdout.write(JSON.stringify({ skipped: plan.skipped, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
})();

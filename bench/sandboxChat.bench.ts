// Sandbox chat throughput through our client (one 300×300 JPEG per request), sequential and with
// 4 requests in flight. Prints requests/s and mean latency; asserts nothing.
import sharp from 'sharp';
import { createMistralConnection } from '../src/core/mistral/connection';
import { startSandbox } from '../src/core/sandbox/server';

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0, apiKey: 'sandbox' });
  try {
    const conn = createMistralConnection({ apiKey: 'sandbox', serverUrl: sandbox.url });
    const images = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const raw = Buffer.alloc(300 * 300 * 3, 0).map((_, k) => (k * 31 + i * 17) % 256);
        return `data:image/jpeg;base64,${(await sharp(raw, { raw: { width: 300, height: 300, channels: 3 } }).jpeg().toBuffer()).toString('base64')}`;
      }),
    );
    const ask = (url: string) =>
      conn.chat.complete({
        model: 'pixtral-12b-latest',
        messages: [
          { role: 'system', content: 'Classify the image into exactly one of these classes: forest; river; urban.' },
          { role: 'user', content: [{ type: 'image_url', imageUrl: url }] },
        ],
      });
    await ask(images[0]!); // warm-up: loads the SDK and sharp
    for (const inFlight of [1, 4]) {
      const n = 64;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < n) await ask(images[next++ % images.length]!);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(`chat, ${inFlight} in flight: ${(n / seconds).toFixed(1)} req/s, ${((seconds / n) * 1000 * inFlight).toFixed(1)} ms mean latency`);
    }
  } finally {
    await sandbox.close();
  }
}

void main();

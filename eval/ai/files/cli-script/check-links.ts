import { readFile } from 'node:fs/promises';
import { glob } from 'node:fs/promises';

const LINK = /\[[^\]]*\]\((https?:\/\/[^)\s]+)\)/g;

async function check(url: string): Promise<number> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow' });
    if (res.status === 405) return (await fetch(url)).status;
    return res.status;
  } catch {
    return 0;
  }
}

async function main() {
  const pattern = process.argv[2] ?? 'docs/**/*.md';
  const broken: string[] = [];
  const cache = new Map<string, number>();

  for await (const file of glob(pattern)) {
    const text = await readFile(file, 'utf8');
    for (const [, url] of text.matchAll(LINK)) {
      if (!cache.has(url!)) cache.set(url!, await check(url!));
      const status = cache.get(url!)!;
      if (status === 0 || status >= 400) broken.push(`${file}: ${url} (${status || 'network error'})`);
    }
  }

  if (broken.length) {
    console.error(`Found ${broken.length} broken link(s):\n` + broken.join('\n'));
    process.exitCode = 1;
  } else {
    console.log(`All ${cache.size} links OK`);
  }
}

void main();

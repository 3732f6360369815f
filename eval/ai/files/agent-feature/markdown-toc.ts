export interface Heading {
  level: number;
  text: string;
  slug: string;
}

export function extractHeadings(markdown: string): Heading[] {
  const headings: Heading[] = [];
  const seen = new Map<string, number>();
  let inFence = false;

  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;

    const match = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!match) continue;

    const text = match[2]!.replace(/[*_`]/g, '');
    let slug = text
      .toLowerCase()
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/\s+/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    if (count > 0) slug = `${slug}-${count}`;

    headings.push({ level: match[1]!.length, text, slug });
  }
  return headings;
}

export function renderToc(headings: Heading[], maxLevel = 3): string {
  const minLevel = Math.min(...headings.map((h) => h.level));
  return headings
    .filter((h) => h.level <= maxLevel)
    .map((h) => `${'  '.repeat(h.level - minLevel)}- [${h.text}](#${h.slug})`)
    .join('\n');
}

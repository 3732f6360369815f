const COMBINING_MARKS = /[\u0300-\u036f]/g;

export function slugify(input: string, { maxLength = 80 }: { maxLength?: number } = {}): string {
  const slug = input
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.length > maxLength ? slug.slice(0, maxLength).replace(/-+$/, '') : slug;
}

export function uniqueSlug(input: string, taken: ReadonlySet<string>): string {
  const base = slugify(input) || 'item';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

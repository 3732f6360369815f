export interface Document {
  id: string;
  title: string;
  body: string;
}

interface Posting {
  docId: string;
  tf: number;
}

const STOP_WORDS = new Set(['a', 'an', 'and', 'the', 'of', 'to', 'in', 'is', 'it', 'for', 'on', 'with']);

export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t));
}

export class SearchIndex {
  private readonly postings = new Map<string, Posting[]>();
  private readonly docs = new Map<string, Document>();

  add(doc: Document): void {
    if (this.docs.has(doc.id)) this.remove(doc.id);
    this.docs.set(doc.id, doc);
    const counts = new Map<string, number>();
    // Title terms count double so that title matches rank higher
    for (const t of tokenize(doc.title)) counts.set(t, (counts.get(t) ?? 0) + 2);
    for (const t of tokenize(doc.body)) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [term, tf] of counts) {
      const list = this.postings.get(term) ?? [];
      list.push({ docId: doc.id, tf });
      this.postings.set(term, list);
    }
  }

  remove(id: string): void {
    if (!this.docs.delete(id)) return;
    for (const [term, list] of this.postings) {
      const kept = list.filter((p) => p.docId !== id);
      if (kept.length) this.postings.set(term, kept);
      else this.postings.delete(term);
    }
  }

  search(query: string, limit = 10): { doc: Document; score: number }[] {
    const scores = new Map<string, number>();
    const n = this.docs.size;
    for (const term of tokenize(query)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + n / list.length);
      for (const { docId, tf } of list) {
        scores.set(docId, (scores.get(docId) ?? 0) + (1 + Math.log(tf)) * idf);
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([id, score]) => ({ doc: this.docs.get(id)!, score }));
  }
}

interface PaginationProps {
  page: number;
  totalPages: number;
  onChange: (page: number) => void;
  siblingCount?: number;
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

export function Pagination({ page, totalPages, onChange, siblingCount = 1 }: PaginationProps) {
  if (totalPages <= 1) return null;

  const start = Math.max(2, page - siblingCount);
  const end = Math.min(totalPages - 1, page + siblingCount);
  const pages: (number | 'gap')[] = [1];
  if (start > 2) pages.push('gap');
  pages.push(...range(start, end));
  if (end < totalPages - 1) pages.push('gap');
  pages.push(totalPages);

  return (
    <nav aria-label="Pagination" className="pagination">
      <button type="button" disabled={page === 1} onClick={() => onChange(page - 1)}>
        Previous
      </button>
      {pages.map((p, i) =>
        p === 'gap' ? (
          <span key={`gap-${i}`} className="pagination__gap">
            …
          </span>
        ) : (
          <button
            key={p}
            type="button"
            aria-current={p === page ? 'page' : undefined}
            className={p === page ? 'pagination__page is-active' : 'pagination__page'}
            onClick={() => onChange(p)}
          >
            {p}
          </button>
        ),
      )}
      <button type="button" disabled={page === totalPages} onClick={() => onChange(page + 1)}>
        Next
      </button>
    </nav>
  );
}

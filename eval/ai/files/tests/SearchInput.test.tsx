import { render, screen, fireEvent, act } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SearchInput } from '../src/SearchInput';

describe('<SearchInput />', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls onSearch with the debounced value', () => {
    const onSearch = vi.fn();
    render(<SearchInput onSearch={onSearch} delay={200} />);

    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'react' } });
    expect(onSearch).not.toHaveBeenCalledWith('react');

    act(() => {
      vi.advanceTimersByTime(200);
    });
    expect(onSearch).toHaveBeenLastCalledWith('react');
  });

  it('shows a clear button once there is input', () => {
    render(<SearchInput onSearch={() => {}} />);
    expect(screen.queryByLabelText('Clear search')).toBeNull();

    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'x' } });
    fireEvent.click(screen.getByLabelText('Clear search'));

    expect((screen.getByLabelText('Search') as HTMLInputElement).value).toBe('');
  });
});

import React, { useEffect, useRef, useState } from 'react';

interface SearchInputProps {
  /** Called with the debounced search term. */
  onSearch: (term: string) => void;
  /** Placeholder text for the input. */
  placeholder?: string;
  /** Debounce delay in milliseconds. */
  delay?: number;
}

/**
 * A search input that debounces user input before calling `onSearch`.
 */
export const SearchInput: React.FC<SearchInputProps> = ({ onSearch, placeholder = 'Search...', delay = 300 }) => {
  const [value, setValue] = useState('');
  const timeoutRef = useRef<ReturnType<typeof setTimeout>>();

  useEffect(() => {
    // Clear any pending timeout when the value changes
    if (timeoutRef.current) {
      clearTimeout(timeoutRef.current);
    }

    // Schedule the search callback
    timeoutRef.current = setTimeout(() => {
      onSearch(value.trim());
    }, delay);

    // Cleanup on unmount or before the next effect runs
    return () => {
      if (timeoutRef.current) {
        clearTimeout(timeoutRef.current);
      }
    };
  }, [value, delay, onSearch]);

  return (
    <div className="search-input">
      <input
        type="search"
        value={value}
        placeholder={placeholder}
        onChange={(e) => setValue(e.target.value)}
        aria-label="Search"
      />
      {value && (
        <button type="button" onClick={() => setValue('')} aria-label="Clear search">
          ×
        </button>
      )}
    </div>
  );
};

export default SearchInput;

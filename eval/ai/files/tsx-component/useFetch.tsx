import { useCallback, useEffect, useState } from 'react';

interface FetchState<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
}

/**
 * Custom hook for fetching data from an API endpoint.
 *
 * @param url - The URL to fetch data from.
 * @returns The current fetch state along with a `refetch` function.
 */
export function useFetch<T>(url: string) {
  const [state, setState] = useState<FetchState<T>>({ data: null, error: null, loading: true });
  const [reloadToken, setReloadToken] = useState(0);

  useEffect(() => {
    // Use an AbortController so we can cancel the request if the component unmounts
    const controller = new AbortController();

    const fetchData = async () => {
      setState((prev) => ({ ...prev, loading: true, error: null }));
      try {
        const response = await fetch(url, { signal: controller.signal });
        if (!response.ok) {
          throw new Error(`HTTP error! status: ${response.status}`);
        }
        const json = (await response.json()) as T;
        setState({ data: json, error: null, loading: false });
      } catch (error) {
        // Ignore abort errors since they are expected on unmount
        if ((error as Error).name === 'AbortError') return;
        setState({ data: null, error: error as Error, loading: false });
      }
    };

    fetchData();

    return () => controller.abort();
  }, [url, reloadToken]);

  const refetch = useCallback(() => setReloadToken((t) => t + 1), []);

  return { ...state, refetch };
}

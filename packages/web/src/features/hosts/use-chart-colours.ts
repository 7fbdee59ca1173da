import { useEffect, useState } from 'react';

/** The theme colours a canvas needs as plain values (a canvas cannot read CSS variables). */
export interface ChartColours {
  foreground: string;
  mutedForeground: string;
  border: string;
  primary: string;
  success: string;
  warning: string;
  destructive: string;
}

function readChartColours(): ChartColours {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: read('--foreground', '#0f172a'),
    mutedForeground: read('--muted-foreground', '#475569'),
    border: read('--border', '#e2e8f0'),
    primary: read('--primary', '#1d4ed8'),
    success: read('--success', '#15803d'),
    warning: read('--warning', '#b45309'),
    destructive: read('--destructive', '#b91c1c'),
  };
}

/**
 * The current theme's colours, read again whenever the `dark` class on <html> changes,
 * so charts (which are re-created when this changes) follow the theme switch.
 */
export function useChartColours(): ChartColours {
  const [colours, setColours] = useState(readChartColours);
  useEffect(() => {
    const observer = new MutationObserver(() =>
      setColours((current) => {
        const next = readChartColours();
        return JSON.stringify(next) === JSON.stringify(current) ? current : next;
      }),
    );
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    return () => observer.disconnect();
  }, []);
  return colours;
}

/** "#1d4ed8" at 15 % opacity, for an area under a line; other colour syntaxes are returned as they are. */
export function withAlpha(colour: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!match) return colour;
  const [red, green, blue] = match.slice(1).map((hex) => Number.parseInt(hex, 16));
  return `rgba(${red}, ${green}, ${blue}, ${alpha})`;
}

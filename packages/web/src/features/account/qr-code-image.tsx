import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * An SVG data URL for a QR code. SVG rather than QRCode.toDataURL's PNG: that one needs
 * a canvas, which the component tests' DOM lacks, and SVG stays sharp at any zoom.
 * The page's CSP allows img-src data:.
 */
async function qrCodeDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** A QR code of `text` on a white ground (scanners need the contrast, dark theme or not). */
export function QrCodeImage({ text, alt }: { text: string; alt: string }) {
  const [source, setSource] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    setSource(null);
    setFailed(false);
    qrCodeDataUrl(text).then(
      (url) => !cancelled && setSource(url),
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [text]);

  if (failed) return <p className="text-sm text-destructive">The QR code could not be drawn; type the secret key into your app instead.</p>;
  if (!source) return <div className="h-48 w-48 animate-pulse rounded-md bg-muted" aria-hidden />;
  return <img src={source} alt={alt} width={192} height={192} className="h-48 w-48 rounded-md bg-white p-1" />;
}

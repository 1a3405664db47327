/** Authenticated file downloads: fetch as a blob through the typed client, then save it. */
import { ApiError } from "../api/problem";

/** Saves a blob under a file name (a temporary link clicked). */
export function downloadBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The file name of a Content-Disposition header (RFC 5987 `filename*` first), or the fallback. */
export function filenameFrom(response: Pick<Response, "headers">, fallback: string): string {
  const cd = response.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain?.[1] ?? fallback;
}

/**
 * Awaits a `parseAs: "blob"` call of the API client and saves the file; a refusal throws an
 * ApiError (problem+json) for the caller to report.
 */
export async function saveDownload(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
  fallbackName: string,
): Promise<void> {
  const { data, error, response } = await call;
  if (!response.ok || !data) throw ApiError.from(response, error);
  downloadBlob(data as Blob, filenameFrom(response, fallbackName));
}

// Uploads with a progress bar. fetch() cannot report upload progress, so this one
// place uses XMLHttpRequest; paths and answers are still the generated schema's.
import { authHeaders } from "./auth";
import { ApiError } from "./problem";

export type Progress = { loaded: number; total: number };

export function uploadWithProgress<T>(
  method: "PUT" | "POST",
  url: string,
  body: Blob,
  contentType: string,
  onProgress: (p: Progress) => void,
): Promise<{ data: T; headers: (name: string) => string | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("Content-Type", contentType);
    for (const [k, v] of Object.entries(authHeaders(method))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : body.size });
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        parsed = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: body.size, total: body.size });
        resolve({ data: parsed as T, headers: (n) => xhr.getResponseHeader(n) });
      } else reject(new ApiError(xhr.status, parsed));
    };
    xhr.send(body);
  });
}

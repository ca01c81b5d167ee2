// One host upload (test features, labels, smoke sample) with its progress bar.
import { useState } from "react";
import { uploadWithProgress, type Progress } from "@/api/upload";
import { DropZone } from "@/components/DropZone";
import { ErrorNotice, ProgressBar } from "@/components/ui";

export function Uploader(props: {
  name: string;
  title: string;
  hint: string;
  url: (file: File) => string;
  contentType: string;
  method?: "PUT" | "POST";
  onDone: () => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await uploadWithProgress(props.method ?? "PUT", props.url(file), file, props.contentType, setProgress);
      setDone(`${file.name} uploaded.`);
      setFile(null);
      props.onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={send} aria-label={props.title}>
      <h3>{props.title}</h3>
      <p className="muted">{props.hint}</p>
      <DropZone name={props.name} label={`${props.title}: file`} file={file} onFile={setFile} />
      {progress && (busy || done) && <ProgressBar value={progress.loaded} max={progress.total} label={`${props.title} upload progress`} />}
      <ErrorNotice error={error} />
      {done && <p role="status" className="ok-text">{done}</p>}
      <button type="submit" disabled={!file || busy}>Upload</button>
    </form>
  );
}

// A file picker that also takes a dropped file; a real <input type=file> keeps it keyboard-usable.
import { useState } from "react";

export function DropZone(props: { label: string; accept?: string; file: File | null; onFile: (f: File | null) => void; name: string }) {
  const [over, setOver] = useState(false);
  const id = `drop-${props.name}`;
  return (
    <div
      className={over ? "dropzone over" : "dropzone"}
      data-testid={id}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const f = e.dataTransfer.files[0];
        if (f) props.onFile(f);
      }}
    >
      <label htmlFor={id}>{props.label}</label>
      <input id={id} type="file" accept={props.accept} onChange={(e) => props.onFile(e.target.files?.[0] ?? null)} />
      <p className="muted">{props.file ? `${props.file.name} (${props.file.size.toLocaleString()} bytes)` : "Drop a file here, or choose one."}</p>
    </div>
  );
}

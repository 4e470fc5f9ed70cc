// Small pieces every view uses: money, status, errors, secrets shown once, JSON.
import { useState, type ReactNode } from "react";
import { ApiError, type IntentStatus } from "../api/client";
import { formatKes } from "../format/money";

export function Money({ cents }: { cents: number }) {
  return <span className="money">{formatKes(cents)}</span>;
}

const STATUS_LABEL: Record<IntentStatus, string> = {
  requires_payment_method: "Incomplete",
  processing: "Processing",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
};

export function StatusBadge({ status }: { status: IntentStatus | string }) {
  const label = STATUS_LABEL[status as IntentStatus] ?? status;
  return <span className={`badge badge-${status}`}>{label}</span>;
}

/** What went wrong, in the API's words, with the request id support will ask for. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {message}
      {error instanceof ApiError && error.requestId ? <span className="request-id"> ({error.requestId})</span> : null}
    </p>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // Clipboard refused (no permission): the text is selectable on screen.
      setCopied(false);
    }
  };
  return (
    <button type="button" onClick={() => void copy()}>
      {copied ? "Copied" : label}
    </button>
  );
}

/** A secret the API shows once: on screen until dismissed, never stored. */
export function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  return (
    <section className="secret-once" aria-label={title}>
      <h3>{title}</h3>
      <p>This is the only time it is shown. Copy it now and keep it somewhere safe.</p>
      <div className="secret-row">
        <code data-testid="secret-value">{secret}</code>
        <CopyButton text={secret} />
      </div>
      <button type="button" className="button-quiet" onClick={onDone}>
        I have saved it
      </button>
    </section>
  );
}

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="json" tabIndex={0} aria-label={label}>
      {value === undefined || value === null ? "—" : JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A table that scrolls sideways on a phone; focusable so keyboards can scroll it too. */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

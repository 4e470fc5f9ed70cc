// Times: the merchant's local time on screen, the UTC value on hover (the API speaks Unix seconds).

const local = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function utcText(unix: number): string {
  return new Date(unix * 1000).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}

export function localText(unix: number): string {
  return local.format(new Date(unix * 1000));
}

export function Time({ unix }: { unix: number | null | undefined }) {
  if (unix === null || unix === undefined) return <span>—</span>;
  return (
    <time dateTime={new Date(unix * 1000).toISOString()} title={utcText(unix)}>
      {localText(unix)}
    </time>
  );
}

/** Unix seconds of local midnight, today. */
export function startOfToday(now: Date = new Date()): number {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.floor(midnight.getTime() / 1000);
}

/** A yyyy-mm-dd date input's value as the Unix seconds of that local midnight. */
export function dateInputToUnix(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return Math.floor(new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime() / 1000);
}

/**
 * A stream the projector could not read, kept out of the read models from that event on. One
 * unreadable event (a malformed body, an unknown type, a bug in the fold) stops only its own
 * patient; every other stream is applied as usual and the projector stays live.
 *
 * For a patient stream, its later events are skipped until a rebuild (which tries again, so a fixed
 * upcaster heals it); its rows from before the event are kept for auditors, and reads of that
 * patient should answer with a typed error instead of a plan that may be missing a change. For an
 * access-log stream (records are independent of each other) only the unreadable records are
 * skipped; the row records the first of them.
 *
 * Nothing here carries event data: an error is described by its class, the stage that failed and,
 * for schema errors, the issue paths and codes, never the offending values (they may be personal).
 */
export interface QuarantineRow {
  readonly streamName: string;
  /** The patient's pseudonym (not personal data); undefined for an access-log stream. */
  readonly pseudonym: string | undefined;
  /** Stream revision of the event that could not be applied. */
  readonly revision: number;
  /**
   * Its global position; 0 when the stream was found broken by a reader that did not know it (a
   * fold straight from EventStoreDB, whose stream reads carry no positions).
   */
  readonly position: bigint;
  readonly eventType: string;
  /** The error's class name, e.g. EventSchemaError. */
  readonly errorName: string;
  /** What failed, without any event data values. */
  readonly errorMessage: string;
  /** When this node quarantined the stream (ISO instant). */
  readonly quarantinedAt: string;
}

/** Thrown to whoever waits for a stream that is, or becomes, quarantined. */
export class StreamQuarantinedError extends Error {
  override readonly name = 'StreamQuarantinedError';

  constructor(readonly quarantine: QuarantineRow) {
    super(
      `Stream ${quarantine.streamName} is quarantined at revision ${quarantine.revision} ` +
        `(${quarantine.errorName}: ${quarantine.errorMessage})`,
    );
  }
}

/** An event whose revision is not the one after its stream's last (a gap, or one seen again). */
export class RevisionOrderError extends Error {
  override readonly name = 'RevisionOrderError';
}

/** The step of projecting an event that failed. */
export type FailureStage = 'integrity' | 'read' | 'order' | 'parse' | 'fold' | 'view';

const STAGE_TEXT: Record<FailureStage, string> = {
  integrity: 'the stream fails its hash chain',
  read: 'an earlier event of the stream could not be folded again',
  order: 'event out of revision order',
  parse: 'event could not be parsed',
  fold: 'event could not be folded',
  view: 'view of the folded plan could not be made',
};

const MAX_MESSAGE = 500;
const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly code: string;
}

const isIssueList = (value: unknown): value is readonly Issue[] =>
  Array.isArray(value) &&
  value.every(
    (i: unknown) =>
      typeof i === 'object' &&
      i !== null &&
      Array.isArray((i as { path?: unknown }).path) &&
      typeof (i as { code?: unknown }).code === 'string',
  );

/** Zod issues of a ZodError, or of an error that carries them (as `issues` or as its cause). */
function issuesOf(error: unknown): readonly Issue[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { issues, cause } = error as { issues?: unknown; cause?: unknown };
  if (isIssueList(issues)) return issues;
  return cause === undefined ? undefined : issuesOf(cause);
}

/** A path like `parties[0].organization.id`. Keys are schema keys; anything else is masked. */
const pathText = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(root)'
    : path
        .map((k) =>
          typeof k === 'number' ? `[${k}]` : typeof k === 'string' && IDENTIFIER.test(k) ? k : '*',
        )
        .join('.')
        .replaceAll('.[', '[');

/** The error's class name, if it looks like one (a name is code, but it could be set to anything). */
export function errorNameOf(error: unknown): string {
  const name = error instanceof Error ? error.name : undefined;
  return name !== undefined && IDENTIFIER.test(name) ? name : 'Error';
}

/**
 * A message safe to store and log. Free-form error messages are not used, because they may
 * quote the data (zod's do for some checks; JSON.parse's quote the input), except the part of an
 * EventSchemaError before its first colon, which names only the event type and schema versions.
 * `detail` is the caller's own text (revision numbers), never data.
 */
export function safeMessageOf(error: unknown, stage: FailureStage, detail?: string): string {
  const parts = [detail === undefined ? STAGE_TEXT[stage] : `${STAGE_TEXT[stage]} (${detail})`];
  const issues = issuesOf(error);
  if (issues !== undefined) {
    parts.push(issues.map((i) => `${pathText(i.path)} ${i.code}`).join('; '));
  } else if (error instanceof Error && error.name === 'EventSchemaError') {
    parts.push(error.message.split(':')[0]!);
  }
  const message = parts.join(': ');
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

/** quarantined_streams as stored. */
export interface RawQuarantine {
  stream_name: string;
  pseudonym: string | null;
  revision: number;
  position: string;
  event_type: string;
  error_name: string;
  error_message: string;
  quarantined_at: string;
}

export const toQuarantineRow = (r: RawQuarantine): QuarantineRow => ({
  streamName: r.stream_name,
  pseudonym: r.pseudonym ?? undefined,
  revision: Number(r.revision),
  position: BigInt(r.position),
  eventType: r.event_type,
  errorName: r.error_name,
  errorMessage: r.error_message,
  quarantinedAt: r.quarantined_at,
});

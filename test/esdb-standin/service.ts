/**
 * The gRPC handlers: `event_store.client.streams.Streams` (Read, Append, BatchAppend) and
 * `event_store.client.server_features.ServerFeatures` (GetSupportedMethods). Every other method of
 * the client's services is left to grpc-js, which answers UNIMPLEMENTED.
 *
 * Each handler mirrors the corresponding EventStoreDB server code (EventStore.Core
 * Services/Transport/Grpc: Streams.Read.cs and the Enumerators, Streams.Append.cs,
 * Streams.BatchAppend.cs, ServerFeatures.cs); comments name the behaviour copied. Appends are
 * handed to `AppendHolds` (holds.ts) to be written and answered, now or, under a test's hold, later.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  ANY,
  MAX_APPEND_SIZE,
  NO_STREAM,
  STREAM_EXISTS,
  U64_MAX,
  sizeOnDisk,
  type AppendResult,
  type ProposedEvent,
  type StoredEvent,
  type TransactionLog,
} from './log.js';
import type { AppendHolds } from './holds.js';
import {
  ProtoAny,
  ProtoEmpty,
  grpc,
  serverFeaturesPb,
  sharedPb,
  statusPb,
  streamsPb,
  type GrpcJs,
  type SharedPb,
  type StreamsPb,
} from './proto.js';

const { ReadReq, ReadResp, AppendResp, BatchAppendResp } = streamsPb;
const { Options } = ReadReq;

/** The server's page size (`ReadBatchSize`), which is also the default filter search window. */
const READ_BATCH_SIZE = 32;

export interface HandlerOptions {
  /** Overrides the number of scanned events between checkpoints of filtered `$all` subscriptions. */
  readonly checkpointInterval: number | undefined;
}

type ReadCall = GrpcJs.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>;
type Writable<T> = { write(message: T): boolean } & NodeJS.EventEmitter;

/** A status error as grpc-js expects it from handlers. */
function statusError(code: GrpcJs.status, details: string, trailers: Record<string, string> = {}) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return { code, details, metadata };
}

/** What ASP.NET Core's gRPC host answers when a handler throws (the server's own input validation). */
const handlerThrew = () => statusError(grpc.status.UNKNOWN, 'Exception was thrown by handler.');

// ---------------------------------------------------------------------------------------------
// Identifiers

function streamNameOf(identifier: SharedPb.StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function streamIdentifier(name: string): SharedPb.StreamIdentifier {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(name, 'utf8'));
  return identifier;
}

function uuidToString(uuid: SharedPb.UUID | undefined): string {
  const structured = uuid?.getStructured();
  if (structured === undefined) return uuid?.getString() ?? '';
  const half = (bits: string) => BigInt.asUintN(64, BigInt(bits)).toString(16).padStart(16, '0');
  const hex = half(structured.getMostSignificantBits()) + half(structured.getLeastSignificantBits());
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidMessage(id: string, structured: boolean): SharedPb.UUID {
  const uuid = new sharedPb.UUID();
  if (!structured) {
    uuid.setString(id);
    return uuid;
  }
  const hex = id.replace(/-/g, '');
  const bits = new sharedPb.UUID.Structured();
  bits.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
  bits.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
  uuid.setStructured(bits);
  return uuid;
}

// ---------------------------------------------------------------------------------------------
// Events

/** Shape shared by `AppendReq.ProposedMessage` and `BatchAppendReq.ProposedMessage`. */
interface ProposedMessage {
  getId(): SharedPb.UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

/** The server requires metadata `type` and `content-type`; it stores only "is JSON" of the latter. */
function toProposedEvent(message: ProposedMessage): ProposedEvent | { missing: string } {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  if (type === undefined) return { missing: 'type' };
  const contentType = metadata.get('content-type');
  if (contentType === undefined) return { missing: 'content-type' };
  return {
    id: uuidToString(message.getId()),
    type,
    isJson: contentType === 'application/json',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

/**
 * `ConvertToReadEvent`. `$all` events carry their position (`commit_position` set, and the
 * recorded event's commit/prepare). Stream events carry `no_position` and ulong.MaxValue in the
 * recorded event, as servers whose stream index does not know log positions send them.
 */
function readEventResponse(event: StoredEvent, withPosition: boolean, structuredIds: boolean) {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(uuidMessage(event.id, structuredIds));
  recorded.setStreamIdentifier(streamIdentifier(event.streamId));
  recorded.setStreamRevision(event.revision.toString());
  const position = (withPosition ? event.position : U64_MAX).toString();
  recorded.setCommitPosition(position);
  recorded.setPreparePosition(position);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('created', event.created.toString());
  metadata.set('content-type', event.isJson ? 'application/json' : 'application/octet-stream');
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.metadata);

  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  if (withPosition) readEvent.setCommitPosition(event.position.toString());
  else readEvent.setNoPosition(new sharedPb.Empty());
  const response = new ReadResp();
  response.setEvent(readEvent);
  return response;
}

// ---------------------------------------------------------------------------------------------
// Positions and filters

/** A `$all` position as (commit, prepare); an event at log position P is at (P, P). */
interface AllPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

function compareToEvent(event: StoredEvent, position: AllPosition): number {
  if (event.position !== position.commit) return event.position < position.commit ? -1 : 1;
  return event.position === position.prepare ? 0 : event.position < position.prepare ? -1 : 1;
}

/** The server's `Position` constructor refuses commit < prepare (an ArgumentOutOfRangeException in the handler). */
function parsePosition(position: StreamsPb.ReadReq.Options.Position): AllPosition | undefined {
  const commit = BigInt(position.getCommitPosition());
  const prepare = BigInt(position.getPreparePosition());
  return commit < prepare ? undefined : { commit, prepare };
}

type EventPredicate = (event: StoredEvent) => boolean;
type StreamFrom = 'start' | 'end' | bigint;
type AllFrom = 'start' | 'end' | AllPosition | undefined;

/** `EventFilter`: prefixes (any matches) or a regex (unanchored search), on event type or stream name. */
function parseFilter(filter: StreamsPb.ReadReq.Options.FilterOptions): EventPredicate {
  const onType = filter.getFilterCase() === Options.FilterOptions.FilterCase.EVENT_TYPE;
  const expression = onType ? filter.getEventType() : filter.getStreamIdentifier();
  const regex = expression?.getRegex() ?? '';
  const prefixes = expression?.getPrefixList() ?? [];
  const compiled = regex === '' ? undefined : new RegExp(regex);
  const test = (value: string) =>
    compiled ? compiled.test(value) : prefixes.some((prefix) => value.startsWith(prefix));
  return (event) => test(onType ? event.type : event.streamId);
}

// ---------------------------------------------------------------------------------------------
// Streams.Read

async function send<T>(call: Writable<T>, message: T, signal: AbortSignal): Promise<void> {
  if (!call.write(message)) await once(call, 'drain', { signal });
}

function createReadHandler(log: TransactionLog, options: HandlerOptions, track: CallTracker) {
  return (call: ReadCall) => {
    const signal = track(call);
    void read(call, signal).then(
      () => {
        if (!signal.aborted) call.end();
      },
      (error: unknown) => {
        if (signal.aborted) return; // cancelled by the client, or the stand-in is dropping connections
        call.emit('error', isStatusError(error) ? error : handlerThrew());
      },
    );
  };

  async function read(call: ReadCall, signal: AbortSignal): Promise<void> {
    const request = call.request.getOptions();
    if (request === undefined) throw handlerThrew();
    const uuidOption = request.getUuidOption()?.getContentCase();
    const structuredIds = uuidOption === Options.UUIDOption.ContentCase.STRUCTURED;
    const subscription = request.getCountOptionCase() === Options.CountOptionCase.SUBSCRIPTION;
    const forwards = request.getReadDirection() === Options.ReadDirection.FORWARDS;
    const requestedCount = BigInt(request.getCount() || '0');
    const count =
      requestedCount > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(requestedCount);
    const filterOptions = request.hasFilter() ? request.getFilter() : undefined;

    const streamOptions = request.getStream();
    if (streamOptions !== undefined) {
      const name = streamNameOf(streamOptions.getStreamIdentifier());
      const { RevisionOptionCase } = Options.StreamOptions;
      const from: StreamFrom =
        streamOptions.getRevisionOptionCase() === RevisionOptionCase.REVISION
          ? BigInt(streamOptions.getRevision())
          : streamOptions.getRevisionOptionCase() === RevisionOptionCase.END
            ? 'end'
            : 'start';
      if (!subscription) return readStream(call, signal, name, from, forwards, count, structuredIds);
      // Catch-up from the start, or strictly after `from`; from the end = only events appended from now on.
      const after = from === 'start' ? -1n : from === 'end' ? U64_MAX : from;
      return subscribe(call, signal, {
        startIndex: from === 'end' ? log.all.length : 0,
        accept: (event) => event.streamId === name && event.revision > after,
        withPosition: false,
        structuredIds,
        checkpointEvery: undefined,
      });
    }

    const allOptions = request.getAll();
    if (allOptions === undefined) throw handlerThrew();
    const { AllOptionCase } = Options.AllOptions;
    const fromCase = allOptions.getAllOptionCase();
    const requested = allOptions.getPosition();
    const from: AllFrom =
      fromCase === AllOptionCase.START
        ? 'start'
        : fromCase === AllOptionCase.END
          ? 'end'
          : requested && parsePosition(requested);
    if (from === undefined) throw handlerThrew();
    const filter = filterOptions ? parseFilter(filterOptions) : () => true;
    if (!subscription) return readAll(call, signal, from, forwards, count, filter, structuredIds);

    // Catch-up from the start, or strictly after `from` (the server reads the event at that position
    // and starts after it); from the end = only events appended from now on.
    const window = filterOptions?.hasMax() ? filterOptions.getMax() : READ_BATCH_SIZE;
    const checkpointEvery = filterOptions
      ? (options.checkpointInterval ??
        Math.max(1, filterOptions.getCheckpointintervalmultiplier()) * Math.max(1, window))
      : undefined;
    return subscribe(call, signal, {
      startIndex:
        from === 'start'
          ? 0
          : from === 'end'
            ? log.all.length
            : firstIndex(log.all, (event) => compareToEvent(event, from) > 0),
      accept: filter,
      withPosition: true,
      structuredIds,
      checkpointEvery,
    });
  }

  /** A stream read; a missing stream answers `stream_not_found` (the client raises StreamNotFoundError). */
  async function readStream(
    call: ReadCall,
    signal: AbortSignal,
    name: string,
    from: StreamFrom,
    forwards: boolean,
    count: number,
    structuredIds: boolean,
  ): Promise<void> {
    const events = log.stream(name);
    if (events === undefined) {
      const notFound = new ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(streamIdentifier(name));
      const response = new ReadResp();
      response.setStreamNotFound(notFound);
      return send(call, response, signal);
    }
    const last = BigInt(events.length - 1);
    const selected: StoredEvent[] = [];
    if (forwards) {
      // From the end (or past it): nothing.
      const start = from === 'start' ? 0n : from === 'end' ? last + 1n : from;
      for (let i = start; i <= last && selected.length < count; i++) selected.push(events[Number(i)]!);
    } else {
      // From the start: revision 0 only; from past the end: from the last event.
      const start = from === 'start' ? 0n : from === 'end' || from > last ? last : from;
      for (let i = start; i >= 0n && selected.length < count; i--) selected.push(events[Number(i)]!);
    }
    for (const event of selected) await send(call, readEventResponse(event, false, structuredIds), signal);
  }

  /** A `$all` read: forwards inclusive of an event at exactly `from`, backwards strictly before it (AllReader). */
  async function readAll(
    call: ReadCall,
    signal: AbortSignal,
    from: NonNullable<AllFrom>,
    forwards: boolean,
    count: number,
    filter: EventPredicate,
    structuredIds: boolean,
  ): Promise<void> {
    const all = log.all;
    const firstAtOrAfter = (position: AllPosition) =>
      firstIndex(all, (event) => compareToEvent(event, position) >= 0);
    const selected: StoredEvent[] = [];
    if (forwards) {
      const start = from === 'start' ? 0 : from === 'end' ? all.length : firstAtOrAfter(from);
      for (let i = start; i < all.length && selected.length < count; i++)
        if (filter(all[i]!)) selected.push(all[i]!);
    } else {
      const start = from === 'start' ? -1 : from === 'end' ? all.length - 1 : firstAtOrAfter(from) - 1;
      for (let i = start; i >= 0 && selected.length < count; i--) if (filter(all[i]!)) selected.push(all[i]!);
    }
    for (const event of selected) await send(call, readEventResponse(event, true, structuredIds), signal);
  }

  /**
   * A catch-up subscription: confirmation, then every accepted event after the start in `$all`
   * order, then `caught_up`, then live events as they are appended. The log is append-only and read
   * by index, so catch-up and live hand over with no gap and no repeat. Filtered `$all`
   * subscriptions also get a checkpoint (the position of the last scanned event) every
   * `checkpointEvery` scanned events, matching or not.
   */
  async function subscribe(
    call: ReadCall,
    signal: AbortSignal,
    cursor: {
      startIndex: number;
      accept: EventPredicate;
      withPosition: boolean;
      structuredIds: boolean;
      checkpointEvery: number | undefined;
    },
  ): Promise<void> {
    const confirmation = new ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirmed = new ReadResp();
    confirmed.setConfirmation(confirmation);
    await send(call, confirmed, signal);

    let index = cursor.startIndex;
    let scanned = 0;
    let caughtUp = false;
    while (!signal.aborted) {
      const event = log.all[index];
      if (event === undefined) {
        if (!caughtUp) {
          caughtUp = true;
          const response = new ReadResp();
          response.setCaughtUp(new ReadResp.CaughtUp());
          await send(call, response, signal);
        }
        await log.nextAppend(signal);
        continue;
      }
      index++;
      if (cursor.accept(event))
        await send(call, readEventResponse(event, cursor.withPosition, cursor.structuredIds), signal);
      if (cursor.checkpointEvery !== undefined && ++scanned >= cursor.checkpointEvery) {
        scanned = 0;
        const checkpoint = new ReadResp.Checkpoint();
        checkpoint.setCommitPosition(event.position.toString());
        checkpoint.setPreparePosition(event.position.toString());
        const response = new ReadResp();
        response.setCheckpoint(checkpoint);
        await send(call, response, signal);
      }
    }
  }
}

function firstIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex(predicate);
  return index === -1 ? items.length : index;
}

function isStatusError(error: unknown): error is ReturnType<typeof statusError> {
  return typeof error === 'object' && error !== null && 'code' in error && 'details' in error;
}

// ---------------------------------------------------------------------------------------------
// Streams.Append (client streaming: options, then proposed messages)

/** The server's internal expected version: ANY, NO_STREAM, STREAM_EXISTS or a revision. */
function expectedVersionOf(options: {
  hasAny(): boolean;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}): bigint | undefined {
  if (options.hasAny()) return ANY;
  if (options.hasNoStream()) return NO_STREAM;
  if (options.hasStreamExists()) return STREAM_EXISTS;
  return undefined;
}

function createAppendHandler(log: TransactionLog, holds: AppendHolds) {
  return (
    call: GrpcJs.ServerReadableStream<StreamsPb.AppendReq, StreamsPb.AppendResp>,
    callback: GrpcJs.sendUnaryData<StreamsPb.AppendResp>,
  ) => {
    let header: { streamId: string; expected: bigint } | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    let done = false;
    const fail = (error: ReturnType<typeof statusError>) => {
      done = true;
      callback(error, null);
    };

    call.on('data', (request: StreamsPb.AppendReq) => {
      if (done) return;
      if (header === undefined) {
        const options = request.getOptions();
        if (options === undefined) return fail(handlerThrew());
        const expected = options.hasRevision() ? BigInt(options.getRevision()) : expectedVersionOf(options);
        if (expected === undefined) return fail(handlerThrew());
        header = { streamId: streamNameOf(options.getStreamIdentifier()), expected };
        return;
      }
      const message = request.getProposedMessage();
      if (message === undefined) return fail(handlerThrew());
      const event = toProposedEvent(message);
      if ('missing' in event)
        return fail(
          statusError(
            grpc.status.INVALID_ARGUMENT,
            `Required Metadata Property '${event.missing}' is missing`,
            {
              exception: 'missing-required-metadata-property',
              'required-metadata-properties': event.missing,
            },
          ),
        );
      size += sizeOnDisk(event);
      if (size > MAX_APPEND_SIZE)
        return fail(
          statusError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${MAX_APPEND_SIZE} Exceeded.`, {
            exception: 'maximum-append-size-exceeded',
            'maximum-append-size': String(MAX_APPEND_SIZE),
          }),
        );
      events.push(event);
    });

    call.on('error', () => undefined); // the connection went away mid-append: nothing was written
    call.on('end', () => {
      if (done) return;
      if (header === undefined) return fail(handlerThrew());
      done = true;
      const { streamId, expected } = header;
      holds.submit({
        stream: streamId,
        events: events.length,
        write: () => {
          const result = log.append(streamId, expected, events);
          return () => callback(null, appendResponse(result, expected));
        },
        cancelled: () => call.cancelled,
      });
    });
  };
}

/** `Streams.Append`'s reply, setting both the current and the deprecated `*_20_6_0` fields as the server does. */
function appendResponse(result: AppendResult, expected: bigint): StreamsPb.AppendResp {
  const response = new AppendResp();
  if (result.kind === 'success') {
    const success = new AppendResp.Success();
    if (result.currentRevision < 0n) success.setNoStream(new sharedPb.Empty());
    else success.setCurrentRevision(result.currentRevision.toString());
    if (result.position === undefined) success.setNoPosition(new sharedPb.Empty());
    else {
      const position = new AppendResp.Position();
      position.setCommitPosition(result.position.toString());
      position.setPreparePosition(result.position.toString());
      success.setPosition(position);
    }
    response.setSuccess(success);
    return response;
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (expected === ANY) {
    wrong.setExpectedAny(new sharedPb.Empty());
    wrong.setAny2060(new sharedPb.Empty());
  } else if (expected === STREAM_EXISTS) {
    wrong.setExpectedStreamExists(new sharedPb.Empty());
    wrong.setStreamExists2060(new sharedPb.Empty());
  } else if (expected === NO_STREAM) {
    // The server also sets expected_revision_20_6_0 = ulong.MaxValue; that field is a JS number in
    // the generated code and cannot carry it, and the client does not read it.
    wrong.setExpectedNoStream(new sharedPb.Empty());
  } else {
    wrong.setExpectedRevision(expected.toString());
    wrong.setExpectedRevision2060(Number(expected));
  }
  if (result.currentRevision < 0n) {
    wrong.setCurrentNoStream(new sharedPb.Empty());
    wrong.setNoStream2060(new sharedPb.Empty());
  } else {
    wrong.setCurrentRevision(result.currentRevision.toString());
    wrong.setCurrentRevision2060(Number(result.currentRevision));
  }
  response.setWrongExpectedVersion(wrong);
  return response;
}

// ---------------------------------------------------------------------------------------------
// Streams.BatchAppend (bidirectional: requests keyed by correlation id, committed at is_final)

/** `google.rpc.Status` with packed details, as `Google.Rpc.Status` helpers build it server-side. */
function rpcStatus(
  code: number,
  message: string,
  details: { serializeBinary(): Uint8Array },
  typeName: string,
) {
  const status = new statusPb.Status();
  status.setCode(code);
  status.setMessage(message);
  const any = new ProtoAny();
  any.pack(details.serializeBinary(), typeName);
  status.setDetails(any);
  return status;
}

const RPC_CODE = { INVALID_ARGUMENT: 3, ALREADY_EXISTS: 6 } as const;

function batchAppendError(expected: bigint, result: AppendResult & { kind: 'wrong_expected_version' }) {
  const details = new sharedPb.WrongExpectedVersion();
  if (result.currentRevision < 0n) details.setCurrentNoStream(new ProtoEmpty());
  else details.setCurrentStreamRevision(result.currentRevision.toString());
  if (expected === ANY) details.setExpectedAny(new ProtoEmpty());
  else if (expected === NO_STREAM) details.setExpectedNoStream(new ProtoEmpty());
  else if (expected === STREAM_EXISTS) details.setExpectedStreamExists(new ProtoEmpty());
  else details.setExpectedStreamPosition(expected.toString());
  return rpcStatus(
    RPC_CODE.ALREADY_EXISTS,
    'WrongExpectedVersion',
    details,
    'event_store.client.WrongExpectedVersion',
  );
}

function createBatchAppendHandler(log: TransactionLog, holds: AppendHolds) {
  return (call: GrpcJs.ServerDuplexStream<StreamsPb.BatchAppendReq, StreamsPb.BatchAppendResp>) => {
    interface Pending {
      streamId: string;
      expected: bigint;
      events: ProposedEvent[];
      size: number;
    }
    const pending = new Map<string, Pending>();

    const reply = (
      request: StreamsPb.BatchAppendReq,
      streamId: string,
      fill: (response: StreamsPb.BatchAppendResp) => void,
    ) => {
      const response = new BatchAppendResp();
      const correlationId = request.getCorrelationId();
      if (correlationId) response.setCorrelationId(correlationId);
      response.setStreamIdentifier(streamIdentifier(streamId));
      fill(response);
      call.write(response);
    };
    const badRequest = (message: string) => {
      const details = new sharedPb.BadRequest();
      details.setMessage(message);
      return rpcStatus(RPC_CODE.INVALID_ARGUMENT, 'BadRequest', details, 'event_store.client.BadRequest');
    };

    call.on('data', (request: StreamsPb.BatchAppendReq) => {
      const correlationId = uuidToString(request.getCorrelationId());
      const options = request.getOptions();
      if (options !== undefined && !pending.has(correlationId)) {
        const streamId = streamNameOf(options.getStreamIdentifier());
        const expected = options.hasStreamPosition()
          ? BigInt(options.getStreamPosition())
          : expectedVersionOf(options);
        if (expected === undefined)
          return reply(request, streamId, (r) => r.setError(badRequest('Invalid expected stream position')));
        pending.set(correlationId, { streamId, expected, events: [], size: 0 });
      }
      const write = pending.get(correlationId);
      if (write === undefined) return;

      for (const message of request.getProposedMessagesList()) {
        const event = toProposedEvent(message);
        if ('missing' in event) {
          pending.delete(correlationId);
          return reply(request, write.streamId, (r) =>
            r.setError(badRequest(`The given key '${event.missing}' was not present in the dictionary.`)),
          );
        }
        write.events.push(event);
        write.size += sizeOnDisk(event);
      }
      if (write.size > MAX_APPEND_SIZE) {
        pending.delete(correlationId);
        const details = new sharedPb.MaximumAppendSizeExceeded();
        details.setMaxappendsize(MAX_APPEND_SIZE);
        const status = rpcStatus(
          RPC_CODE.INVALID_ARGUMENT,
          'MaximumAppendSizeExceeded',
          details,
          'event_store.client.MaximumAppendSizeExceeded',
        );
        return reply(request, write.streamId, (r) => r.setError(status));
      }
      if (!request.getIsFinal()) return;
      pending.delete(correlationId);

      // Each request of the stream is answered on its own (by correlation id): one that is held
      // does not hold up the others.
      holds.submit({
        stream: write.streamId,
        events: write.events.length,
        cancelled: () => call.cancelled,
        write: () => {
          const result = log.append(write.streamId, write.expected, write.events);
          return () =>
            reply(request, write.streamId, (response) => {
              if (result.kind === 'wrong_expected_version') {
                response.setError(batchAppendError(write.expected, result));
                return;
              }
              const success = new BatchAppendResp.Success();
              if (result.currentRevision < 0n) success.setNoStream(new ProtoEmpty());
              else success.setCurrentRevision(result.currentRevision.toString());
              if (result.position === undefined) success.setNoPosition(new ProtoEmpty());
              else {
                const position = new sharedPb.AllStreamPosition();
                position.setCommitPosition(result.position.toString());
                position.setPreparePosition(result.position.toString());
                success.setPosition(position);
              }
              response.setSuccess(success);
            });
        },
      });
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined); // a dropped connection; nothing to clean up beyond `pending`
  };
}

// ---------------------------------------------------------------------------------------------
// ServerFeatures.GetSupportedMethods

/**
 * Lists what is implemented, in the server's format (lower-cased names, the same features). A real
 * server since 21.10 lists BatchAppend, so the client appends through BatchAppend unless a call
 * carries its own credentials, in which case it uses Append; both are implemented here.
 */
function createServerFeaturesHandler() {
  const streams = 'event_store.client.streams.streams';
  const methods: [service: string, method: string, features: string[]][] = [
    [streams, 'read', ['position', 'events']],
    [streams, 'append', []],
    [streams, 'batchappend', ['deadline_duration']],
    ['event_store.client.server_features.serverfeatures', 'getsupportedmethods', []],
  ];
  return (
    _call: GrpcJs.ServerUnaryCall<SharedPb.Empty, unknown>,
    callback: GrpcJs.sendUnaryData<InstanceType<typeof serverFeaturesPb.SupportedMethods>>,
  ) => {
    const supported = new serverFeaturesPb.SupportedMethods();
    supported.setEventStoreServerVersion('0.0.0-esdb-standin');
    for (const [service, method, features] of methods) {
      const entry = new serverFeaturesPb.SupportedMethod();
      entry.setServiceName(service);
      entry.setMethodName(method);
      entry.setFeaturesList(features);
      supported.addMethods(entry);
    }
    callback(null, supported);
  };
}

// ---------------------------------------------------------------------------------------------

/** Registers a call; the returned signal aborts when the client cancels it or the stand-in drops it. */
export type CallTracker = (call: NodeJS.EventEmitter) => AbortSignal;

export function createHandlers(
  log: TransactionLog,
  options: HandlerOptions,
  track: CallTracker,
  holds: AppendHolds,
) {
  return {
    streams: {
      read: createReadHandler(log, options, track),
      append: createAppendHandler(log, holds),
      batchAppend: createBatchAppendHandler(log, holds),
    },
    serverFeatures: { getSupportedMethods: createServerFeaturesHandler() },
  };
}

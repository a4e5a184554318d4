/**
 * The gRPC runtime and the EventStoreDB message classes, loaded through the official client's own
 * module resolution: `@grpc/grpc-js`, `google-protobuf` and `generated/*_pb.js` are the very
 * instances `@eventstore/db-client` (as installed for `@pzp/event-store`) loads, so the stand-in
 * speaks exactly the protocol definitions the client was generated from.
 *
 * Only types are imported statically; the values come from `createRequire` (the generated modules
 * are CommonJS).
 */
import { createRequire } from 'node:module';
import type * as GrpcJs from '@grpc/grpc-js';
import type * as ServerFeaturesGrpcPb from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type * as ServerFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb';
import type * as StatusPb from '@eventstore/db-client/generated/status_pb';
import type * as StreamsGrpcPb from '@eventstore/db-client/generated/streams_grpc_pb';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb';

const eventStoreRequire = createRequire(new URL('../../packages/event-store/package.json', import.meta.url));
const clientRequire = createRequire(eventStoreRequire.resolve('@eventstore/db-client'));

export const grpc = clientRequire('@grpc/grpc-js') as typeof GrpcJs;
export const streamsPb = clientRequire('@eventstore/db-client/generated/streams_pb.js') as typeof StreamsPb;
export const streamsGrpcPb = clientRequire(
  '@eventstore/db-client/generated/streams_grpc_pb.js',
) as typeof StreamsGrpcPb;
export const sharedPb = clientRequire('@eventstore/db-client/generated/shared_pb.js') as typeof SharedPb;
export const statusPb = clientRequire('@eventstore/db-client/generated/status_pb.js') as typeof StatusPb;
export const serverFeaturesPb = clientRequire(
  '@eventstore/db-client/generated/serverfeatures_pb.js',
) as typeof ServerFeaturesPb;
export const serverFeaturesGrpcPb = clientRequire(
  '@eventstore/db-client/generated/serverfeatures_grpc_pb.js',
) as typeof ServerFeaturesGrpcPb;

/** `google.protobuf.Any`, typed through the generated `Status.details` field (the test package does not depend on google-protobuf itself). */
export type ProtoAny = NonNullable<ReturnType<StatusPb.Status['getDetails']>>;
/** `google.protobuf.Empty`, as used by the BatchAppend messages. */
export type ProtoEmpty = NonNullable<ReturnType<StreamsPb.BatchAppendResp['getNoStream']>>;

export const ProtoAny = (
  clientRequire('google-protobuf/google/protobuf/any_pb.js') as { Any: new () => ProtoAny }
).Any;
export const ProtoEmpty = (
  clientRequire('google-protobuf/google/protobuf/empty_pb.js') as { Empty: new () => ProtoEmpty }
).Empty;

export type { GrpcJs, SharedPb, StreamsGrpcPb, StreamsPb };

export { FleetCore, LOCAL_HOST, type CoreEvent, type FleetCoreOptions } from './fleetCore';
export { CoreClient, type CoreSink } from './coreClient';
export { serveAppTransport } from './serveAppTransport';
export { FleetError, type FleetErrorCode } from '../ssh/errors';

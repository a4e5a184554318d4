export { EncryptingEventStore, type EncryptingEventStoreOptions } from './encrypting-event-store.js';
export { KeyDestroyedError, KeyMissingError, type KeyStore, type StreamKeyState } from './key-store.js';
export { SqliteKeyStore } from './sqlite-key-store.js';
export { keyEncryptionKey, DEV_KEK_FILE, type KeyEncryptionKeyOptions } from './kek.js';
export { isSealed, SEAL_SCHEME } from './sealed.js';

export { openSnapshot, isDiffusersSnapshot, type DiffusersSnapshot, type Variant } from './snapshot';
export { createMemorySnapshot, type SnapshotSource } from './source';
export { readSafetensorsHeader, type SafetensorsFile, type TensorEntry, type WeightDtype } from './safetensors';
export type { ClipConfig, UVitConfig, VQConfig } from './configs';
export { clipTokenizerJson, loadSnapshotTokenizer } from './tokenizer';
export { snapshotAsPackage, type SnapshotPackage, type SnapshotPackageOptions } from './asPackage';
export { cardLicense, snapshotNeeds, type SnapshotNeeds } from './card';
export { snapshotTokenizer, type SnapshotTokenizer } from './tokenizer';
export { openHubSnapshot, parseHubId, readHubRevision, type HubFile, type HubOptions, type HubSnapshotSource } from './hubSource';
